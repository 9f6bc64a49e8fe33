package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U32;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The payload of GET_CONFIG and SET_CONFIG, {@code u32 offset; u32 size; u32 flags;} then {@code size} bytes of the
 * device's configuration space from {@code offset}.
 */
final class DeviceConfig {
    static final StructLayout HEADER = MemoryLayout.structLayout(
            U32.withName("offset"), U32.withName("size"), U32.withName("flags")).withName("vhost_user_config");
    static final long OFFSET = Wire.offset(HEADER, "offset");
    static final long SIZE = Wire.offset(HEADER, "size");
    static final long FLAGS = Wire.offset(HEADER, "flags");
    /** Where the configuration bytes start. */
    static final int DATA = (int) HEADER.byteSize();
    /** The most configuration bytes one message carries (VHOST_USER_MAX_CONFIG_SIZE). */
    static final int MAX = 256;

    private DeviceConfig() {
    }

    static int offset(MemorySegment p) {
        return p.get(U32, OFFSET);
    }

    static int size(MemorySegment p) {
        return p.get(U32, SIZE);
    }

    static int flags(MemorySegment p) {
        return p.get(U32, FLAGS);
    }

    /** Writes the header of a request for {@code size} bytes at {@code offset}, and zeroes the bytes. */
    static int write(MemorySegment p, int offset, int size) {
        p.set(U32, OFFSET, offset);
        p.set(U32, SIZE, size);
        p.set(U32, FLAGS, 0);
        p.asSlice(DATA, size).fill((byte) 0);
        return DATA + size;
    }

    /** The payload is a header and at most {@link #MAX} bytes. */
    static void checkFrame(int request, int payloadSize) throws ProtocolException {
        if (payloadSize < DATA || payloadSize > DATA + MAX) {
            throw new ProtocolException(VhostUser.name(request) + " of " + payloadSize + " bytes");
        }
    }

    /** The payload is a header and at most {@link #MAX} bytes, as many as its {@code size} field says. */
    static void check(int request, MemorySegment p, int payloadSize) throws ProtocolException {
        checkFrame(request, payloadSize);
        int size = size(p);
        if (size != payloadSize - DATA) {
            throw new ProtocolException(VhostUser.name(request) + " asks for " + Integer.toUnsignedString(size)
                    + " bytes but carries " + (payloadSize - DATA));
        }
    }
}
