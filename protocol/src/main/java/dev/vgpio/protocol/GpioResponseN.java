package dev.vgpio.protocol;

/**
 * The layout of a response that carries more than one value byte,
 * {@code struct virtio_gpio_response_N { u8 status; u8 value[N]; }}: the answer to GET_LINE_NAMES, whose values
 * are the names block ({@code N = gpio_names_size}).
 */
public final class GpioResponseN {
    /** The status byte, where a {@link GpioResponse} has it. */
    public static final long STATUS = GpioResponse.STATUS;
    /** Where {@code value[0]} is: where a {@link GpioResponse} has its one value byte. */
    public static final long VALUE = GpioResponse.VALUE;

    private GpioResponseN() {
    }

    /** Bytes of a response with {@code n} value bytes. */
    public static long size(long n) {
        return VALUE + n;
    }
}
