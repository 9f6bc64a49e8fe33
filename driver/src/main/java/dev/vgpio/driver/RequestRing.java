package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.lang.foreign.MemorySegment;

/**
 * The requestq seen from the driver: request slots (a {@link GpioRequest} and a {@link GpioResponse} each) in shared
 * memory, chains of two descriptors, and answers as the device gave them. Allocation-free after construction. Not
 * thread-safe: callers serialise access (see {@link RequestDispatch}); benchmarks drive it from one thread.
 */
public final class RequestRing {
    /** Receives answers from {@link #drain}. */
    @FunctionalInterface
    public interface Answers {
        /** {@code status} and {@code value} of the request in {@code slot}; {@code usedLength} as the device wrote it. */
        void answered(int slot, int status, int value, int usedLength);
    }

    /** A slot: the request, then its own response, each slot 8-byte aligned for the request's one store. */
    private static final int SLOT_BYTES = (GpioRequest.SIZE + GpioResponse.SIZE + 7) & -8;
    private static final long RESPONSE = GpioRequest.SIZE;
    /** What the driver writes where the response goes: not an answer, so the device must overwrite it. */
    private static final int NOT_ANSWERED = 0xeeee;

    private final VirtioTransport transport;
    private final DriverQueue queue;
    private final int slots;
    private final long slotBase;
    /** The slots' memory, sliced once: a slot's own request and response are accessed without translation. */
    private final MemorySegment slotMemory;
    private final int[] slotOfHead;
    private final long[] responseAt;
    private final int[] responseLength;
    private final int[] freeSlots;
    private int freeCount;
    private Answers current;
    private int delivered;
    private GuestMemoryException readError;
    /** Reads each answer as the used ring hands it over; allocated once. */
    private final DriverQueue.UsedHandler deliver = this::onUsed;

    private void onUsed(int head, int length) {
        int slot = slotOfHead[head];
        long at = responseAt[slot];
        int response;
        try {
            if (at == ownResponse(slot) && responseLength[slot] >= GpioResponse.SIZE) {
                response = GpioResponse.read(slotMemory, (long) SLOT_BYTES * slot + RESPONSE);
            } else if (responseLength[slot] >= GpioResponse.SIZE) {
                response = transport.memory().readU16(at);
            } else {
                response = GpioResponse.pack(transport.memory().readU8(at), 0);
            }
        } catch (GuestMemoryException e) {
            readError = e;
            return;
        }
        delivered++;
        current.answered(slot, GpioResponse.status(response), GpioResponse.value(response), length);
    }

