package dev.vgpio.lines.pick;

/** Where a {@link PickedLine} comes from: a simulated chip of the device, or a host chip. */
public sealed interface Origin permits Origin.SimOrigin, Origin.HostOrigin {
    /**
     * A line of one of the device's simulated chips.
     *
     * @param index the chip's index in {@link PickedDevice#simulated()}
     */
    record SimOrigin(int index) implements Origin {
    }

    /**
     * A line of a host chip.
     *
     * @param chip the chip
     */
    record HostOrigin(HostChipInfo chip) implements Origin {
    }
}
