package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U64;

import java.lang.foreign.MemorySegment;

/** The payload that is one {@code u64}: features, protocol features, a queue count, or a REPLY_ACK status. */
final class U64 {
    static final int SIZE = (int) Wire.U64.byteSize();

    private U64() {
    }

    static long value(MemorySegment payload) {
        return payload.get(U64, 0);
    }

    static void write(MemorySegment payload, long value) {
        payload.set(U64, 0, value);
    }
}
