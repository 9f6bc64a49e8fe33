package dev.vgpio.protocol;

import java.util.StringJoiner;

/** The virtio-gpio device feature bits (bits 0..23 of the virtio feature word). */
public final class GpioFeatures {
    /** VIRTIO_GPIO_F_IRQ as a mask: the device supports interrupts and has an eventq. */
    public static final long IRQ = 1L << VirtioGpio.F_IRQ;
    /** Mask of the device-specific feature bits, 0..23; higher bits belong to the transport. */
    public static final long DEVICE_BITS = (1L << 24) - 1;

    private GpioFeatures() {
    }

    /** Whether {@link #IRQ} is set in {@code features}. */
    public static boolean hasIrq(long features) {
        return (features & IRQ) != 0;
    }

    /**
     * The device feature bits set in {@code features}, comma-separated: "IRQ" for bit 0, "bit N" for other bits
     * 0..23, "none" when none is set. Transport bits (24 and up) are not listed.
     */
    public static String describe(long features) {
        StringJoiner names = new StringJoiner(", ");
        long bits = features & DEVICE_BITS;
        for (int bit = 0; bit < 24; bit++) {
            if ((bits & (1L << bit)) != 0) {
                names.add(bit == VirtioGpio.F_IRQ ? "IRQ" : "bit " + bit);
            }
        }
        return names.length() == 0 ? "none" : names.toString();
    }
}
