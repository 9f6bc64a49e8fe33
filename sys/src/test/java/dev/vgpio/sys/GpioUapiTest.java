package dev.vgpio.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The uAPI v2 layouts and request numbers agree with the kernel's (x86_64, gcc's sizes and offsets). */
class GpioUapiTest {
    @Test
    void structuresHaveTheKernelsSizes() {
        assertThat(GpioUapi.CHIP_INFO.byteSize()).isEqualTo(68);
        assertThat(GpioUapi.ATTRIBUTE.byteSize()).isEqualTo(16);
        assertThat(GpioUapi.CONFIG_ATTRIBUTE.byteSize()).isEqualTo(24);
        assertThat(GpioUapi.LINE_CONFIG.byteSize()).isEqualTo(272);
        assertThat(GpioUapi.LINE_REQUEST.byteSize()).isEqualTo(592);
        assertThat(GpioUapi.LINE_INFO.byteSize()).isEqualTo(256);
        assertThat(GpioUapi.LINE_INFO_CHANGED.byteSize()).isEqualTo(288);
        assertThat(GpioUapi.LINE_VALUES.byteSize()).isEqualTo(16);
        assertThat(GpioUapi.LINE_EVENT.byteSize()).isEqualTo(48);
    }

    @Test
    void fieldsAreWhereTheKernelPutsThem() {
        assertThat(GpioUapi.REQ_CONSUMER).isEqualTo(256);
        assertThat(GpioUapi.REQ_CONFIG).isEqualTo(288);
        assertThat(GpioUapi.REQ_NUM_LINES).isEqualTo(560);
        assertThat(GpioUapi.REQ_EVENT_BUFFER_SIZE).isEqualTo(564);
        assertThat(GpioUapi.REQ_FD).isEqualTo(588);
        assertThat(GpioUapi.INFO_OFFSET).isEqualTo(64);
        assertThat(GpioUapi.INFO_FLAGS).isEqualTo(72);
        assertThat(GpioUapi.INFO_ATTRS).isEqualTo(80);
        assertThat(GpioUapi.CONFIG_ATTRS).isEqualTo(32);
        assertThat(GpioUapi.ATTR_VALUE).isEqualTo(8);
        assertThat(GpioUapi.EVENT_ID).isEqualTo(8);
        assertThat(GpioUapi.EVENT_OFFSET).isEqualTo(12);
        assertThat(GpioUapi.EVENT_SEQNO).isEqualTo(16);
        assertThat(GpioUapi.EVENT_LINE_SEQNO).isEqualTo(20);
        assertThat(GpioUapi.LINE_INFO_CHANGED.byteOffset(groupElement("timestamp_ns"))).isEqualTo(256);
    }

    @Test
    void requestNumbersAreTheKernels() {
        assertThat(GpioUapi.GET_CHIPINFO).isEqualTo(0x8044B401L);
        assertThat(GpioUapi.GET_LINEINFO).isEqualTo(0xC100B405L);
        assertThat(GpioUapi.GET_LINEINFO_WATCH).isEqualTo(0xC100B406L);
        assertThat(GpioUapi.GET_LINE).isEqualTo(0xC250B407L);
        assertThat(GpioUapi.GET_LINEINFO_UNWATCH).isEqualTo(0xC004B40CL);
        assertThat(GpioUapi.LINE_SET_CONFIG).isEqualTo(0xC110B40DL);
        assertThat(GpioUapi.LINE_GET_VALUES).isEqualTo(0xC010B40EL);
        assertThat(GpioUapi.LINE_SET_VALUES).isEqualTo(0xC010B40FL);
    }

