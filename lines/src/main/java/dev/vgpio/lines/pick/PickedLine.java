package dev.vgpio.lines.pick;

import java.util.List;

/**
 * One line of a picked device, in device line order.
 *
 * @param origin the chip it is on
 * @param offset its offset on that chip
 * @param hostName its name there ({@code ""} if it has none)
 * @param name the name the guest sees: {@code hostName} unless renamed ({@code ""} for an unnamed line)
 */
public record PickedLine(Origin origin, int offset, String hostName, String name) {
    /** The line's place for a message: {@code gpiochip0 3}, or a simulated chip's label and the offset. */
    String describe(List<LineSpec.Simulated> simulated) {
        return switch (origin) {
            case Origin.HostOrigin(HostChipInfo chip) -> chip.name() + " " + offset;
            case Origin.SimOrigin(int index) -> simulated.get(index).label() + " " + offset;
        };
    }
}
