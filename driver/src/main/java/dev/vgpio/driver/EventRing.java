package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.IrqRequest;
import dev.vgpio.protocol.IrqResponse;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.lang.foreign.MemorySegment;

/**
 * The eventq seen from the driver: one interrupt buffer pair per line (an {@link IrqRequest} the device reads, an
 * {@link IrqResponse} it writes), queued to unmask the line and returned by the device when the interrupt fires
 * (VALID) or is disabled (INVALID). Not thread-safe.
 */
public final class EventRing {
    /** Receives returned pairs from {@link #drain}. */
    @FunctionalInterface
    public interface Returned {
        void returned(int line, int status, int usedLength);
    }

    /** A line's pair: the request, then the response, each pair 2-byte aligned for the request's le16. */
    private static final int PAIR_BYTES = (IrqRequest.SIZE + IrqResponse.SIZE + 1) & -2;
    private static final long RESPONSE = IrqRequest.SIZE;
    /** What the driver writes where the status goes: not a status, so the device must overwrite it. */
    private static final int NOT_RETURNED = 0xee;

    private final VirtioTransport transport;
    private final int index;
    private final DriverQueue queue;
    private final long buffers;
    private final MemorySegment pairs;
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
            throws VirtioException {
        this.transport = transport;
        this.index = index;
        QueueConfig config = QueueConfig.contiguous(transport.allocate(QueueConfig.contiguousBytes(size), 4096), size);
        try {
            queue = DriverQueue.create(transport.memory(), config, eventIdx);
            queue.setInterrupts(true);
            buffers = transport.allocate((long) PAIR_BYTES * lines, 4);
            pairs = transport.memory().slice(buffers, (long) PAIR_BYTES * lines);
        } catch (BrokenQueueException | GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot lay out the eventq: " + e.getMessage(), e);
        }
        lineOfHead = new int[size];
        queued = new boolean[lines];
        transport.startQueue(index, config);
    }

    /** Queues the pair of {@code line} (unmasks it) and notifies the device; nothing if it is queued already. */
    public void queue(int line) throws VirtioException {
        if (queued[line]) {
            return;
        }
        queueAgain(line);
    }

    /**
     * Queues a pair for {@code line} even if one is queued already (a driver must not; conformance tests do, to see
     * the device cope). The line of a returned pair is still known from the driver's own bookkeeping.
     */
    public void queueAgain(int line) throws VirtioException {
        long at = (long) PAIR_BYTES * line;
        IrqRequest.write(pairs, at, line);
        IrqResponse.write(pairs, at + RESPONSE, NOT_RETURNED);
        try {
            int h = queue.begin().readable(buffers + at, IrqRequest.SIZE)
                    .writable(buffers + at + RESPONSE, IrqResponse.SIZE).submit();
            lineOfHead[h] = line;
            queued[line] = true;
            queue.publish();
            if (queue.kickNeeded()) {
                transport.notifyDevice(index);
            }
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot queue the interrupt buffer of line " + line + ": "
                    + e.getMessage(), e);
        }
    }

    /** Collects returned pairs; the line of each comes from the driver's own bookkeeping, not the returned buffer. */
    public int drain(Returned returned) throws VirtioException {
        int n = 0;
        try {
            while (queue.drainOne(collect) == 1) {
                int line = lineOfHead[head];
                queued[line] = false;
                int status = IrqResponse.status(pairs, (long) PAIR_BYTES * line + RESPONSE);
                n++;
                returned.returned(line, status, length);
            }
        } catch (BrokenQueueException e) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation on the eventq: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read the used ring of the eventq: " + e.getMessage(), e);
        }
        return n;
    }
}