    @Test
    void aRequestForAnOutputCarriesItsLevelAndLabel() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(GpioUapi.LINE_REQUEST);
            GpioChipFd.encodeRequest(r, 5, GpioUapi.FLAG_OUTPUT | GpioUapi.FLAG_OPEN_DRAIN, 1, 0,
                    "vgpio:gpio0-a-label-longer-than-31-bytes");
            assertThat(r.get(ValueLayout.JAVA_INT, 0)).as("offsets[0]").isEqualTo(5);
            assertThat(r.get(ValueLayout.JAVA_INT, 560)).as("num_lines").isOne();
            assertThat(GpioChipFd.string(r, 256)).isEqualTo("vgpio:gpio0-a-label-longer-than").hasSize(31);
            assertThat(r.get(ValueLayout.JAVA_LONG, 288)).as("config.flags").isEqualTo(0x48L);
            assertThat(r.get(ValueLayout.JAVA_INT, 288 + 8)).as("config.num_attrs").isOne();
            long attr = 288 + 32;
            assertThat(r.get(ValueLayout.JAVA_INT, attr)).as("attr id").isEqualTo(GpioUapi.ATTR_ID_OUTPUT_VALUES);
            assertThat(r.get(ValueLayout.JAVA_LONG, attr + 8)).as("values").isOne();
            assertThat(r.get(ValueLayout.JAVA_LONG, attr + 16)).as("mask: line 0 of the request").isOne();
        }
    }

    @Test
    void anInputWithDebounceAndEdgesGetsOnlyADebounceAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(GpioUapi.LINE_CONFIG);
            c.fill((byte) 0x5a);
            long flags = GpioUapi.FLAG_INPUT | GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING
                    | GpioUapi.FLAG_BIAS_PULL_UP;
            GpioChipFd.encodeConfig(c, flags, 1, 2500);
            assertThat(c.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x134L);
            assertThat(c.get(ValueLayout.JAVA_INT, 8)).isOne();
            assertThat(c.get(ValueLayout.JAVA_INT, 32)).isEqualTo(GpioUapi.ATTR_ID_DEBOUNCE);
            assertThat(c.get(ValueLayout.JAVA_INT, 40)).isEqualTo(2500);
            assertThat(c.get(ValueLayout.JAVA_INT, 44)).as("the rest of the union is zero").isZero();
            assertThat(c.asSlice(56).toArray(ValueLayout.JAVA_BYTE)).as("unused attributes zeroed").containsOnly(0);
        }
    }

    @Test
    void lineInfoIsDecodedWithItsDebounceAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(GpioUapi.LINE_INFO);
            GpioChipFd.putString(s, 0, "LED");
            GpioChipFd.putString(s, 32, "vgpio:gpio0");
            s.set(ValueLayout.JAVA_INT, 64, 3);
            s.set(ValueLayout.JAVA_INT, 68, 1);
            s.set(ValueLayout.JAVA_LONG, 72, GpioUapi.FLAG_USED | GpioUapi.FLAG_INPUT);
            s.set(ValueLayout.JAVA_INT, 80, GpioUapi.ATTR_ID_DEBOUNCE);
            s.set(ValueLayout.JAVA_INT, 88, 1000);
            assertThat(GpioChipFd.decodeLineInfo(s)).isEqualTo(
                    new GpioChipFd.LineInfo(3, "LED", "vgpio:gpio0", 5, 1000));
            s.set(ValueLayout.JAVA_INT, 68, 99); // a kernel's count beyond the array is capped, not followed
            assertThat(GpioChipFd.decodeLineInfo(s).debounceMicros()).isEqualTo(1000);
        }
    }

    @Test
    void eventsAreReadFromTheirRecords() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(GpioUapi.LINE_EVENT.byteSize() * 2);
            b.set(ValueLayout.JAVA_LONG, 48, 123_456_789L);
            b.set(ValueLayout.JAVA_INT, 48 + 8, GpioUapi.EVENT_FALLING_EDGE);
            b.set(ValueLayout.JAVA_INT, 48 + 12, 7);
            b.set(ValueLayout.JAVA_INT, 48 + 20, 42);
            assertThat(GpioLineFd.eventTimestamp(b, 1)).isEqualTo(123_456_789L);
            assertThat(GpioLineFd.eventId(b, 1)).isEqualTo(GpioUapi.EVENT_FALLING_EDGE);
            assertThat(GpioLineFd.eventOffset(b, 1)).isEqualTo(7);
            assertThat(GpioLineFd.eventLineSeqno(b, 1)).isEqualTo(42);
        }
    }

    @Test
    void aChipThatIsNotThereIsAClearError() {
        assertThatThrownBy(() -> GpioChipFd.open(Path.of("/dev/gpiochip-none")))
                .isInstanceOf(LinuxException.class).hasMessageContaining("open(/dev/gpiochip-none)")
                .hasMessageContaining("ENOENT");
    }
}
