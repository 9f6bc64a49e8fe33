package dev.vgpio.channel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The channel frame (docs/channel.md, "Frames"): an 8-byte header and a body, at most {@link #MAX} bytes, the
 * payload of one rpmsg buffer. Static accessors over a segment holding a frame at offset 0, allocation-free; the
 * layout is declared here once and used by both sides.
 */
public final class Frame {
    /** The largest frame: 512-byte rpmsg buffers less rpmsg's 16-byte header. */
    public static final int MAX = 496;
    /** The header's size, and the smallest frame. */
    public static final int HEADER = 8;
    /** The largest body. */
    public static final int MAX_BODY = MAX - HEADER;
    /** The protocol version this implementation speaks. */
    public static final int VERSION = 1;
    /** The longest token a HELLO carries. */
    public static final int MAX_TOKEN = 64;

    public static final long TYPE = 0;
    public static final long QUEUE = 1;
    public static final long TAG = 2;
    public static final long SIZE = 4;
    public static final long OFFSET = 6;
    public static final long BODY = 8;

    public static final int HELLO = 0x01;
    public static final int DEVICE = 0x02;
    public static final int FEATURES = 0x03;
    public static final int FEATURES_OK = 0x04;
    public static final int REQUEST = 0x05;
    public static final int RESPONSE = 0x06;
    public static final int PING = 0x07;
    public static final int PONG = 0x08;
    public static final int ERROR = 0x09;

    /** HELLO's body: versions and the token's length, then the token. */
    public static final long HELLO_MIN_VERSION = BODY;
    public static final long HELLO_MAX_VERSION = BODY + 2;
    public static final long HELLO_TOKEN_LENGTH = BODY + 4;
    public static final long HELLO_TOKEN = BODY + 6;

    /** DEVICE's body, up to the queue sizes (then the configuration space). */
    public static final long DEVICE_VERSION = BODY;
    public static final long DEVICE_ID = BODY + 2;
    public static final long DEVICE_FEATURES = BODY + 8;
    public static final long DEVICE_QUEUE_COUNT = BODY + 16;
    public static final long DEVICE_CONFIG_SIZE = BODY + 18;
    public static final long DEVICE_QUEUE_SIZES = BODY + 20;

    /** FEATURES' and FEATURES_OK's body; PING's and PONG's cookie is at the same place. */
    public static final long FEATURE_BITS = BODY;
    public static final long COOKIE = BODY;

    /** ERROR's body: a code, then the message. */
    public static final long ERROR_CODE = BODY;
    public static final long ERROR_MESSAGE = BODY + 4;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Frame() {
    }

    /** Writes a header: the body follows at {@link #BODY}. */
    public static void header(MemorySegment f, int type, int queue, int tag, int size, int offset) {
        f.set(ValueLayout.JAVA_BYTE, TYPE, (byte) type);
        f.set(ValueLayout.JAVA_BYTE, QUEUE, (byte) queue);
        u16(f, TAG, tag);
        u16(f, SIZE, size);
        u16(f, OFFSET, offset);
    }

    public static int type(MemorySegment f) {
        return u8(f, TYPE);
    }

    public static int queue(MemorySegment f) {
        return u8(f, QUEUE);
    }

    public static int tag(MemorySegment f) {
        return u16(f, TAG);
    }

    public static int size(MemorySegment f) {
        return u16(f, SIZE);
    }

    public static int offset(MemorySegment f) {
        return u16(f, OFFSET);
    }

    /** An unsigned byte at {@code at}. */
    public static int u8(MemorySegment f, long at) {
        return f.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    /** An unsigned little-endian 16-bit field at {@code at}. */
    public static int u16(MemorySegment f, long at) {
        return f.get(U16, at) & 0xffff;
    }

    public static void u16(MemorySegment f, long at, int value) {
        f.set(U16, at, (short) value);
    }

    public static long u64(MemorySegment f, long at) {
        return f.get(U64, at);
    }

    public static void u64(MemorySegment f, long at, long value) {
        f.set(U64, at, value);
    }

    /** The name of a frame type, for messages. */
    public static String typeName(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case DEVICE -> "DEVICE";
            case FEATURES -> "FEATURES";
            case FEATURES_OK -> "FEATURES_OK";
            case REQUEST -> "REQUEST";
            case RESPONSE -> "RESPONSE";
            case PING -> "PING";
            case PONG -> "PONG";
            case ERROR -> "ERROR";
            default -> "type 0x" + Integer.toHexString(type);
        };
    }
}
