package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U32;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The header of every vhost-user message, {@code u32 request; u32 flags; u32 size}, at the start of the message
 * buffer; the payload follows it. Flags carry the version (1), whether the message is a reply, and whether the front
 * end wants an acknowledgement.
 */
final class Header {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U32.withName("request"), U32.withName("flags"), U32.withName("size")).withName("vhost_user_header");
    static final int SIZE = (int) LAYOUT.byteSize();
    static final long REQUEST = Wire.offset(LAYOUT, "request");
    static final long FLAGS = Wire.offset(LAYOUT, "flags");
    static final long PAYLOAD_SIZE = Wire.offset(LAYOUT, "size");

    static final int FLAG_VERSION = 0x1;
    static final int FLAG_VERSION_MASK = 0x3;
    static final int FLAG_REPLY = 0x4;
    static final int FLAG_NEED_REPLY = 0x8;

    private Header() {
    }

    static int request(MemorySegment msg) {
        return msg.get(U32, REQUEST);
    }

    static int flags(MemorySegment msg) {
        return msg.get(U32, FLAGS);
    }

    /** The payload size as sent, which may be anything; check it with {@link #checkSize} before use. */
    static int payloadSize(MemorySegment msg) {
        return msg.get(U32, PAYLOAD_SIZE);
    }

    static void write(MemorySegment msg, int request, int flags, int payloadSize) {
        msg.set(U32, REQUEST, request);
        msg.set(U32, FLAGS, flags);
        msg.set(U32, PAYLOAD_SIZE, payloadSize);
    }

    static boolean versionOk(int flags) {
        return (flags & FLAG_VERSION_MASK) == FLAG_VERSION;
    }

    /** A payload size no message handled here exceeds. */
    static void checkSize(int request, int size, int max) throws ProtocolException {
        if (size < 0 || size > max) {
            throw new ProtocolException(VhostUser.name(request) + " announces a payload of "
                    + Integer.toUnsignedString(size) + " bytes, more than the " + max + " allowed");
        }
    }
}
