package dev.vgpio.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest physical memory: a fixed set of non-overlapping regions. Every access is translated and bounds-checked;
 * an address outside every region, or a range that crosses a region's end, raises {@link GuestMemoryException}.
 * Accesses are little-endian (virtio's byte order) and allocate nothing on success.
 *
 * <p>The ring index accessors with acquire/release semantics are what the virtqueue uses to publish and observe
 * ring updates shared with another thread or process; they need naturally aligned addresses.
 */
public final class GuestMemory {
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U16_ATOMIC = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final GuestRegion[] regions;
    private final long[] starts;
    /** The region the last successful lookup found: tried first, and the only one when there is one region. */
    private GuestRegion lastHit;

    private GuestMemory(GuestRegion[] sorted) {
        this.regions = sorted;
        this.starts = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            starts[i] = sorted[i].guestPhysAddr();
        }
        this.lastHit = sorted.length > 0 ? sorted[0] : null;
    }

    /** Guest memory made of these regions, which must not overlap. */
    public static GuestMemory of(List<GuestRegion> regions) {
        List<GuestRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparing(GuestRegion::guestPhysAddr, Long::compareUnsigned));
        for (int i = 1; i < sorted.size(); i++) {
            GuestRegion prev = sorted.get(i - 1);
            GuestRegion next = sorted.get(i);
            if (Long.compareUnsigned(prev.lastAddress(), next.guestPhysAddr()) >= 0) {
                throw new IllegalArgumentException("guest memory regions overlap: " + prev + " and " + next);
            }
        }
        return new GuestMemory(sorted.toArray(GuestRegion[]::new));
    }

    public static GuestMemory of(GuestRegion... regions) {
        return of(List.of(regions));
    }

    /** The regions, in ascending address order. */
    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** Whether {@code [gpa, gpa + length)} is mapped by a single region. */
    public boolean isMapped(long gpa, long length) {
        return find(gpa, length) != null;
    }

    /**
     * The region that holds all of {@code [gpa, gpa + length)}, or {@code null} if none does (or {@code length} is
     * not positive). Allocates nothing: a caller that checked a guest range once can keep the region's segment and
     * the offset {@code gpa - region.guestPhysAddr()} and access the range without translating it again.
     */
    public GuestRegion regionOf(long gpa, long length) {
        return find(gpa, length);
    }

    /** A slice of the backing memory for {@code [gpa, gpa + length)}; allocates a segment view, so not for hot paths. */
    public MemorySegment slice(long gpa, long length) throws GuestMemoryException {
        GuestRegion r = require(gpa, length);
        return r.segment().asSlice(gpa - r.guestPhysAddr(), length);
    }

    public int readU8(long gpa) throws GuestMemoryException {
        GuestRegion r = require(gpa, 1);
        return r.segment().get(U8, gpa - r.guestPhysAddr()) & 0xff;
    }

    public int readU16(long gpa) throws GuestMemoryException {
        GuestRegion r = require(gpa, 2);
        return r.segment().get(U16, gpa - r.guestPhysAddr()) & 0xffff;
    }

    public long readU32(long gpa) throws GuestMemoryException {
        GuestRegion r = require(gpa, 4);
        return r.segment().get(U32, gpa - r.guestPhysAddr()) & 0xffff_ffffL;
    }

    public long readU64(long gpa) throws GuestMemoryException {
        GuestRegion r = require(gpa, 8);
        return r.segment().get(U64, gpa - r.guestPhysAddr());
    }

    public void writeU8(long gpa, int value) throws GuestMemoryException {
        GuestRegion r = require(gpa, 1);
        r.segment().set(U8, gpa - r.guestPhysAddr(), (byte) value);
    }

    public void writeU16(long gpa, int value) throws GuestMemoryException {
        GuestRegion r = require(gpa, 2);
        r.segment().set(U16, gpa - r.guestPhysAddr(), (short) value);
    }

    public void writeU32(long gpa, long value) throws GuestMemoryException {
        GuestRegion r = require(gpa, 4);
        r.segment().set(U32, gpa - r.guestPhysAddr(), (int) value);
    }

    public void writeU64(long gpa, long value) throws GuestMemoryException {
        GuestRegion r = require(gpa, 8);
        r.segment().set(U64, gpa - r.guestPhysAddr(), value);
    }

    /** Reads a ring index with acquire semantics: later reads are not reordered before it. */
    public int readU16Acquire(long gpa) throws GuestMemoryException {
        GuestRegion r = requireAligned(gpa, 2);
        return ((short) U16_ATOMIC.getAcquire(r.segment(), gpa - r.guestPhysAddr())) & 0xffff;
    }

    /** Writes a ring index with release semantics: earlier writes are visible before it. */
    public void writeU16Release(long gpa, int value) throws GuestMemoryException {
        GuestRegion r = requireAligned(gpa, 2);
        U16_ATOMIC.setRelease(r.segment(), gpa - r.guestPhysAddr(), (short) value);
    }

    /** A full fence, for the store-then-load orderings of notification suppression. */
    public static void fullFence() {
        VarHandle.fullFence();
    }

    /** Copies {@code length} bytes from guest memory into {@code dst} at {@code dstOffset}. */
    public void read(long gpa, MemorySegment dst, long dstOffset, long length) throws GuestMemoryException {
        if (length == 0) {
            return;
        }
        GuestRegion r = require(gpa, length);
        MemorySegment.copy(r.segment(), gpa - r.guestPhysAddr(), dst, dstOffset, length);
    }

    /** Copies {@code length} bytes from {@code src} at {@code srcOffset} into guest memory. */
    public void write(long gpa, MemorySegment src, long srcOffset, long length) throws GuestMemoryException {
        if (length == 0) {
            return;
        }
        GuestRegion r = require(gpa, length);
        MemorySegment.copy(src, srcOffset, r.segment(), gpa - r.guestPhysAddr(), length);
    }

    public void read(long gpa, byte[] dst, int dstOffset, int length) throws GuestMemoryException {
        if (length == 0) {
            return;
        }
        GuestRegion r = require(gpa, length);
        MemorySegment.copy(r.segment(), U8, gpa - r.guestPhysAddr(), dst, dstOffset, length);
    }

    public void write(long gpa, byte[] src, int srcOffset, int length) throws GuestMemoryException {
        if (length == 0) {
            return;
        }
        GuestRegion r = require(gpa, length);
        MemorySegment.copy(src, srcOffset, r.segment(), U8, gpa - r.guestPhysAddr(), length);
    }

    /** Sets {@code length} bytes at {@code gpa} to {@code value}. */
    public void fill(long gpa, long length, byte value) throws GuestMemoryException {
        if (length == 0) {
            return;
        }
        GuestRegion r = require(gpa, length);
        r.segment().asSlice(gpa - r.guestPhysAddr(), length).fill(value);
    }

    private GuestRegion require(long gpa, long length) throws GuestMemoryException {
        GuestRegion r = find(gpa, length);
        if (r == null) {
            throw outside(gpa, length);
        }
        return r;
    }

    private GuestRegion requireAligned(long gpa, long length) throws GuestMemoryException {
        GuestRegion r = require(gpa, length);
        long address = r.segment().address() + (gpa - r.guestPhysAddr());
        if ((gpa & (length - 1)) != 0 || (r.segment().isNative() && (address & (length - 1)) != 0)) {
            throw new GuestMemoryException(String.format(
                    "guest address 0x%x is not aligned to %d bytes for an atomic access", gpa, length), gpa, length);
        }
        return r;
    }

    /**
     * The region holding the whole range, or null; tries the last region found before searching. Kept this small
     * so that the compiler inlines it into every access: the search is a separate method.
     */
    private GuestRegion find(long gpa, long length) {
        GuestRegion hint = lastHit;
        if (length > 0 && hint != null && hint.contains(gpa, length)) {
            return hint;
        }
        return search(gpa, length);
    }

    private GuestRegion search(long gpa, long length) {
        if (length <= 0) {
            return null;
        }
        int lo = 0;
        int hi = regions.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], gpa) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi >= 0 && regions[hi].contains(gpa, length)) {
            lastHit = regions[hi];
            return regions[hi];
        }
        return null;
    }

    private GuestMemoryException outside(long gpa, long length) {
        if (length <= 0) {
            return new GuestMemoryException(String.format(
                    "invalid access length %d at guest address 0x%x", length, gpa), gpa, length);
        }
        for (GuestRegion r : regions) {
            if (r.contains(gpa, 1)) {
                return new GuestMemoryException(String.format(
                        "guest range 0x%x+%d crosses the end of %s", gpa, length, r), gpa, length);
            }
        }
        return new GuestMemoryException(String.format(
                "guest address 0x%x (length %d) is outside every memory region", gpa, length), gpa, length);
    }
}
