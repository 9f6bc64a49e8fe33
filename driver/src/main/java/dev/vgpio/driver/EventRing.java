package dev.vgpio.driver;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;

/**
 * The eventq seen from the driver: one interrupt buffer pair per line ({@code le16 gpio} readable, {@code u8 status}
 * writable), queued to unmask the line and returned by the device when the interrupt fires (VALID) or is disabled
 * (INVALID). Not thread-safe.
 */
public final class EventRing {
    /** Receives returned pairs from {@link #drain}. */
    @FunctionalInterface
    public interface Returned {
        void returned(int line, int status, int usedLength);
    }

    private final VirtioTransport transport;
    private final int index;
    private final DriverQueue queue;
    private final long buffers;
    private final int[] lineOfHead;
    private final boolean[] queued;
    private int head;
    private int length;
    private final DriverQueue.UsedHandler collect = (h, len) -> {
        head = h;
        length = len;
    };

    /** Sets up queue {@code index} of {@code size} entries for {@code lines} lines and starts it. */
    public EventRing(VirtioTransport transport, int index, int size, int lines, boolean eventIdx)
            throws IOException {
        this.transport = transport;
        this.index = index;
        QueueConfig config = QueueConfig.contiguous(transport.allocate(QueueConfig.contiguousBytes(size), 4096), size);
        try {
            queue = DriverQueue.create(transport.memory(), config, eventIdx);
            queue.setInterrupts(true);
        } catch (BrokenQueueException | GuestMemoryException e) {
            throw new DriverException("cannot lay out the eventq: " + e.getMessage(), e);
        }
        buffers = transport.allocate(4L * lines, 4);
        lineOfHead = new int[size];
        queued = new boolean[lines];
        transport.startQueue(index, config);
    }

    public boolean isQueued(int line) {
        return queued[line];
    }

    /** Queues the pair of {@code line} (unmasks it) and notifies the device; nothing if it is queued already. */
    public void queue(int line) throws IOException {
        if (queued[line]) {
            return;
        }
        queueAgain(line);
    }

    /**
     * Queues a pair for {@code line} even if one is queued already (a driver must not; conformance tests do, to see
     * the device cope). The line of a returned pair is still known from the driver's own bookkeeping.
     */
    public void queueAgain(int line) throws IOException {
        long at = buffers + 4L * line;
        try {
            transport.memory().writeU16(at, line);
            transport.memory().writeU8(at + 2, 0xee);
            int h = queue.begin().readable(at, 2).writable(at + 2, 1).submit();
            lineOfHead[h] = line;
            queued[line] = true;
            queue.publish();
            if (queue.kickNeeded()) {
                transport.notifyDevice(index);
            }
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot queue the interrupt buffer of line " + line + ": " + e.getMessage(), e);
        }
    }

    /** Collects returned pairs; the line of each comes from the driver's own bookkeeping, not the returned buffer. */
    public int drain(Returned returned) throws DriverException {
        int n = 0;
        try {
            while (queue.drainOne(collect) == 1) {
                int line = lineOfHead[head];
                queued[line] = false;
                int status = transport.memory().readU8(buffers + 4L * line + 2);
                n++;
                returned.returned(line, status, length);
            }
        } catch (BrokenQueueException e) {
            throw new DriverException("spec violation on the eventq: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot read an interrupt buffer: " + e.getMessage(), e);
        }
        return n;
    }
}
