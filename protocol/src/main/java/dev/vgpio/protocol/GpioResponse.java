package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.U8;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The layout of a requestq response, {@code struct virtio_gpio_response { u8 status; u8 value; }}, and
 * allocation-free accessors. A response travels as one little-endian 16-bit word, {@code status | value << 8}: the
 * device writes it and the driver reads it in one access. (GET_LINE_NAMES is answered with a
 * {@link GpioResponseN}.)
 */
public final class GpioResponse {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U8.withName("status"), U8.withName("value")).withName("virtio_gpio_response");
    /** Bytes of a response. */
    public static final int SIZE = (int) LAYOUT.byteSize();
    public static final long STATUS = Wire.offset(LAYOUT, "status");
    public static final long VALUE = Wire.offset(LAYOUT, "value");
    /** The response of a refused request: {@code STATUS_ERR} and value 0. */
    public static final int ERR = pack(Status.ERR.code(), 0);

    private GpioResponse() {
    }

    /** The response word at {@code offset}, {@code status | value << 8}. */
    public static int read(MemorySegment seg, long offset) {
        return Short.toUnsignedInt(seg.get(LE16, offset));
    }

    /** Writes the response word {@code status | value << 8} at {@code offset} in one store. */
    public static void write(MemorySegment seg, long offset, int response) {
        seg.set(LE16, offset, (short) response);
    }

    /** A response word; each field is cut to 8 bits. */
    public static int pack(int status, int value) {
        return (status & 0xff) | (value & 0xff) << 8;
    }

    /** A successful response carrying {@code value}. */
    public static int ok(int value) {
        return pack(Status.OK.code(), value);
    }

    public static int status(int response) {
        return response & 0xff;
    }

    public static int value(int response) {
        return (response >>> 8) & 0xff;
    }
}
