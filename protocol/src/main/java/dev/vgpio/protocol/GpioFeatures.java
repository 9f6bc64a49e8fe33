package dev.vgpio.protocol;

import dev.vgpio.virtio.FeatureNames;

/** The virtio-gpio device feature bits, and the names of every bit a virtio-gpio device's feature word can hold. */
public final class GpioFeatures {
    /** Bit number of VIRTIO_GPIO_F_IRQ: the device supports interrupts and has an eventq. */
    public static final int F_IRQ = 0;
    /** {@link #F_IRQ} as a mask. */
    public static final long IRQ = 1L << F_IRQ;
    /**
     * Bit number of VIRTIO_GPIO_F_LINE_CONFIG, vgpio's extension (docs/line-config.md): the device answers
     * GET_LINE_CAPS and SET_LINE_CONFIG, so a driver can set a line's bias, drive and debounce period.
     */
    public static final int F_LINE_CONFIG = 1;
    /** {@link #F_LINE_CONFIG} as a mask. */
    public static final long LINE_CONFIG = 1L << F_LINE_CONFIG;
    /** The virtio bits and the GPIO device's own. */
    public static final FeatureNames NAMES = FeatureNames.VIRTIO.with(F_IRQ, "VIRTIO_GPIO_F_IRQ")
            .with(F_LINE_CONFIG, "VIRTIO_GPIO_F_LINE_CONFIG");

    private GpioFeatures() {
    }

    /** Whether {@link #IRQ} is set in {@code features}. */
    public static boolean hasIrq(long features) {
        return (features & IRQ) != 0;
    }

    /** Whether {@link #LINE_CONFIG} is set in {@code features}. */
    public static boolean hasLineConfig(long features) {
        return (features & LINE_CONFIG) != 0;
    }
}
