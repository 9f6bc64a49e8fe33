package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.U8;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The layout of an eventq response, {@code struct virtio_gpio_irq_response { u8 status; }} (an {@link IrqStatus}
 * code). Allocation-free accessors.
 */
public final class IrqResponse {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(U8.withName("status"))
            .withName("virtio_gpio_irq_response");
    public static final int SIZE = (int) LAYOUT.byteSize();
    public static final long STATUS = Wire.offset(LAYOUT, "status");

    private IrqResponse() {
    }

    /** The {@code status} byte at {@code offset}, 0..0xff. */
    public static int status(MemorySegment seg, long offset) {
        return Byte.toUnsignedInt(seg.get(U8, offset + STATUS));
    }

    /** Writes the {@code status} byte (its low 8 bits). */
    public static void write(MemorySegment seg, long offset, int status) {
        seg.set(U8, offset + STATUS, (byte) status);
    }
}
