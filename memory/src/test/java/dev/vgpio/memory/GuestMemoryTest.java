package dev.vgpio.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment low = arena.allocate(0x1000, 8);
    private final MemorySegment high = arena.allocate(0x2000, 8);
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0x10_0000, high), GuestRegion.of(0x0, low));

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void readsAndWritesLittleEndianValuesInEachRegion() throws Exception {
        memory.writeU16(0x10, 0xbeef);
        memory.writeU32(0x10_0100, 0xdead_beefL);
        memory.writeU64(0x10_0200, 0x0102_0304_0506_0708L);
        memory.writeU8(0xfff, 0xab);

        assertThat(memory.readU16(0x10)).isEqualTo(0xbeef);
        assertThat(low.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0x10)).isEqualTo((byte) 0xef);
        assertThat(memory.readU32(0x10_0100)).isEqualTo(0xdead_beefL);
        assertThat(memory.readU64(0x10_0200)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(high.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0x200)).isEqualTo((byte) 0x08);
        assertThat(memory.readU8(0xfff)).isEqualTo(0xab);
    }

    @Test
    void regionsAreSortedByAddress() {
        assertThat(memory.regions()).extracting(GuestRegion::guestPhysAddr).containsExactly(0x0L, 0x10_0000L);
    }

    @Test
    void addressOutsideEveryRegionIsAnError() {
        assertThatThrownBy(() -> memory.readU16(0x5000))
                .isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("0x5000")
                .hasMessageContaining("outside every memory region");
        assertThat(memory.isMapped(0x5000, 1)).isFalse();
    }

    @Test
    void rangeCrossingARegionEndIsAnError() {
        assertThatThrownBy(() -> memory.readU32(0xffe))
                .isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("crosses the end");
        assertThatThrownBy(() -> memory.read(0x10_1ff0, new byte[32], 0, 32))
                .isInstanceOf(GuestMemoryException.class);
        assertThat(memory.isMapped(0x10_1ff0, 16)).isTrue();
        assertThat(memory.isMapped(0x10_1ff0, 17)).isFalse();
    }

    @Test
    void hugeLengthsAndAddressesNearTheTopDoNotWrapAround() {
        assertThat(memory.isMapped(0x10, Long.MAX_VALUE)).isFalse();
        assertThat(memory.isMapped(-2L, 4)).isFalse();
        assertThat(memory.isMapped(0x10, 0)).isFalse();
        assertThatThrownBy(() -> memory.readU64(-4L)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void bulkCopiesGoBothWays() throws Exception {
        byte[] data = {1, 2, 3, 4, 5};
        memory.write(0x10_0010, data, 0, data.length);
        byte[] back = new byte[5];
        memory.read(0x10_0010, back, 0, 5);
        assertThat(back).containsExactly(data);

        MemorySegment scratch = arena.allocate(8);
        memory.read(0x10_0011, scratch, 2, 3);
        assertThat(scratch.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 2);
        memory.fill(0x10_0010, 5, (byte) 0x7f);
        assertThat(memory.readU8(0x10_0014)).isEqualTo(0x7f);
        assertThat(memory.slice(0x10_0010, 5).byteSize()).isEqualTo(5);
        assertThat(memory.regionOf(0x10_0010, 5).guestPhysAddr()).isEqualTo(0x10_0000);
    }

    @Test
    void atomicIndexAccessNeedsAlignment() throws Exception {
        memory.writeU16Release(0x20, 7);
        assertThat(memory.readU16Acquire(0x20)).isEqualTo(7);
        assertThatThrownBy(() -> memory.readU16Acquire(0x21))
                .isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("not aligned");
    }

    @Test
    void overlappingRegionsAreRefused() {
        assertThatThrownBy(() -> GuestMemory.of(GuestRegion.of(0, low), GuestRegion.of(0xfff, high)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlap");
    }

    @Test
    void regionSizeMustFitItsSegment() {
        assertThatThrownBy(() -> new GuestRegion(0, 0x2000, low))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smaller than the region size");
        assertThatThrownBy(() -> new GuestRegion(-0x800, 0x1000, low))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wraps");
    }
}
