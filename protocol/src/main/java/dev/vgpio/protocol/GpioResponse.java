package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.U8;

import java.lang.foreign.MemorySegment;

/**
 * A requestq response, {@value VirtioGpio#RESPONSE_SIZE} bytes: {@code u8 status; u8 value}. (A GET_LINE_NAMES reply
 * is the status byte followed by the names block, see {@link LineNames}.) For the hot path use
 * {@link ResponseFlyweight}.
 *
 * @param status status code (see {@link Status}), 0..0xff
 * @param value  message-specific value, 0..0xff
 */
public record GpioResponse(int status, int value) {
    public GpioResponse {
        Wire.u8("GpioResponse", "status", status);
        Wire.u8("GpioResponse", "value", value);
    }

    /** A successful response carrying {@code value}. */
    public static GpioResponse ok(int value) {
        return new GpioResponse(Status.OK.code(), value);
    }

    /** A failed response (value 0). */
    public static GpioResponse err() {
        return new GpioResponse(Status.ERR.code(), 0);
    }

    /** Whether the status is {@link Status#OK}. */
    public boolean isOk() {
        return status == Status.OK.code();
    }

    /** Writes the 2 bytes at {@code offset}. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(U8, offset, (byte) status);
        seg.set(U8, offset + 1, (byte) value);
    }

    /** Reads the 2 bytes at {@code offset}. */
    public static GpioResponse decode(MemorySegment seg, long offset) {
        return new GpioResponse(Byte.toUnsignedInt(seg.get(U8, offset)), Byte.toUnsignedInt(seg.get(U8, offset + 1)));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[VirtioGpio.RESPONSE_SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Decodes exactly {@value VirtioGpio#RESPONSE_SIZE} bytes; any other length is an IllegalArgumentException. */
    public static GpioResponse fromBytes(byte[] bytes) {
        Wire.checkLength("GpioResponse", VirtioGpio.RESPONSE_SIZE, bytes);
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
