package dev.vgpio.cli;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.PickedDevice;
import java.util.List;

/**
 * The one simulated chip that serves a device whose lines are all simulated: the device's label and the names the
 * guest sees, in line order. (The grammar of {@code --chip} is {@link LineSpec}'s.)
 *
 * @param label the chip's label
 * @param names the guest's name of each line ({@code ""} for an unnamed line)
 */
public record ChipSpec(String label, List<String> names) {
    /** Copies the names. */
    public ChipSpec {
        names = List.copyOf(names);
    }

    /**
     * The chip for a picked device.
     *
     * @param device a device of simulated lines only
     * @return its chip
     * @throws IllegalArgumentException if the device has host lines
     */
    public static ChipSpec of(PickedDevice device) {
        if (device.hasHostLines()) {
            throw new IllegalArgumentException("the lines of \"" + device.label() + "\" include host lines, which"
                    + " this build of vgpio serve cannot serve yet (only simulated chips: sim, sim:COUNT, sim:NAMES)");
        }
        return new ChipSpec(device.label(), device.names());
    }

    /** Builds the simulated chip (the picker checked the names). */
    public SimulatedChip create() {
        return new SimulatedChip(label, names);
    }
}
