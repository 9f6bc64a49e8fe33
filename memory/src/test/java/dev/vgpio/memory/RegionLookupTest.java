package dev.vgpio.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link GuestMemory#regionOf}, which the virtqueue uses to translate a guest range once. */
class RegionLookupTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment low = arena.allocate(0x1000, 8);
    private final MemorySegment high = arena.allocate(0x2000, 8);
    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0x10_0000, high), GuestRegion.of(0x0, low));

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void regionOfNamesTheRegionHoldingTheWholeRange() throws Exception {
        GuestRegion r = memory.regionOf(0x10_0100, 8);
        assertThat(r).isNotNull();
        assertThat(r.segment()).isSameAs(high);
        memory.writeU64(0x10_0100, 0x1122_3344_5566_7788L);
        long offset = 0x10_0100 - r.guestPhysAddr();
        assertThat(r.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, offset)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(memory.regionOf(0x10, 4).segment()).isSameAs(low);
        assertThat(memory.regionOf(0x10, 4)).isSameAs(memory.regionOf(0xff0, 16));
    }

    @Test
    void regionOfIsNullWhereAnAccessWouldFail() {
        assertThat(memory.regionOf(0x5000, 1)).isNull();
        assertThat(memory.regionOf(0xffe, 4)).as("crosses the end of a region").isNull();
        assertThat(memory.regionOf(0x10, 0)).isNull();
        assertThat(memory.regionOf(0x10, -1)).isNull();
        assertThat(memory.regionOf(-2L, 4)).isNull();
        assertThat(memory.regionOf(0x10, Long.MAX_VALUE)).isNull();
    }

    @Test
    void lookupsAlternatingBetweenRegionsFindEachOne() {
        for (int i = 0; i < 10; i++) {
            assertThat(memory.regionOf(0x10_0000 + i, 1).segment()).isSameAs(high);
            assertThat(memory.regionOf(i, 1).segment()).isSameAs(low);
            assertThat(memory.regionOf(0x8000 + i, 1)).isNull();
        }
    }

    @Test
    void memoryWithoutRegionsMapsNothing() {
        assertThat(GuestMemory.of().regionOf(0, 1)).isNull();
        assertThat(GuestMemory.of().isMapped(0, 1)).isFalse();
    }
}
