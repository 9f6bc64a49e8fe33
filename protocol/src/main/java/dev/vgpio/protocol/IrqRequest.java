package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;

import java.lang.foreign.MemorySegment;

/**
 * An eventq request, {@value VirtioGpio#IRQ_REQUEST_SIZE} bytes: {@code le16 gpio}. Queuing it unmasks the line's
 * interrupt.
 *
 * @param gpio line number, 0..0xffff
 */
public record IrqRequest(int gpio) {
    public IrqRequest {
        Wire.u16("IrqRequest", "gpio", gpio);
    }

    /** Writes the 2 bytes at {@code offset}. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(LE16, offset, (short) gpio);
    }

    /** Reads the 2 bytes at {@code offset}. */
    public static IrqRequest decode(MemorySegment seg, long offset) {
        return new IrqRequest(Short.toUnsignedInt(seg.get(LE16, offset)));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[VirtioGpio.IRQ_REQUEST_SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Decodes exactly {@value VirtioGpio#IRQ_REQUEST_SIZE} bytes; any other length is an IllegalArgumentException. */
    public static IrqRequest fromBytes(byte[] bytes) {
        Wire.checkLength("IrqRequest", VirtioGpio.IRQ_REQUEST_SIZE, bytes);
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
