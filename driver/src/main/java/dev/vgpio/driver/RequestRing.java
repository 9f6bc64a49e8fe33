package dev.vgpio.driver;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The requestq seen from the driver: request slots (an 8-byte request and a 2-byte response each) in shared memory,
 * chains of two descriptors, and answers checked against the spec (used length exactly 2). Allocation-free after
 * construction. Not thread-safe: callers serialise access (see {@link GpioChip}); benchmarks drive it from one
 * thread.
 */
public final class RequestRing {
    /** Receives answers from {@link #drain}. */
    @FunctionalInterface
    public interface Answers {
        /** {@code status} and {@code value} of the request in {@code slot}; {@code usedLength} as the device wrote it. */
        void answered(int slot, int status, int value, int usedLength);
    }

    private static final int SLOT_BYTES = 16;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
        int status;
        int value;
        try {
            if (at == ownResponse(slot) && responseLength[slot] >= 2) {
                int both = slotMemory.get(LE16, (long) SLOT_BYTES * slot + 8);
                status = both & 0xff;
                value = (both >>> 8) & 0xff;
            } else if (responseLength[slot] >= 2) {
                int both = transport.memory().readU16(at);
                status = both & 0xff;
                value = both >>> 8;
            } else {
                status = transport.memory().readU8(at);
                value = 0;
            }
        } catch (GuestMemoryException e) {
            readError = e;
            return;
        }
        delivered++;
        current.answered(slot, status, value, length);
    }

    /** Sets up queue {@code index} of {@code size} entries with the negotiated ring features and starts it. */
    public RequestRing(VirtioTransport transport, int index, int size, boolean eventIdx) throws IOException {
        this.transport = transport;
        QueueConfig config = QueueConfig.contiguous(transport.allocate(QueueConfig.contiguousBytes(size), 4096), size);
        try {
            this.queue = DriverQueue.create(transport.memory(), config, eventIdx);
            queue.setInterrupts(true);
        } catch (BrokenQueueException | GuestMemoryException e) {
            throw new DriverException("cannot lay out the requestq: " + e.getMessage(), e);
        }
        this.slots = size / 2;
        this.slotBase = transport.allocate((long) SLOT_BYTES * slots, 16);
        try {
            this.slotMemory = transport.memory().slice(slotBase, (long) SLOT_BYTES * slots);
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot map the request slots: " + e.getMessage(), e);
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
     */
    public int submit(int type, int gpio, long value) throws DriverException {
        return submit(type, gpio, value, -1, VirtioGpio.RESPONSE_SIZE);
    }

    /**
     * Like {@link #submit(int, int, long)} with the response in a buffer of the caller's ({@code responseLength}
     * bytes at {@code responseAddress} of the transport's memory; -1 for the slot's own 2-byte response).
     */
    public int submit(int type, int gpio, long value, long responseAddress, int responseBytes)
            throws DriverException {
        if (freeCount == 0) {
            throw new IllegalStateException("all " + slots + " request slots are in flight");
        }
        int slot = freeSlots[--freeCount];
        long own = ownResponse(slot);
        long response = responseAddress >= 0 ? responseAddress : own;
        responseAt[slot] = response;
        responseLength[slot] = responseBytes;
        long offset = (long) SLOT_BYTES * slot;
        // the 8-byte request {le16 type, le16 gpio, le32 value} in one little-endian store
        slotMemory.set(LE64, offset, (type & 0xffffL) | (gpio & 0xffffL) << 16 | (value & 0xffff_ffffL) << 32);
        if (response == own) {
            slotMemory.set(LE16, offset + 8, (short) 0xeeee); // not an answer: the device must overwrite it
        } else {
            try {
                transport.memory().writeU16(response, 0xeeee);
            } catch (GuestMemoryException e) {
                freeSlots[freeCount++] = slot;
                throw new DriverException("cannot write to the response buffer: " + e.getMessage(), e);
            }
        }
        slotOfHead[queue.submitPair(own - 8, VirtioGpio.REQUEST_SIZE, response, responseBytes)] = slot;
        return slot;
    }

    /** Where the 2-byte response of {@code slot} lives when the caller gives no buffer of its own. */
    private long ownResponse(int slot) {
        return slotBase + (long) SLOT_BYTES * slot + 8;
    }

    /**
     * Lets the device interrupt only when the caller is about to wait ({@link #prepareToWait()}), not after every
     * drain: fewer interrupts for a caller that keeps many requests in flight.
     */
    public void interruptOnlyBeforeWaiting() {
        queue.setRearmOnDrain(false);
    }

    /** Asks for an interrupt; false if answers arrived meanwhile (drain them instead of waiting). */
    public boolean prepareToWait() throws DriverException {
        try {
            return queue.prepareToWait();
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot write used_event: " + e.getMessage(), e);
        }
    }

    /** Whether answers wait to be drained. */
    public boolean hasAnswers() throws DriverException {
        try {
            return queue.hasUsed();
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot read the used index: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes the requests submitted since the last kick, then notifies the device if it asked to be
     * (VIRTIO_RING_F_EVENT_IDX or the NO_NOTIFY flag).
     */
    public void kick(int index) throws IOException {
        try {
            queue.publish();
            if (queue.kickNeeded()) {
                transport.notifyDevice(index);
            }
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot publish requests or read the device's notification settings: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Collects every answer the device has put on the used ring. Each slot stays taken until {@link #release}.
     *
     * @throws DriverException if the device returned a chain it never got, or an answer of the wrong length
     */
    public int drain(Answers answers) throws DriverException {
        if (current != answers) { // kept between drains: a reference store costs a GC write barrier (a fence with G1)
            current = answers;
        }
        delivered = 0;
        readError = null;
        try {
            queue.drainUsed(deliver);
        } catch (BrokenQueueException e) {
            throw new DriverException("spec violation on the requestq: " + e.getMessage(), e);
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot read the used ring: " + e.getMessage(), e);
        }
        if (readError != null) {
            throw new DriverException("cannot read an answer from shared memory: " + readError.getMessage(),
                    readError);
        }
        return delivered;
    }

    /** Returns {@code slot} to the pool once its answer has been used (after {@link #drain} reported it). */
    public void release(int slot) {
        freeSlots[freeCount++] = slot;
    }

    /** The response length a correct answer to the request in {@code slot} has. */
    public int expectedLength(int slot) {
        return responseLength[slot];
    }
}
