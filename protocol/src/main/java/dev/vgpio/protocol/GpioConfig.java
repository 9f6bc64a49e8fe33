package dev.vgpio.protocol;

import static dev.vgpio.protocol.Wire.LE16;
import static dev.vgpio.protocol.Wire.LE32;

import java.lang.foreign.MemorySegment;

/**
 * The device configuration space, {@value VirtioGpio#CONFIG_SIZE} bytes little-endian:
 * {@code le16 ngpio; u8 padding[2]; le32 gpio_names_size}.
 *
 * @param ngpio         number of lines, 0..65535 (the Linux driver refuses a device with 0)
 * @param gpioNamesSize size in bytes of the GET_LINE_NAMES block, 0 when the device has no line names
 */
public record GpioConfig(int ngpio, long gpioNamesSize) {
    public GpioConfig {
        Wire.u16("GpioConfig", "ngpio", ngpio);
        Wire.u32("GpioConfig", "gpioNamesSize", gpioNamesSize);
    }

    /** Writes the 8 bytes at {@code offset}, with zero padding. */
    public void encode(MemorySegment seg, long offset) {
        seg.set(LE16, offset, (short) ngpio);
        seg.set(LE16, offset + 2, (short) 0);
        seg.set(LE32, offset + 4, (int) gpioNamesSize);
    }

    /** Reads the 8 bytes at {@code offset}; the padding is ignored (see {@link #paddingOf}). */
    public static GpioConfig decode(MemorySegment seg, long offset) {
        return new GpioConfig(
                Short.toUnsignedInt(seg.get(LE16, offset)), Integer.toUnsignedLong(seg.get(LE32, offset + 4)));
    }

    /** The two padding bytes at {@code offset + 2} as a little-endian value; a conforming device leaves them 0. */
    public static int paddingOf(MemorySegment seg, long offset) {
        return Short.toUnsignedInt(seg.get(LE16, offset + 2));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] bytes = new byte[VirtioGpio.CONFIG_SIZE];
        encode(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Decodes exactly {@value VirtioGpio#CONFIG_SIZE} bytes; any other length is an IllegalArgumentException. */
    public static GpioConfig fromBytes(byte[] bytes) {
        Wire.checkLength("GpioConfig", VirtioGpio.CONFIG_SIZE, bytes);
        return decode(MemorySegment.ofArray(bytes), 0);
    }
}
