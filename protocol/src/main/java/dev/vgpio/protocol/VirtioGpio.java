package dev.vgpio.protocol;

/**
 * Numeric constants of the virtio-gpio device (virtio 1.3, section 5.18): its device ID, virtqueue indices, feature
 * bit, and the sizes in bytes of its wire structures.
 */
public final class VirtioGpio {
    /** The virtio device ID of a GPIO device. */
    public static final int DEVICE_ID = 41;
    /** Index of the request virtqueue. */
    public static final int REQUESTQ = 0;
    /** Index of the event virtqueue; present only when {@link #F_IRQ} is negotiated. */
    public static final int EVENTQ = 1;
    /** Feature bit number of VIRTIO_GPIO_F_IRQ (the device supports interrupts); the mask is {@link GpioFeatures#IRQ}. */
    public static final int F_IRQ = 0;
    /** Size of a requestq request: {@code le16 type; le16 gpio; le32 value}. */
    public static final int REQUEST_SIZE = 8;
    /** Size of a requestq response: {@code u8 status; u8 value} (GET_LINE_NAMES replies are 1 + gpio_names_size). */
    public static final int RESPONSE_SIZE = 2;
    /** Size of an eventq request: {@code le16 gpio}. */
    public static final int IRQ_REQUEST_SIZE = 2;
    /** Size of an eventq response: {@code u8 status}. */
    public static final int IRQ_RESPONSE_SIZE = 1;
    /** Size of the device configuration space: {@code le16 ngpio; u8 padding[2]; le32 gpio_names_size}. */
    public static final int CONFIG_SIZE = 8;
    /** The largest number of lines a device can have ({@code ngpio} is a 16-bit field). */
    public static final int MAX_LINES = 65535;

    private VirtioGpio() {
    }
}
