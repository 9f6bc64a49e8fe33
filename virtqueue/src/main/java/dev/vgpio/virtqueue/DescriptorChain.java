package dev.vgpio.virtqueue;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.memory.GuestRegion;
import java.lang.foreign.MemorySegment;

/**
 * A reusable view of one validated descriptor chain: its head index and its buffers in order, the device-readable
 * ones first, then the device-writable ones. {@link DeviceQueue#pop} fills it; nothing is allocated per chain.
 * Buffers from an indirect table appear in the same list as direct ones.
 *
 * <p>The walk that fills the chain checks that each buffer lies inside one region of the queue's guest memory and
 * records where: the region's {@link #segment(int) segment} and the buffer's {@link #segmentOffset(int) offset}
 * in it. Copies in and out of the buffers use that record instead of translating each address again.
 */
public final class DescriptorChain {
    private final int[] lengths;
    /** Per buffer, the region holding it (GuestRegion is final: storing it needs no array store type check). */
    private final GuestRegion[] regions;
    private final long[] offsets;
    private GuestMemory memory;
    private int head = -1;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    /** A chain view able to hold up to {@code capacity} buffers (the queue size is always enough). */
    public DescriptorChain(int capacity) {
        lengths = new int[capacity];
        regions = new GuestRegion[capacity];
        offsets = new long[capacity];
    }

    /**
     * Starts a chain at {@code head} whose buffers are translated in {@code memory}.
     *
     * <p>References are stored only when they change ({@link #set} too): a reference store into a long-lived object
     * costs a garbage-collector write barrier, with G1 a full fence, and in steady state the queue's memory and the
     * buffers' regions stay the same from one chain to the next.
     */
    void reset(int head, GuestMemory memory) {
        this.head = head;
        if (this.memory != memory) {
            this.memory = memory;
        }
        count = 0;
        readableCount = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    /**
     * Records buffer {@code i} ({@code i < capacity()}), which {@code region} holds entirely (the caller checked);
     * the walk keeps its counts in locals and ends with {@link #finish}.
     */
    void set(int i, long address, int length, GuestRegion region) {
        lengths[i] = length;
        if (regions[i] != region) {
            regions[i] = region;
        }
        offsets[i] = address - region.guestPhysAddr();
    }

    /** Completes a walk that {@link #set} {@code count} buffers, the first {@code readableCount} device-readable. */
    void finish(int count, int readableCount, long readableBytes, long writableBytes) {
        this.count = count;
        this.readableCount = readableCount;
        this.readableBytes = readableBytes;
        this.writableBytes = writableBytes;
    }

    public int capacity() {
        return lengths.length;
    }

    /** The head descriptor index, which identifies the chain on the used ring. */
    public int head() {
        return head;
    }

    /** The number of buffers. */
    public int size() {
        return count;
    }

    /** The guest physical address of buffer {@code i}. */
    public long address(int i) {
        return regions[i].guestPhysAddr() + offsets[i];
    }

    /** Buffer length in bytes (an unsigned 32-bit value held in an int). */
    public int length(int i) {
        return lengths[i];
    }

    /**
     * The backing segment of the guest memory region that holds all of buffer {@code i}: the buffer is
     * {@code [segmentOffset(i), segmentOffset(i) + length(i))} of it. Valid while that memory stays mapped.
     */
    public MemorySegment segment(int i) {
        return regions[i].segment();
    }

    /** Where buffer {@code i} starts in {@link #segment(int)}. */
    public long segmentOffset(int i) {
        return offsets[i];
    }

    /** The guest memory the buffers were translated in (the popping queue's), or null before the first pop. */
    public GuestMemory memory() {
        return memory;
    }

    public boolean isWritable(int i) {
        return i >= readableCount;
    }

    public int readableCount() {
        return readableCount;
    }

    public int writableCount() {
        return count - readableCount;
    }

    /** Total bytes the device may read. */
    public long readableBytes() {
        return readableBytes;
    }

    /** Total bytes the device may write. */
    public long writableBytes() {
        return writableBytes;
    }

    /**
     * Gathers up to {@code max} bytes from the readable buffers, in order, into {@code dst} at {@code offset}.
     * With the chain's own {@link #memory()} the recorded segments are used; any other memory translates again.
     *
     * @return the number of bytes copied
     */
    public int readFrom(GuestMemory memory, MemorySegment dst, long offset, int max) throws GuestMemoryException {
        int done = 0;
        for (int i = 0; i < readableCount && done < max; i++) {
            int n = (int) Math.min(Integer.toUnsignedLong(lengths[i]), max - done);
            if (memory == this.memory) {
                MemorySegment.copy(regions[i].segment(), offsets[i], dst, offset + done, n);
            } else {
                memory.read(address(i), dst, offset + done, n);
            }
            done += n;
        }
        return done;
    }

    /**
     * Scatters {@code length} bytes from {@code src} at {@code offset} over the writable buffers, in order; stops
     * early when the writable buffers are full.
     *
     * @return the number of bytes written, which is what the used ring element should report
     */
    public int writeTo(GuestMemory memory, MemorySegment src, long offset, int length) throws GuestMemoryException {
        int done = 0;
        for (int i = readableCount; i < count && done < length; i++) {
            int n = (int) Math.min(Integer.toUnsignedLong(lengths[i]), length - done);
            if (memory == this.memory) {
                MemorySegment.copy(src, offset + done, regions[i].segment(), offsets[i], n);
            } else {
                memory.write(address(i), src, offset + done, n);
            }
            done += n;
        }
        return done;
    }
}
