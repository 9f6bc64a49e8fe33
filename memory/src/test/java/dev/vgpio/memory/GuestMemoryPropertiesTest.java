package dev.vgpio.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class GuestMemoryPropertiesTest {
    private static final long BASE_A = 0x4000;
    private static final long SIZE_A = 0x1000;
    private static final long BASE_B = 0x9000;
    private static final long SIZE_B = 0x800;

    /** An access succeeds exactly when one region holds the whole range, and then reads back what was written. */
    @Property(tries = 500)
    void accessSucceedsExactlyWhenOneRegionHoldsTheRange(
            @ForAll @LongRange(min = 0x3f00, max = 0x9900) long gpa, @ForAll @IntRange(min = 1, max = 8) int width)
            throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.of(
                    GuestRegion.of(BASE_A, arena.allocate(SIZE_A)), GuestRegion.of(BASE_B, arena.allocate(SIZE_B)));
            boolean inside = (gpa >= BASE_A && gpa + width <= BASE_A + SIZE_A)
                    || (gpa >= BASE_B && gpa + width <= BASE_B + SIZE_B);
            byte[] data = new byte[width];
            for (int i = 0; i < width; i++) {
                data[i] = (byte) (gpa + i);
            }
            assertThat(memory.isMapped(gpa, width)).isEqualTo(inside);
            if (inside) {
                memory.write(gpa, data, 0, width);
                byte[] back = new byte[width];
                memory.read(gpa, back, 0, width);
                assertThat(back).containsExactly(data);
            } else {
                assertThatThrownBy(() -> memory.write(gpa, data, 0, width)).isInstanceOf(GuestMemoryException.class);
            }
        }
    }

    @Property(tries = 200)
    void valuesRoundTripLittleEndian(@ForAll long value, @ForAll @IntRange(min = 0, max = 0xff0) int offset)
            throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(SIZE_A);
            GuestMemory memory = GuestMemory.of(GuestRegion.of(BASE_A, seg));
            long gpa = BASE_A + offset;
            memory.writeU64(gpa, value);
            assertThat(memory.readU64(gpa)).isEqualTo(value);
            assertThat(memory.readU32(gpa)).isEqualTo(value & 0xffff_ffffL);
            assertThat(memory.readU16(gpa)).isEqualTo((int) (value & 0xffff));
            assertThat(memory.readU8(gpa)).isEqualTo((int) (value & 0xff));
        }
    }
}
