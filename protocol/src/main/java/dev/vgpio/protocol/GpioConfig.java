package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.LE32;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The device configuration space,
 * {@code struct virtio_gpio_config { le16 ngpio; u8 padding[2]; le32 gpio_names_size; }}: its layout, and its two
 * fields as a value (the configuration is read once, so a record serves).
 *
 * @param ngpio         number of lines, 0..65535 (the Linux driver refuses a device with 0)
 * @param gpioNamesSize size in bytes of the GET_LINE_NAMES block, 0 when the device has no line names
 */
public record GpioConfig(int ngpio, long gpioNamesSize) {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            LE16.withName("ngpio"), MemoryLayout.paddingLayout(2), LE32.withName("gpio_names_size"))
            .withName("virtio_gpio_config");
    /** Bytes of the configuration space. */
    public static final int SIZE = (int) LAYOUT.byteSize();
    public static final long NGPIO = Wire.offset(LAYOUT, "ngpio");
    /** Where the two padding bytes are; a conforming device leaves them 0. */
    public static final long PADDING = NGPIO + LE16.byteSize();
    public static final long GPIO_NAMES_SIZE = Wire.offset(LAYOUT, "gpio_names_size");

    public GpioConfig {
        Wire.u16("ngpio", ngpio);
        Wire.u32("gpio_names_size", gpioNamesSize);
    }

    /** Writes the 8 bytes at {@code offset}, with zero padding. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(LE16, offset + NGPIO, (short) ngpio);
        seg.set(LE16, offset + PADDING, (short) 0);
        seg.set(LE32, offset + GPIO_NAMES_SIZE, (int) gpioNamesSize);
    }

    /** Reads the 8 bytes at {@code offset}; the padding is ignored (see {@link #paddingOf}). */
    public static GpioConfig decode(MemorySegment seg, long offset) {
        return new GpioConfig(Short.toUnsignedInt(seg.get(LE16, offset + NGPIO)),
                Integer.toUnsignedLong(seg.get(LE32, offset + GPIO_NAMES_SIZE)));
    }

    /** The two padding bytes at {@code offset + PADDING} as a little-endian value. */
    public static int paddingOf(MemorySegment seg, long offset) {
        return Short.toUnsignedInt(seg.get(LE16, offset + PADDING));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /**
     * Decodes the configuration space as a driver reads it.
     *
     * @throws IllegalArgumentException unless {@code bytes} holds exactly 8 bytes
     */
    public static GpioConfig fromBytes(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("the virtio-gpio configuration space is " + SIZE + " bytes, got "
                    + bytes.length);
        }
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