    /** Sets up queue {@code index} of {@code size} entries with the negotiated ring features and starts it. */
    public RequestRing(VirtioTransport transport, int index, int size, boolean eventIdx) throws VirtioException {
        this.transport = transport;
        QueueConfig config = QueueConfig.contiguous(transport.allocate(QueueConfig.contiguousBytes(size), 4096), size);
        try {
            this.queue = DriverQueue.create(transport.memory(), config, eventIdx);
            queue.setInterrupts(true);
        } catch (BrokenQueueException | GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot lay out the requestq: " + e.getMessage(), e);
        }
        this.slots = size / 2;
        this.slotBase = transport.allocate((long) SLOT_BYTES * slots, 16);
        try {
            this.slotMemory = transport.memory().slice(slotBase, (long) SLOT_BYTES * slots);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot map the request slots: " + e.getMessage(), e);
        }
        this.slotOfHead = new int[size];
        this.responseAt = new long[slots];
        this.responseLength = new int[slots];
        this.freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeSlots[i] = slots - 1 - i;
        }
        freeCount = slots;
        transport.startQueue(index, config);
    }

    /** Requests that can be in flight at once. */
    public int capacity() {
        return slots;
    }

    public int freeSlots() {
        return freeCount;
    }

    /**
     * Puts a request on the ring; {@link #kick} makes it and every request put since visible to the device (one
     * available-index store for a whole batch) and notifies the device if it asked to be.
     *
     * @return its slot, which {@link #drain} reports back
     * @throws IllegalStateException if every slot is in flight
     */
    public int submit(int type, int gpio, long value) throws VirtioException {
        return submit(type, gpio, value, -1, GpioResponse.SIZE);
    }

    /**
     * Like {@link #submit(int, int, long)} with the response in a buffer of the caller's ({@code responseBytes}
     * bytes at {@code responseAddress} of the transport's memory; -1 for the slot's own response).
     */
    public int submit(int type, int gpio, long value, long responseAddress, int responseBytes)
            throws VirtioException {
        if (freeCount == 0) {
            throw new IllegalStateException("all " + slots + " request slots are in flight");
        }
        int slot = freeSlots[--freeCount];
        long own = ownResponse(slot);
        long response = responseAddress >= 0 ? responseAddress : own;
        responseAt[slot] = response;
        responseLength[slot] = responseBytes;
        long offset = (long) SLOT_BYTES * slot;
        GpioRequest.write(slotMemory, offset, type, gpio, value);
        if (response == own) {
            GpioResponse.write(slotMemory, offset + RESPONSE, NOT_ANSWERED);
        } else {
            try {
                transport.memory().writeU16(response, NOT_ANSWERED);
            } catch (GuestMemoryException e) {
                freeSlots[freeCount++] = slot;
                throw new VirtioException(LOCAL_FAILURE, "cannot write to the response buffer: " + e.getMessage(), e);
            }
        }
        slotOfHead[queue.submitPair(own - RESPONSE, GpioRequest.SIZE, response, responseBytes)] = slot;
        return slot;
    }

    /** Where the response of {@code slot} lives when the caller gives no buffer of its own. */
    private long ownResponse(int slot) {
        return slotBase + (long) SLOT_BYTES * slot + RESPONSE;
    }

    /**
     * Lets the device interrupt only when the caller is about to wait ({@link #prepareToWait()}), not after every
     * drain: fewer interrupts for a caller that keeps many requests in flight.
     */
    public void interruptOnlyBeforeWaiting() {
        queue.setRearmOnDrain(false);
    }

    /** Asks for an interrupt; false if answers arrived meanwhile (drain them instead of waiting). */
    public boolean prepareToWait() throws VirtioException {
        try {
            return queue.prepareToWait();
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot write used_event: " + e.getMessage(), e);
        }
    }

    /** Whether answers wait to be drained. */
    public boolean hasAnswers() throws VirtioException {
        try {
            return queue.hasUsed();
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read the used index: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes the requests submitted since the last kick, then notifies the device if it asked to be
     * (VIRTIO_RING_F_EVENT_IDX or the NO_NOTIFY flag).
     */
    public void kick(int index) throws VirtioException {
        try {
            queue.publish();
            if (queue.kickNeeded()) {
                transport.notifyDevice(index);
            }
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot publish requests or read the device's notification"
                    + " settings: " + e.getMessage(), e);
        }
    }

    /**
     * Collects every answer the device has put on the used ring. Each slot stays taken until {@link #release}.
     *
     * @throws VirtioException if the device returned a chain it never got (PROTOCOL_VIOLATION)
     */
    public int drain(Answers answers) throws VirtioException {
        if (current != answers) { // kept between drains: a reference store costs a GC write barrier (a fence with G1)
            current = answers;
        }
        delivered = 0;
        readError = null;
        try {
            queue.drainUsed(deliver);
        } catch (BrokenQueueException e) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation on the requestq: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read the used ring: " + e.getMessage(), e);
        }
        if (readError != null) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read an answer from shared memory: "
                    + readError.getMessage(), readError);
        }
        return delivered;
    }

    /** Returns {@code slot} to the pool once its answer has been used (after {@link #drain} reported it). */
    public void release(int slot) {
        freeSlots[freeCount++] = slot;
    }
}
