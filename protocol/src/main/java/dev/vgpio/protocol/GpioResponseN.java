package dev.vgpio.protocol;

/**
 * The layout of a response that carries more than one value byte,
 * {@code struct virtio_gpio_response_N { u8 status; u8 value[N]; }}: the answer to GET_LINE_NAMES, whose values
 * are the names block ({@code N = gpio_names_size}).
 */
public final class GpioResponseN {
    public static final long STATUS = 0;
    /** Where {@code value[0]} is. */
    public static final long VALUE = 1;

    private GpioResponseN() {
    }

    /** Bytes of a response with {@code n} value bytes. */
    public static long size(long n) {
        return VALUE + n;
    }
}
