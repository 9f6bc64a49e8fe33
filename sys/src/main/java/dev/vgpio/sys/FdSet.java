package dev.vgpio.sys;

import java.util.Arrays;

/**
 * A reusable holder of file descriptors received with a message. Receiving appends; the owner then either
 * {@link #take}s each descriptor it keeps or {@link #closeAll}s them. Not thread-safe.
 */
public final class FdSet {
    private final int[] fds;
    private int count;

    public FdSet(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative capacity " + capacity);
        }
        this.fds = new int[capacity];
    }

    /** How many descriptors were added since the last {@link #clear()} (taken ones included). */
    public int count() {
        return count;
    }

    /** Room left for more descriptors. */
    public int remaining() {
        return fds.length - count;
    }

    /** Descriptor {@code i}, or -1 if it has been {@linkplain #take taken}. */
    public int get(int i) {
        return fds[checkIndex(i)];
    }

    /** Descriptor {@code i}, which the caller now owns: {@link #closeAll()} will no longer close it. */
    public int take(int i) {
        int fd = fds[checkIndex(i)];
        if (fd < 0) {
            throw new IllegalStateException("file descriptor " + i + " has already been taken");
        }
        fds[i] = -1;
        return fd;
    }

    /** Appends {@code fd}, which this set then owns. */
    public void add(int fd) {
        if (count == fds.length) {
            throw new IllegalStateException("FdSet is full (" + fds.length + " descriptors)");
        }
        fds[count++] = fd;
    }

    /** Forgets every descriptor without closing any. */
    public void clear() {
        Arrays.fill(fds, 0, count, -1);
        count = 0;
    }

    /** Closes every descriptor not taken, then clears. */
    public void closeAll() {
        for (int i = 0; i < count; i++) {
            Fds.closeQuietly(fds[i]);
        }
        clear();
    }

    private int checkIndex(int i) {
        return java.util.Objects.checkIndex(i, count);
    }

    @Override
    public String toString() {
        return "FdSet" + Arrays.toString(Arrays.copyOf(fds, count));
    }
}
