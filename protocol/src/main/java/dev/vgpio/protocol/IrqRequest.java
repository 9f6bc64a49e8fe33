package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The layout of an eventq request, {@code struct virtio_gpio_irq_request { le16 gpio; }}: queuing it unmasks the
 * line's interrupt. Allocation-free accessors.
 */
public final class IrqRequest {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(LE16.withName("gpio"))
            .withName("virtio_gpio_irq_request");
    public static final int SIZE = (int) LAYOUT.byteSize();
    public static final long GPIO = Wire.offset(LAYOUT, "gpio");

    private IrqRequest() {
    }

    /** The {@code gpio} field at {@code offset}, 0..0xffff. */
    public static int gpio(MemorySegment seg, long offset) {
        return Short.toUnsignedInt(seg.get(LE16, offset + GPIO));
    }

    /** Writes the {@code gpio} field (its low 16 bits). */
    public static void write(MemorySegment seg, long offset, int gpio) {
        seg.set(LE16, offset + GPIO, (short) gpio);
    }
}
