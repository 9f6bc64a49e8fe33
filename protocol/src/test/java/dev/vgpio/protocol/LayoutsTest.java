package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The structures of the spec's GPIO section, byte for byte as {@code include/uapi/linux/virtio_gpio.h} has them. */
class LayoutsTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void sizesAndOffsetsAreTheKernelHeaders() {
        assertThat(GpioRequest.SIZE).isEqualTo(8);
        assertThat(new long[] {GpioRequest.TYPE, GpioRequest.GPIO, GpioRequest.VALUE}).containsExactly(0, 2, 4);
        assertThat(GpioResponse.SIZE).isEqualTo(2);
        assertThat(new long[] {GpioResponse.STATUS, GpioResponse.VALUE}).containsExactly(0, 1);
        assertThat(GpioResponseN.size(24)).isEqualTo(25);
        assertThat(new long[] {GpioResponseN.STATUS, GpioResponseN.VALUE}).containsExactly(0, 1);
        assertThat(IrqRequest.SIZE).isEqualTo(2);
        assertThat(IrqRequest.GPIO).isZero();
        assertThat(IrqResponse.SIZE).isEqualTo(1);
        assertThat(IrqResponse.STATUS).isZero();
        assertThat(GpioConfig.SIZE).isEqualTo(8);
        assertThat(new long[] {GpioConfig.NGPIO, GpioConfig.PADDING, GpioConfig.GPIO_NAMES_SIZE})
                .containsExactly(0, 2, 4);
        assertThat(GpioRequest.LAYOUT.name()).contains("virtio_gpio_request");
    }

    @Test
    void aRequestIsLittleEndianInOneWord() {
        byte[] b = GpioRequest.toBytes(MessageType.SET_VALUE.code(), 0x0102, 0x8000_0001L);
        assertThat(b).containsExactly(bytes(5, 0, 2, 1, 1, 0, 0, 0x80));
        long word = GpioRequest.read(MemorySegment.ofArray(b), 0);
        assertThat(GpioRequest.type(word)).isEqualTo(5);
        assertThat(GpioRequest.gpio(word)).isEqualTo(0x0102);
        assertThat(GpioRequest.value(word)).isEqualTo(0x8000_0001L);
        long all = GpioRequest.read(MemorySegment.ofArray(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), 0);
        assertThat(new long[] {GpioRequest.type(all), GpioRequest.gpio(all), GpioRequest.value(all)})
                .as("raw wire values, unknown types and lines included").containsExactly(0xffff, 0xffff, 0xffff_ffffL);
    }

    @Property(tries = 300)
    void requestsRoundTripAtAnyOffset(@ForAll @IntRange(min = 0, max = 0xffff) int type,
            @ForAll @IntRange(min = 0, max = 0xffff) int gpio,
            @ForAll @LongRange(min = 0, max = 0xffff_ffffL) long value,
            @ForAll @IntRange(min = 0, max = 8) int offset) {
        MemorySegment seg = MemorySegment.ofArray(new byte[16]);
        GpioRequest.write(seg, offset, type, gpio, value);
        assertThat(seg.asSlice(offset, 8).toArray(Wire.U8)).containsExactly(GpioRequest.toBytes(type, gpio, value));
        long word = GpioRequest.read(seg, offset);
        assertThat(word).isEqualTo(GpioRequest.pack(type, gpio, value));
        assertThat(GpioRequest.type(word)).isEqualTo(type);
        assertThat(GpioRequest.gpio(word)).isEqualTo(gpio);
        assertThat(GpioRequest.value(word)).isEqualTo(value);
    }

    @Property(tries = 300)
    void responsesRoundTripAtAnyOffset(@ForAll @IntRange(min = 0, max = 0xff) int status,
            @ForAll @IntRange(min = 0, max = 0xff) int value, @ForAll @IntRange(min = 0, max = 6) int offset) {
        MemorySegment seg = MemorySegment.ofArray(new byte[8]);
        GpioResponse.write(seg, offset, GpioResponse.pack(status, value));
        assertThat(Byte.toUnsignedInt(seg.get(Wire.U8, offset + GpioResponse.STATUS))).isEqualTo(status);
        assertThat(Byte.toUnsignedInt(seg.get(Wire.U8, offset + GpioResponse.VALUE))).isEqualTo(value);
        int word = GpioResponse.read(seg, offset);
        assertThat(GpioResponse.status(word)).isEqualTo(status);
        assertThat(GpioResponse.value(word)).isEqualTo(value);
    }

    @Test
    void okAndErrResponses() {
        assertThat(GpioResponse.ok(1)).isEqualTo(GpioResponse.pack(Status.OK.code(), 1));
        assertThat(GpioResponse.status(GpioResponse.ERR)).isEqualTo(Status.ERR.code());
        assertThat(GpioResponse.value(GpioResponse.ERR)).isZero();
    }

    @Test
    void irqRequestAndResponse() {
        MemorySegment seg = MemorySegment.ofArray(new byte[4]);
        IrqRequest.write(seg, 1, 0xabcd);
        assertThat(seg.toArray(Wire.U8)).containsExactly(bytes(0, 0xcd, 0xab, 0));
        assertThat(IrqRequest.gpio(seg, 1)).isEqualTo(0xabcd);
        IrqResponse.write(seg, 3, IrqStatus.VALID.code());
        assertThat(IrqResponse.status(seg, 3)).isEqualTo(1);
    }

    @Test
    void configLayout() {
        assertThat(new GpioConfig(8, 24).toBytes()).containsExactly(bytes(0x08, 0, 0, 0, 0x18, 0, 0, 0));
        GpioConfig max = new GpioConfig(0xffff, 0xffff_ffffL);
        assertThat(max.toBytes()).containsExactly(bytes(0xff, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff));
        assertThat(GpioConfig.fromBytes(max.toBytes())).isEqualTo(max);
        assertThat(GpioConfig.fromBytes(bytes(0x34, 0x12, 0, 0, 0x78, 0x56, 0x34, 0x12)))
                .isEqualTo(new GpioConfig(0x1234, 0x12345678L));
    }

    @Test
    void configPaddingIsWrittenAsZeroIgnoredOnDecodeAndReportable() {
        MemorySegment seg = MemorySegment.ofArray(bytes(0xee, 0xee, 3, 0, 9, 0, 0, 0, 0, 0xee));
        new GpioConfig(8, 24).encode(seg, 1);
        assertThat(seg.toArray(Wire.U8)).containsExactly(bytes(0xee, 8, 0, 0, 0, 24, 0, 0, 0, 0xee));
        MemorySegment dirty = MemorySegment.ofArray(bytes(2, 0, 0x01, 0x80, 5, 0, 0, 0));
        assertThat(GpioConfig.decode(dirty, 0)).isEqualTo(new GpioConfig(2, 5));
        assertThat(GpioConfig.paddingOf(dirty, 0)).isEqualTo(0x8001);
        assertThat(GpioConfig.paddingOf(MemorySegment.ofArray(new GpioConfig(2, 5).toBytes()), 0)).isZero();
    }

    @Test
    void fieldWidthsAndLengthsAreChecked() {
        assertThatThrownBy(() -> GpioConfig.fromBytes(new byte[7]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the virtio-gpio configuration space is 8 bytes, got 7");
        assertThatThrownBy(() -> new GpioConfig(0x10000, 0)).hasMessageContaining("ngpio");
        assertThatThrownBy(() -> new GpioConfig(1, 0x1_0000_0000L)).hasMessageContaining("gpio_names_size");
        assertThatThrownBy(() -> GpioRequest.toBytes(-1, 0, 0)).hasMessageContaining("type");
        assertThatThrownBy(() -> GpioRequest.toBytes(0, 0x10000, 0)).hasMessageContaining("gpio");
        assertThatThrownBy(() -> GpioRequest.toBytes(0, 0, -1)).hasMessageContaining("value");
    }
}
