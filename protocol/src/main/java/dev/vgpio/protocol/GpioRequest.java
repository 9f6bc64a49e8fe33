package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.LE32;
import static dev.vgpio.protocol.Wire.LE64;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The layout of a requestq request, {@code struct virtio_gpio_request { le16 type; le16 gpio; le32 value; }}, and
 * allocation-free accessors over any segment. The device reads and the driver writes the whole request in one
 * 8-byte little-endian access, {@code type | gpio << 16 | value << 32}; {@link #type}, {@link #gpio} and
 * {@link #value} take the fields out of that word. Fields are raw wire values: unknown types and lines out of range
 * are representable, so that the device can refuse them.
 */
public final class GpioRequest {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            LE16.withName("type"), LE16.withName("gpio"), LE32.withName("value")).withName("virtio_gpio_request");
    /** Bytes of a request. */
    public static final int SIZE = (int) LAYOUT.byteSize();
    public static final long TYPE = Wire.offset(LAYOUT, "type");
    public static final long GPIO = Wire.offset(LAYOUT, "gpio");
    public static final long VALUE = Wire.offset(LAYOUT, "value");

    private GpioRequest() {
    }

    /** The request at {@code offset} as one word, {@code type | gpio << 16 | value << 32}. */
    public static long read(MemorySegment seg, long offset) {
        return seg.get(LE64, offset);
    }

    /** Writes a request at {@code offset} in one store; each field is cut to its width. */
    public static void write(MemorySegment seg, long offset, int type, int gpio, long value) {
        seg.set(LE64, offset, pack(type, gpio, value));
    }

    /** The request as one word; each field is cut to its width. */
    public static long pack(int type, int gpio, long value) {
        return (type & 0xffffL) | (gpio & 0xffffL) << 16 | (value & 0xffff_ffffL) << 32;
    }

    /** The {@code type} field of a request word, 0..0xffff (see {@link MessageType#fromCode}). */
    public static int type(long request) {
        return (int) request & 0xffff;
    }

    /** The {@code gpio} field of a request word, 0..0xffff. */
    public static int gpio(long request) {
        return (int) (request >>> 16) & 0xffff;
    }

    /** The {@code value} field of a request word, unsigned, 0..0xffffffff. */
    public static long value(long request) {
        return request >>> 32;
    }

    /**
     * The wire bytes of a request whose fields must fit their widths (for cold paths: tests, tools).
     *
     * @throws IllegalArgumentException if a field does not fit
     */
    public static byte[] toBytes(int type, int gpio, long value) {
        byte[] bytes = new byte[SIZE];
        write(MemorySegment.ofArray(bytes), 0, Wire.u16("type", type), Wire.u16("gpio", gpio),
                Wire.u32("value", value));
        return bytes;
    }
}
