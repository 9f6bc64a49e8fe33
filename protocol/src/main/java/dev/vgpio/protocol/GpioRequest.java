package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.LE32;

import java.lang.foreign.MemorySegment;

/**
 * A requestq request, {@value VirtioGpio#REQUEST_SIZE} bytes little-endian: {@code le16 type; le16 gpio; le32 value}.
 * Fields hold raw wire values, so unknown types and out-of-range lines can be represented; only the field widths are
 * checked. For the per-request hot path use {@link RequestFlyweight}.
 *
 * @param type  message type code (see {@link MessageType}), 0..0xffff
 * @param gpio  line number, 0..0xffff
 * @param value message-specific value, 0..0xffffffff
 */
public record GpioRequest(int type, int gpio, long value) {
    public GpioRequest {
        Wire.u16("GpioRequest", "type", type);
        Wire.u16("GpioRequest", "gpio", gpio);
        Wire.u32("GpioRequest", "value", value);
    }

    /** A request of a known type. */
    public static GpioRequest of(MessageType t, int gpio, long value) {
        return new GpioRequest(t.code(), gpio, value);
    }

    /** The message type, or {@code null} when {@link #type()} is not a known code. */
    public MessageType messageType() {
        return MessageType.fromCode(type);
    }

    /** Writes the 8 bytes at {@code offset}. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(LE16, offset, (short) type);
        seg.set(LE16, offset + 2, (short) gpio);
        seg.set(LE32, offset + 4, (int) value);
    }

    /** Reads the 8 bytes at {@code offset}. */
    public static GpioRequest decode(MemorySegment seg, long offset) {
        return new GpioRequest(
                Short.toUnsignedInt(seg.get(LE16, offset)),
                Short.toUnsignedInt(seg.get(LE16, offset + 2)),
                Integer.toUnsignedLong(seg.get(LE32, offset + 4)));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[VirtioGpio.REQUEST_SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Decodes exactly {@value VirtioGpio#REQUEST_SIZE} bytes; any other length is an IllegalArgumentException. */
    public static GpioRequest fromBytes(byte[] bytes) {
        Wire.checkLength("GpioRequest", VirtioGpio.REQUEST_SIZE, bytes);
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
