package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.LE32;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A reusable, allocation-free view of a {@value VirtioGpio#REQUEST_SIZE}-byte requestq request in a segment. Every
 * getter reads memory again, so when the segment is shared with a guest read each field once and keep the value.
 * Not thread-safe: use one instance per thread.
 */
public final class RequestFlyweight {
    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Points this view at the request at {@code offset}; throws IndexOutOfBoundsException unless the segment holds
     * all {@value VirtioGpio#REQUEST_SIZE} bytes there.
     */
    public RequestFlyweight wrap(MemorySegment seg, long offset) {
        Objects.checkFromIndexSize(offset, VirtioGpio.REQUEST_SIZE, seg.byteSize());
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    /** The raw {@code type} field, 0..0xffff (see {@link MessageType#fromCode(long)}). */
    public int type() {
        return Short.toUnsignedInt(seg.get(LE16, offset));
    }

    /** The raw {@code gpio} field, 0..0xffff. */
    public int gpio() {
        return Short.toUnsignedInt(seg.get(LE16, offset + 2));
    }

    /** The {@code value} field, unsigned, 0..0xffffffff. */
    public long value() {
        return Integer.toUnsignedLong(seg.get(LE32, offset + 4));
    }

    /** Writes the {@code type} field (its low 16 bits). */
    public RequestFlyweight type(int type) {
        seg.set(LE16, offset, (short) type);
        return this;
    }

    /** Writes the {@code gpio} field (its low 16 bits). */
    public RequestFlyweight gpio(int gpio) {
        seg.set(LE16, offset + 2, (short) gpio);
        return this;
    }

    /** Writes the {@code value} field (its low 32 bits). */
    public RequestFlyweight value(long value) {
        seg.set(LE32, offset + 4, (int) value);
        return this;
    }
}
