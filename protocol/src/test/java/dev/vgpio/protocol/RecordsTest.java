package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class RecordsTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
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
    void requestLayout() {
        GpioRequest r = GpioRequest.of(MessageType.SET_VALUE, 0x0102, 0x8000_0001L);
        assertThat(r.toBytes()).containsExactly(bytes(5, 0, 2, 1, 1, 0, 0, 0x80));
        assertThat(GpioRequest.fromBytes(r.toBytes())).isEqualTo(r);
        assertThat(r.messageType()).isEqualTo(MessageType.SET_VALUE);
        GpioRequest unknown = GpioRequest.fromBytes(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
        assertThat(unknown).isEqualTo(new GpioRequest(0xffff, 0xffff, 0xffff_ffffL));
        assertThat(unknown.messageType()).isNull();
    }

    @Test
    void responseLayout() {
        assertThat(new GpioResponse(1, 0xfe).toBytes()).containsExactly(bytes(1, 0xfe));
        assertThat(GpioResponse.fromBytes(bytes(0xff, 0x80))).isEqualTo(new GpioResponse(0xff, 0x80));
        assertThat(GpioResponse.ok(1)).isEqualTo(new GpioResponse(0, 1));
        assertThat(GpioResponse.ok(1).isOk()).isTrue();
        assertThat(GpioResponse.err()).isEqualTo(new GpioResponse(1, 0));
        assertThat(GpioResponse.err().isOk()).isFalse();
    }

    @Test
    void irqLayouts() {
        assertThat(new IrqRequest(0xabcd).toBytes()).containsExactly(bytes(0xcd, 0xab));
        assertThat(IrqRequest.fromBytes(bytes(0xcd, 0xab))).isEqualTo(new IrqRequest(0xabcd));
        assertThat(IrqResponse.of(IrqStatus.VALID).toBytes()).containsExactly(bytes(1));
        assertThat(IrqResponse.fromBytes(bytes(0xff))).isEqualTo(new IrqResponse(0xff));
    }

    @Test
    void encodeAndDecodeAtAnOffset() {
        MemorySegment seg = MemorySegment.ofArray(new byte[32]);
        GpioRequest req = new GpioRequest(3, 7, 2);
        req.encode(seg, 13);
        assertThat(GpioRequest.decode(seg, 13)).isEqualTo(req);
        new GpioResponse(0, 1).encode(seg, 30);
        assertThat(GpioResponse.decode(seg, 30)).isEqualTo(new GpioResponse(0, 1));
        new IrqRequest(9).encode(seg, 1);
        assertThat(IrqRequest.decode(seg, 1)).isEqualTo(new IrqRequest(9));
        new IrqResponse(1).encode(seg, 0);
        assertThat(IrqResponse.decode(seg, 0)).isEqualTo(new IrqResponse(1));
    }

    @Test
    void fromBytesChecksTheLength() {
        assertThatThrownBy(() -> GpioConfig.fromBytes(new byte[7]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GpioConfig is 8 bytes on the wire, got 7 bytes");
        assertThatThrownBy(() -> GpioRequest.fromBytes(new byte[9]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GpioRequest is 8 bytes on the wire, got 9 bytes");
        assertThatThrownBy(() -> GpioResponse.fromBytes(new byte[0]))
                .hasMessage("GpioResponse is 2 bytes on the wire, got 0 bytes");
        assertThatThrownBy(() -> IrqRequest.fromBytes(new byte[1]))
                .hasMessage("IrqRequest is 2 bytes on the wire, got 1 bytes");
        assertThatThrownBy(() -> IrqResponse.fromBytes(new byte[2]))
                .hasMessage("IrqResponse is 1 bytes on the wire, got 2 bytes");
    }

    @Test
    void constructorsCheckFieldWidths() {
        assertThatThrownBy(() -> new GpioConfig(0x10000, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GpioConfig.ngpio");
        assertThatThrownBy(() -> new GpioConfig(1, 0x1_0000_0000L)).hasMessageContaining("gpioNamesSize");
        assertThatThrownBy(() -> new GpioRequest(-1, 0, 0)).hasMessageContaining("GpioRequest.type");
        assertThatThrownBy(() -> new GpioRequest(0, 0x10000, 0)).hasMessageContaining("GpioRequest.gpio");
        assertThatThrownBy(() -> new GpioRequest(0, 0, -1)).hasMessageContaining("GpioRequest.value");
        assertThatThrownBy(() -> new GpioResponse(0x100, 0)).hasMessageContaining("GpioResponse.status");
        assertThatThrownBy(() -> new GpioResponse(0, -1)).hasMessageContaining("GpioResponse.value");
        assertThatThrownBy(() -> new IrqRequest(0x10000)).hasMessageContaining("IrqRequest.gpio");
        assertThatThrownBy(() -> new IrqResponse(256)).hasMessageContaining("IrqResponse.status");
    }

    @Test
    void sizesMatchTheConstants() {
        assertThat(new GpioConfig(0, 0).toBytes()).hasSize(VirtioGpio.CONFIG_SIZE);
        assertThat(new GpioRequest(0, 0, 0).toBytes()).hasSize(VirtioGpio.REQUEST_SIZE);
        assertThat(new GpioResponse(0, 0).toBytes()).hasSize(VirtioGpio.RESPONSE_SIZE);
        assertThat(new IrqRequest(0).toBytes()).hasSize(VirtioGpio.IRQ_REQUEST_SIZE);
        assertThat(new IrqResponse(0).toBytes()).hasSize(VirtioGpio.IRQ_RESPONSE_SIZE);
    }
}
