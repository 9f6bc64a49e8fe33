package dev.vgpio.virtqueue;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import java.lang.foreign.MemorySegment;

/**
 * A reusable view of one validated descriptor chain: its head index and its buffers in order, the device-readable
 * ones first, then the device-writable ones. {@link DeviceQueue#pop} fills it; nothing is allocated per chain.
 * Buffers from an indirect table appear in the same list as direct ones.
 */
public final class DescriptorChain {
    private final long[] addresses;
    private final int[] lengths;
    private int head = -1;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    /** A chain view able to hold up to {@code capacity} buffers (the queue size is always enough). */
    public DescriptorChain(int capacity) {
        addresses = new long[capacity];
        lengths = new int[capacity];
    }

    void reset(int head) {
        this.head = head;
        count = 0;
        readableCount = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    boolean add(long address, int length, boolean writable) {
        if (count == addresses.length) {
            return false;
        }
        addresses[count] = address;
        lengths[count] = length;
        count++;
        if (writable) {
            writableBytes += Integer.toUnsignedLong(length);
        } else {
            readableCount++;
            readableBytes += Integer.toUnsignedLong(length);
        }
        return true;
    }

    public int capacity() {
        return addresses.length;
    }

    /** The head descriptor index, which identifies the chain on the used ring. */
    public int head() {
        return head;
    }

    /** The number of buffers. */
    public int size() {
        return count;
    }

    public long address(int i) {
        return addresses[i];
    }

    /** Buffer length in bytes (an unsigned 32-bit value held in an int). */
    public int length(int i) {
        return lengths[i];
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
     *
     * @return the number of bytes copied
     */
    public int readFrom(GuestMemory memory, MemorySegment dst, long offset, int max) throws GuestMemoryException {
        int done = 0;
        for (int i = 0; i < readableCount && done < max; i++) {
            int n = (int) Math.min(Integer.toUnsignedLong(lengths[i]), max - done);
            memory.read(addresses[i], dst, offset + done, n);
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
            memory.write(addresses[i], src, offset + done, n);
            done += n;
        }
        return done;
    }
}
