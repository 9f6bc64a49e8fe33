package dev.vgpio.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous piece of guest physical memory, {@code [guestPhysAddr, guestPhysAddr + size)}, backed by a
 * segment of the same size (an {@code mmap} of a front end's memory fd, or an arena allocation in tests).
 */
public record GuestRegion(long guestPhysAddr, long size, MemorySegment segment) {
    public GuestRegion {
        Objects.requireNonNull(segment, "segment");
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive, got " + size);
        }
        if (segment.byteSize() < size) {
            throw new IllegalArgumentException("backing segment of " + segment.byteSize()
                    + " bytes is smaller than the region size " + size);
        }
        if (Long.compareUnsigned(guestPhysAddr + size - 1, guestPhysAddr) < 0) {
            throw new IllegalArgumentException(String.format(
                    "region at 0x%x of size 0x%x wraps around the 64-bit address space", guestPhysAddr, size));
        }
    }

    /** A region whose backing segment is exactly as large as the segment. */
    public static GuestRegion of(long guestPhysAddr, MemorySegment segment) {
        return new GuestRegion(guestPhysAddr, segment.byteSize(), segment);
    }

    /** The last guest physical address inside the region (inclusive, so regions at the top of memory work). */
    public long lastAddress() {
        return guestPhysAddr + size - 1;
    }

    /** Whether {@code [gpa, gpa + length)} lies entirely inside this region; {@code length} must be positive. */
    public boolean contains(long gpa, long length) {
        // an address below the region wraps to an offset of at least 2^64 - guestPhysAddr >= size (the region
        // does not wrap), so the unsigned offset test alone also rejects it
        long off = gpa - guestPhysAddr;
        return Long.compareUnsigned(off, size) < 0 && Long.compareUnsigned(length, size - off) <= 0;
    }

    @Override
    public String toString() {
        return String.format("GuestRegion[0x%x..0x%x, %d bytes]", guestPhysAddr, lastAddress(), size);
    }
}
