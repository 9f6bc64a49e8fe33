package dev.vgpio.virtqueue;

import dev.vgpio.memory.GuestMemory;

/**
 * Where a split virtqueue lives in guest memory: its size and the guest physical addresses of the descriptor
 * table, the available ring and the used ring.
 */
public record QueueConfig(int size, long descTable, long availRing, long usedRing) {

    /** A queue of {@code size} entries laid out contiguously from {@code base}, as a driver would allocate it. */
    public static QueueConfig contiguous(long base, int size) {
        long avail = base + SplitRing.descTableSize(size);
        long used = align(avail + SplitRing.availRingSize(size), 4096);
        return new QueueConfig(size, base, avail, used);
    }

    /** Bytes from {@code descTable} to the end of the used ring for {@link #contiguous} layouts. */
    public static long contiguousBytes(int size) {
        QueueConfig c = contiguous(0, size);
        return c.usedRing + SplitRing.usedRingSize(size);
    }

    /**
     * Checks the size and alignments, and that each ring lies inside one memory region.
     *
     * @throws BrokenQueueException with a message naming what is wrong
     */
    public void validate(GuestMemory memory) throws BrokenQueueException {
        if (size < 1 || size > SplitRing.MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new BrokenQueueException("queue size " + size + " is not a power of two between 1 and "
                    + SplitRing.MAX_SIZE);
        }
        check(memory, "descriptor table", descTable, SplitRing.descTableSize(size), SplitRing.DESC_ALIGN);
        check(memory, "available ring", availRing, SplitRing.availRingSize(size), SplitRing.AVAIL_ALIGN);
        check(memory, "used ring", usedRing, SplitRing.usedRingSize(size), SplitRing.USED_ALIGN);
    }

    private static void check(GuestMemory memory, String what, long gpa, long bytes, int align)
            throws BrokenQueueException {
        if ((gpa & (align - 1)) != 0) {
            throw new BrokenQueueException(String.format("%s at 0x%x is not aligned to %d bytes", what, gpa, align));
        }
        if (!memory.isMapped(gpa, bytes)) {
            throw new BrokenQueueException(String.format(
                    "%s at 0x%x (%d bytes) is not inside one guest memory region", what, gpa, bytes));
        }
    }

    private static long align(long value, long to) {
        return (value + to - 1) & -to;
    }

    @Override
    public String toString() {
        return String.format("QueueConfig[size=%d, desc=0x%x, avail=0x%x, used=0x%x]", size, descTable, availRing,
                usedRing);
    }
}
