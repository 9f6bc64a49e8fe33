package dev.vgpio.virtqueue;

import java.util.Arrays;

/**
 * A fuzzer's bytes read front to back as little-endian fields; once they run out every field reads 0, so any input
 * is a complete one. Seeds are easy to write by hand in this form, which Jazzer's FuzzedDataProvider is not. The
 * fuzz tests of the later modules use it too (this module's test jar).
 */
public final class FuzzInput {
    private final byte[] data;
    private int pos;

    public FuzzInput(byte[] data) {
        this.data = data;
    }

    public boolean hasMore() {
        return pos < data.length;
    }

    public int u8() {
        return pos < data.length ? data[pos++] & 0xff : 0;
    }

    public int u16() {
        return u8() | u8() << 8;
    }

    public int u32() {
        return u16() | u16() << 16;
    }

    public long u64() {
        return Integer.toUnsignedLong(u32()) | (long) u32() << 32;
    }

    /** A value in {@code [0, bound)}, from as few bytes as the bound needs. */
    public int below(int bound) {
        int raw = bound <= 0x100 ? u8() : bound <= 0x1_0000 ? u16() : u32();
        return Integer.remainderUnsigned(raw, bound);
    }

    /** The next {@code n} bytes, fewer if the input ends first. */
    public byte[] bytes(int n) {
        int end = (int) Math.min((long) pos + n, data.length);
        byte[] b = Arrays.copyOfRange(data, pos, end);
        pos = end;
        return b;
    }
}
