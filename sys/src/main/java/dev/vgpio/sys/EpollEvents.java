package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The events {@link Epoll#await} reports, in a preallocated native array of x86_64 {@code struct epoll_event}
 * (packed: a 32-bit event mask then a 64-bit data word, 12 bytes). Reading it allocates nothing.
 */
public final class EpollEvents {
    static final long SIZE = 12;
    private static final ValueLayout.OfLong DATA = ValueLayout.JAVA_LONG_UNALIGNED;

    private final int capacity;
    private final MemorySegment segment;

    public EpollEvents(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, not " + capacity);
        }
        this.capacity = capacity;
        this.segment = Arena.ofAuto().allocate(SIZE * capacity, 8);
    }

    /** How many events one {@link Epoll#await} can report. */
    public int capacity() {
        return capacity;
    }

    /** The event mask of event {@code i} ({@link Epoll#IN}, {@link Epoll#OUT}, ...). */
    public int events(int i) {
        return segment.get(ValueLayout.JAVA_INT, SIZE * Objects.checkIndex(i, capacity));
    }

    /** The data word registered with the descriptor of event {@code i}. */
    public long data(int i) {
        return segment.get(DATA, SIZE * Objects.checkIndex(i, capacity) + 4);
    }

    MemorySegment segment() {
        return segment;
    }
}
