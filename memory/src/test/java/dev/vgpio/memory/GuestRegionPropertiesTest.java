package dev.vgpio.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class GuestRegionPropertiesTest {
    private static final long SIZE = 0x2000;
    private static final MemorySegment BACKING = MemorySegment.ofArray(new byte[(int) SIZE]);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /** contains agrees with exact (unbounded) arithmetic, also for addresses below the region and near 2^64. */
    @Property(tries = 1000)
    void containsIsExact(@ForAll @LongRange(min = 0, max = 0x3000) long delta, @ForAll boolean below,
            @ForAll @LongRange(min = 1, max = 0x3000) long length, @ForAll boolean top) {
        long start = top ? -SIZE : 0x10_0000L; // a region ending exactly at 2^64, or an ordinary one
        GuestRegion r = new GuestRegion(start, SIZE, BACKING);
        long gpa = below ? start - delta : start + delta;
        BigInteger s = BigInteger.valueOf(start).mod(TWO_64);
        BigInteger g = BigInteger.valueOf(gpa).mod(TWO_64);
        boolean expected = g.compareTo(s) >= 0
                && g.add(BigInteger.valueOf(length)).compareTo(s.add(BigInteger.valueOf(SIZE))) <= 0;
        assertThat(r.contains(gpa, length)).isEqualTo(expected);
    }
}
