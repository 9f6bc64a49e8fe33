package dev.vgpio.protocol;

import dev.vgpio.virtio.FeatureNames;

/** The virtio-gpio device feature bits, and the names of every bit a virtio-gpio device's feature word can hold. */
public final class GpioFeatures {
    /** Bit number of VIRTIO_GPIO_F_IRQ: the device supports interrupts and has an eventq. */
    public static final int F_IRQ = 0;
    /** {@link #F_IRQ} as a mask. */
    public static final long IRQ = 1L << F_IRQ;
    /** The virtio bits and the GPIO device's own. */
    public static final FeatureNames NAMES = FeatureNames.VIRTIO.with(F_IRQ, "VIRTIO_GPIO_F_IRQ");

    private GpioFeatures() {
    }

    /** Whether {@link #IRQ} is set in {@code features}. */
    public static boolean hasIrq(long features) {
        return (features & IRQ) != 0;
    }
}
