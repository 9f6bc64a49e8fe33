package dev.vgpio.protocol;

/**
 * Numeric constants of the virtio-gpio device (virtio 1.3, section 5.18): its device ID, its virtqueues and its line
 * count limit. The layouts of its structures are {@link GpioRequest}, {@link GpioResponse}, {@link GpioResponseN},
 * {@link IrqRequest}, {@link IrqResponse} and {@link GpioConfig}; its feature bit is in {@link GpioFeatures}.
 */
public final class VirtioGpio {
    /** The virtio device ID of a GPIO device. */
    public static final int DEVICE_ID = 41;
    /** Index of the request virtqueue. */
    public static final int REQUESTQ = 0;
    /** Index of the event virtqueue; present only when VIRTIO_GPIO_F_IRQ is negotiated. */
    public static final int EVENTQ = 1;
    /** The largest number of lines a device can have ({@code ngpio} is a 16-bit field). */
    public static final int MAX_LINES = 65535;

    private VirtioGpio() {
    }
}
