package dev.vgpio.protocol;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian layouts and field-width checks shared by the records and flyweights. */
final class Wire {
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int U8_MAX = 0xff;
    static final int U16_MAX = 0xffff;
    static final long U32_MAX = 0xffff_ffffL;

    private Wire() {
    }

    static int u8(String record, String field, int value) {
        if (value < 0 || value > U8_MAX) {
            throw new IllegalArgumentException(record + "." + field + " must fit in u8 (0..255), got " + value);
        }
        return value;
    }

    static int u16(String record, String field, int value) {
        if (value < 0 || value > U16_MAX) {
            throw new IllegalArgumentException(record + "." + field + " must fit in le16 (0..65535), got " + value);
        }
        return value;
    }

    static long u32(String record, String field, long value) {
        if (value < 0 || value > U32_MAX) {
            throw new IllegalArgumentException(
                    record + "." + field + " must fit in le32 (0..4294967295), got " + value);
        }
        return value;
    }

    static void checkLength(String record, int expected, byte[] bytes) {
        if (bytes.length != expected) {
            throw new IllegalArgumentException(
                    record + " is " + expected + " bytes on the wire, got " + bytes.length + " bytes");
        }
    }
}
