package dev.vgpio.virtqueue;

/** Layout constants of the split virtqueue (virtio 1.x, "Split Virtqueues"). */
public final class SplitRing {
    /** The largest queue size a split ring allows. */
    public static final int MAX_SIZE = 32768;
    /** Bytes per descriptor: {@code le64 addr; le32 len; le16 flags; le16 next}. */
    public static final int DESC_SIZE = 16;
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    /** avail.flags: the driver asks not to be interrupted (without EVENT_IDX). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** used.flags: the device asks not to be notified (without EVENT_IDX). */
    public static final int USED_F_NO_NOTIFY = 1;
    public static final int DESC_ALIGN = 16;
    public static final int AVAIL_ALIGN = 2;
    public static final int USED_ALIGN = 4;

    private SplitRing() {
    }

    public static long descTableSize(int size) {
        return (long) DESC_SIZE * size;
    }

    /** flags, idx, ring[size] and used_event. */
    public static long availRingSize(int size) {
        return 6 + 2L * size;
    }

    /** flags, idx, ring[size] of {le32 id; le32 len} and avail_event. */
    public static long usedRingSize(int size) {
        return 6 + 8L * size;
    }

    /**
     * virtio's vring_need_event: whether moving an index from {@code old} to {@code newIdx} crosses the other
     * side's event index, so that a notification is due.
     */
    public static boolean needEvent(int eventIdx, int newIdx, int old) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - old) & 0xffff);
    }
}
