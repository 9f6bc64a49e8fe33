package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U32;

import dev.vgpio.virtqueue.SplitRing;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The vring state payload, {@code u32 index; u32 num}: SET_VRING_NUM (num is the ring size), SET_VRING_BASE and
 * GET_VRING_BASE (num is the next available index), SET_VRING_ENABLE (num is 0 or 1).
 */
final class VringState {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(U32.withName("index"), U32.withName("num"))
            .withName("vhost_vring_state");
    static final int SIZE = (int) LAYOUT.byteSize();
    static final long INDEX = Wire.offset(LAYOUT, "index");
    static final long NUM = Wire.offset(LAYOUT, "num");

    private VringState() {
    }

    static int index(MemorySegment payload) {
        return payload.get(U32, INDEX);
    }

    static int num(MemorySegment payload) {
        return payload.get(U32, NUM);
    }

    static void write(MemorySegment payload, int index, int num) {
        payload.set(U32, INDEX, index);
        payload.set(U32, NUM, num);
    }

    /** A ring size must be a power of two from 1 to 32768. */
    static void checkRingSize(int index, int num) throws ProtocolException {
        if (num < 1 || num > SplitRing.MAX_SIZE || Integer.bitCount(num) != 1) {
            throw new ProtocolException("SET_VRING_NUM " + Integer.toUnsignedString(num) + " for queue " + index
                    + " is not a power of two between 1 and " + SplitRing.MAX_SIZE);
        }
    }

    /** A ring index is 16 bits. */
    static void checkBase(int request, int index, int num) throws ProtocolException {
        if (num < 0 || num > 0xffff) {
            throw new ProtocolException(VhostUser.name(request) + " " + Integer.toUnsignedString(num)
                    + " for queue " + index + " is not a 16-bit ring index");
        }
    }

    /** SET_VRING_ENABLE takes 0 or 1. */
    static void checkEnable(int index, int num) throws ProtocolException {
        if (num != 0 && num != 1) {
            throw new ProtocolException("SET_VRING_ENABLE " + Integer.toUnsignedString(num) + " for queue " + index
                    + " is neither 0 nor 1");
        }
    }
}
