package dev.vgpio.device;

import dev.vgpio.lines.LineEventListener;

/**
 * Hands edges from the lines' thread to the device's thread: a bounded ring of preallocated slots, so posting and
 * draining allocate nothing. When the ring is full further edges are counted as lost (the device thread is far
 * behind; the count shows it).
 */
final class EdgeInbox implements LineEventListener {
    interface Drain {
        void edge(int gpio, boolean rising);
    }

    private final int[] slots;
    private int head;
    private int tail;
    private long lost;
    private volatile Runnable wakeup = () -> { };

    EdgeInbox(int capacity) {
        slots = new int[capacity];
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
            slots[tail % slots.length] = (offset << 1) | (rising ? 1 : 0);
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
                slot = slots[head % slots.length];
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
