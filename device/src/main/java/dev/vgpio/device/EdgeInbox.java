package dev.vgpio.device;

import dev.vgpio.lines.LineEventListener;

/**
 * Hands edges from the lines' thread to the device's thread: a bounded ring of preallocated slots, so posting and
 * draining allocate nothing. When the ring is full further edges are counted as lost (the device thread is far
 * behind; the count shows it). The positions are {@code long} counters: at a billion edges a second they would
 * take 292 years to overflow (an {@code int} did after 2^31 edges, 25 days at 1 kHz).
 */
final class EdgeInbox implements LineEventListener {
    interface Drain {
        void edge(int gpio, boolean rising);
    }

    private final int[] slots;
    private long head;
    private long tail;
    private long lost;
    private volatile Runnable wakeup = () -> { };

    EdgeInbox(int capacity) {
        this(capacity, 0);
    }

    /** An inbox whose counters start at {@code position}, as if that many edges had passed (for tests). */
    EdgeInbox(int capacity, long position) {
        if (capacity < 1 || position < 0) {
            throw new IllegalArgumentException("capacity " + capacity + ", position " + position);
        }
        slots = new int[capacity];
        head = tail = position;
    }

    void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    @Override
    public void onEdge(int offset, boolean rising, long timestampNanos) {
        synchronized (this) {
            if (tail - head == slots.length) {
                lost++;
                return;
            }
            slots[(int) (tail % slots.length)] = (offset << 1) | (rising ? 1 : 0);
            tail++;
        }
        wakeup.run();
    }

    /** Delivers every queued edge in arrival order; returns how many. */
    int drain(Drain drain) {
        int n = 0;
        while (true) {
            int slot;
            synchronized (this) {
                if (head == tail) {
                    return n;
                }
                slot = slots[(int) (head % slots.length)];
                head++;
            }
            drain.edge(slot >>> 1, (slot & 1) != 0);
            n++;
        }
    }

    synchronized long lost() {
        return lost;
    }
}
