package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.U8;

import java.lang.foreign.MemorySegment;

/**
 * An eventq response, {@value VirtioGpio#IRQ_RESPONSE_SIZE} byte: {@code u8 status}.
 *
 * @param status status code (see {@link IrqStatus}), 0..0xff
 */
public record IrqResponse(int status) {
    public IrqResponse {
        Wire.u8("IrqResponse", "status", status);
    }

    /** A response with a known status. */
    public static IrqResponse of(IrqStatus status) {
        return new IrqResponse(status.code());
    }

    /** Writes the byte at {@code offset}. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(U8, offset, (byte) status);
    }

    /** Reads the byte at {@code offset}. */
    public static IrqResponse decode(MemorySegment seg, long offset) {
        return new IrqResponse(Byte.toUnsignedInt(seg.get(U8, offset)));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[VirtioGpio.IRQ_RESPONSE_SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Decodes exactly {@value VirtioGpio#IRQ_RESPONSE_SIZE} byte; any other length is an IllegalArgumentException. */
    public static IrqResponse fromBytes(byte[] bytes) {
        Wire.checkLength("IrqResponse", VirtioGpio.IRQ_RESPONSE_SIZE, bytes);
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
