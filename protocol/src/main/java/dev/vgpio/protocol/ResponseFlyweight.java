package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.U8;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A reusable, allocation-free view of a {@value VirtioGpio#RESPONSE_SIZE}-byte requestq response in a segment. The
 * device must set both fields of every response. Not thread-safe: use one instance per thread.
 */
public final class ResponseFlyweight {
    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Points this view at the response at {@code offset}; throws IndexOutOfBoundsException unless the segment holds
     * all {@value VirtioGpio#RESPONSE_SIZE} bytes there.
     */
    public ResponseFlyweight wrap(MemorySegment seg, long offset) {
        Objects.checkFromIndexSize(offset, VirtioGpio.RESPONSE_SIZE, seg.byteSize());
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    /** Writes the {@code status} byte (the low 8 bits of {@code status}, see {@link Status#code()}). */
    public ResponseFlyweight status(int status) {
        seg.set(U8, offset, (byte) status);
        return this;
    }

    /** Writes the {@code value} byte (the low 8 bits of {@code value}). */
    public ResponseFlyweight value(int value) {
        seg.set(U8, offset + 1, (byte) value);
        return this;
    }

    /** The {@code status} byte, 0..0xff. */
    public int status() {
        return Byte.toUnsignedInt(seg.get(U8, offset));
    }

    /** The {@code value} byte, 0..0xff. */
    public int value() {
        return Byte.toUnsignedInt(seg.get(U8, offset + 1));
    }
}
