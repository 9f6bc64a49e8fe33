package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.SplitRing.DESC_F_INDIRECT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_NEXT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_WRITE;
import static dev.vgpio.virtqueue.SplitRing.DESC_SIZE;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;

/**
 * The driver side of a split virtqueue: allocates descriptors, adds chains (direct or through an indirect table),
 * publishes them on the available ring, and collects used elements. Used by the Java driver, tests and
 * benchmarks. Building and collecting allocate nothing. Not thread-safe: callers serialise access.
 *
 * <p>A chain is built with {@link #begin()}, then {@link #readable} and {@link #writable} buffers (readable ones
 * first), then {@link #submit()} or {@link #submitIndirect(long)}; {@link #publish()} makes all submitted chains
 * visible to the device at once.
 *
 * <p>The rings are accessed through segments sliced from guest memory once, at {@link #create} ({@link RingView}).
 */
public final class DriverQueue {
    /** Receives used elements from {@link #drainUsed}. */
    @FunctionalInterface
    public interface UsedHandler {
        void onUsed(int head, int length);
    }

    private final GuestMemory memory;
    private final QueueConfig config;
    private final RingView rings;
    private final int size;
    private final boolean eventIdx;
    private final int[] chainLength;
    private final int[] freeNext;
    private final boolean[] inFlight;
    private int freeHead;
    private int freeCount;
    private int availShadow;
    private int publishedAvail;
    private int kickedAvail;
    private int lastUsed;
    private boolean rearmOnDrain = true;

    private final long[] pendingAddr;
    private final int[] pendingLen;
    private final boolean[] pendingWritable;
    private int pending;
    private boolean building;

    private DriverQueue(GuestMemory memory, QueueConfig config, RingView rings, boolean eventIdx) {
        this.memory = memory;
        this.config = config;
        this.rings = rings;
        this.size = config.size();
        this.eventIdx = eventIdx;
        this.chainLength = new int[size];
        this.freeNext = new int[size];
        this.inFlight = new boolean[size];
        this.pendingAddr = new long[size];
        this.pendingLen = new int[size];
        this.pendingWritable = new boolean[size];
        for (int i = 0; i < size; i++) {
            freeNext[i] = i + 1;
        }
        freeCount = size;
    }

    /**
     * A driver queue over {@code config}, whose rings are zeroed here.
     *
     * @param eventIdx whether VIRTIO_RING_F_EVENT_IDX was negotiated
     */
    public static DriverQueue create(GuestMemory memory, QueueConfig config, boolean eventIdx)
            throws BrokenQueueException {
        config.validate(memory);
        try {
            memory.fill(config.descTable(), SplitRing.descTableSize(config.size()), (byte) 0);
            memory.fill(config.availRing(), SplitRing.availRingSize(config.size()), (byte) 0);
            memory.fill(config.usedRing(), SplitRing.usedRingSize(config.size()), (byte) 0);
        } catch (GuestMemoryException e) {
            throw new BrokenQueueException("cannot initialise " + config + ": " + e.getMessage(), e);
        }
        return new DriverQueue(memory, config, RingView.of(memory, config), eventIdx);
    }

    public QueueConfig config() {
        return config;
    }

    /** Descriptors not in use by a submitted chain. */
    public int freeDescriptors() {
        return freeCount;
    }

    /** Chains submitted and not yet returned by the device. */
    public int inFlightChains() {
        int n = 0;
        for (boolean b : inFlight) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** Starts a new chain. */
    public DriverQueue begin() {
        pending = 0;
        building = true;
        return this;
    }

    /** Adds a buffer the device reads. */
    public DriverQueue readable(long gpa, int length) {
        return buffer(gpa, length, false);
    }

    /** Adds a buffer the device writes. */
    public DriverQueue writable(long gpa, int length) {
        return buffer(gpa, length, true);
    }

    private DriverQueue buffer(long gpa, int length, boolean writable) {
        if (!building) {
            throw new IllegalStateException("call begin() before adding buffers");
        }
        if (pending == size) {
            throw new IllegalStateException("a chain cannot have more than " + size + " buffers");
        }
        if (!writable && pending > 0 && pendingWritable[pending - 1]) {
            throw new IllegalStateException("readable buffers must come before writable ones");
        }
        pendingAddr[pending] = gpa;
        pendingLen[pending] = length;
        pendingWritable[pending] = writable;
        pending++;
        return this;
    }

    /**
     * Writes the chain's descriptors into the descriptor table and puts its head on the available ring (not yet
     * published).
     *
     * @return the head descriptor index, which the device returns on the used ring
     * @throws IllegalStateException if there are not enough free descriptors or the chain is empty
     */
    public int submit() throws GuestMemoryException {
        requireChain(pending);
        int head = freeHead;
        int index = head;
        for (int i = 0; i < pending; i++) {
            int next = freeNext[index];
            boolean more = i + 1 < pending;
            writeDescriptor(index, pendingAddr[i], pendingLen[i],
                    (pendingWritable[i] ? DESC_F_WRITE : 0) | (more ? DESC_F_NEXT : 0), more ? next : 0);
            if (more) {
                index = next;
            }
        }
        freeHead = freeNext[index];
        return enqueue(head, pending);
    }

    /**
     * Adds the most common chain, one buffer the device reads and one it writes (a request and its response), in
     * one step: the same descriptors and ring entry as {@code begin().readable(..).writable(..).submit()}, without
     * the builder's bookkeeping. Not yet published.
     *
     * @return the head descriptor index
     * @throws IllegalStateException if fewer than two descriptors are free, or a chain is being built
     */
    public int submitPair(long readGpa, int readLength, long writeGpa, int writeLength) {
        if (freeCount < 2 || building) {
            throw new IllegalStateException(building ? "a chain is being built; submit it first"
                    : "the chain needs 2 descriptors but only " + freeCount + " are free");
        }
        int head = freeHead;
        int second = freeNext[head];
        rings.writeDesc(head, readGpa, readLength, DESC_F_NEXT, second);
        rings.writeDesc(second, writeGpa, writeLength, DESC_F_WRITE, 0);
        freeHead = freeNext[second];
        chainLength[head] = 2;
        inFlight[head] = true;
        freeCount -= 2;
        rings.setAvailEntry(availShadow, head);
        availShadow = (availShadow + 1) & 0xffff;
        return head;
    }

    /**
     * Like {@link #submit()}, but writes the buffers into an indirect table at {@code tableGpa} (16 bytes a
     * buffer, owned by the caller until the chain is used) and uses one ring descriptor pointing at it.
     */
    public int submitIndirect(long tableGpa) throws GuestMemoryException {
        requireChain(1);
        for (int i = 0; i < pending; i++) {
            long d = tableGpa + (long) DESC_SIZE * i;
            boolean more = i + 1 < pending;
            memory.writeU64(d, pendingAddr[i]);
            memory.writeU32(d + 8, Integer.toUnsignedLong(pendingLen[i]));
            memory.writeU16(d + 12, (pendingWritable[i] ? DESC_F_WRITE : 0) | (more ? DESC_F_NEXT : 0));
            memory.writeU16(d + 14, more ? i + 1 : 0);
        }
        int head = freeHead;
        freeHead = freeNext[head];
        writeDescriptor(head, tableGpa, DESC_SIZE * pending, DESC_F_INDIRECT, 0);
        return enqueue(head, 1);
    }

    private void requireChain(int descriptors) {
        if (!building || pending == 0) {
            throw new IllegalStateException("the chain has no buffers; call begin() and add some");
        }
        if (descriptors > freeCount) {
            throw new IllegalStateException("the chain needs " + descriptors + " descriptors but only " + freeCount
                    + " are free");
        }
    }

    private int enqueue(int head, int descriptors) throws GuestMemoryException {
        building = false;
        chainLength[head] = descriptors;
        inFlight[head] = true;
        freeCount -= descriptors;
        pushAvail(head);
        return head;
    }

    /**
     * Writes one raw descriptor; with {@link #pushAvail} this lets tests build any chain, valid or not. An index
     * outside the table is written through guest memory at the address it names, wherever that is.
     */
    public void writeDescriptor(int index, long addr, int length, int flags, int next) throws GuestMemoryException {
        if (index >= 0 && index < size) {
            rings.writeDesc(index, addr, length, flags, next);
            return;
        }
        long d = config.descTable() + (long) DESC_SIZE * index;
        memory.writeU64(d, addr);
        memory.writeU32(d + 8, Integer.toUnsignedLong(length));
        memory.writeU16(d + 12, flags);
        memory.writeU16(d + 14, next);
    }

    /** Puts a raw head index on the available ring without publishing it. */
    public void pushAvail(int head) throws GuestMemoryException {
        rings.setAvailEntry(availShadow, head);
        availShadow = (availShadow + 1) & 0xffff;
    }

    /** Makes every submitted chain visible to the device by writing the available index. */
    public void publish() throws GuestMemoryException {
        rings.setAvailIdx(availShadow);
        publishedAvail = availShadow;
    }

    /** Sets the available index to any value, for tests of a misbehaving driver. */
    void publishRawAvailIdx(int idx) throws GuestMemoryException {
        rings.setAvailIdx(idx);
    }

    /**
     * Whether the device wants a notification for the chains published since the last call that returned true
     * (avail_event with EVENT_IDX, otherwise the used ring's NO_NOTIFY flag).
     */
    public boolean kickNeeded() throws GuestMemoryException {
        GuestMemory.fullFence();
        int old = kickedAvail;
        kickedAvail = publishedAvail;
        if (eventIdx) {
            return SplitRing.needEvent(rings.availEvent(), publishedAvail, old);
        }
        return (rings.usedFlags() & SplitRing.USED_F_NO_NOTIFY) == 0;
    }

    /**
     * Asks the device for (or to hold back) interrupts: the avail ring's NO_INTERRUPT flag, or used_event with
     * EVENT_IDX (set to the next used index, so the next used element interrupts).
     */
    public void setInterrupts(boolean enabled) throws GuestMemoryException {
        if (eventIdx) {
            rings.setUsedEvent(enabled ? lastUsed : (lastUsed - 1) & 0xffff);
        } else {
            rings.setAvailFlags(enabled ? 0 : SplitRing.AVAIL_F_NO_INTERRUPT);
        }
        GuestMemory.fullFence();
    }

    /**
     * Chooses when used_event is moved (EVENT_IDX): after every drain (the default: the next used element always
     * interrupts), or only in {@link #prepareToWait()} (a busy driver is not interrupted, as Linux drivers and the
     * benchmark floor do).
     */
    public void setRearmOnDrain(boolean rearm) {
        this.rearmOnDrain = rearm;
    }

    /**
     * Asks for an interrupt for the next used element and says whether the caller may now sleep: false if used
     * elements arrived meanwhile (collect them first, the device may not interrupt for them).
     */
    public boolean prepareToWait() throws GuestMemoryException {
        setInterrupts(true);
        return !hasUsed();
    }

    /** Whether the device has put used elements that {@link #drainUsed} has not collected yet. */
    public boolean hasUsed() throws GuestMemoryException {
        return rings.usedIdx() != lastUsed;
    }

    /**
     * Collects every used element, frees its descriptors and hands it to {@code handler}.
     *
     * <p>With EVENT_IDX (and {@link #setRearmOnDrain re-arming}) used_event is then moved to the last element
     * collected, and the used index read again after a full fence: an element the device put while this drain ran
     * was judged against the old used_event, so the device may not notify for it, and it is collected here.
     *
     * @return the number of elements collected
     * @throws BrokenQueueException if the device returned a head that is not in flight (it would corrupt the
     *     free list), or moved the used index further than the queue size
     */
    public int drainUsed(UsedHandler handler) throws GuestMemoryException, BrokenQueueException {
        int n = 0;
        while (true) {
            int usedIdx = rings.usedIdx();
            if (((usedIdx - lastUsed) & 0xffff) > size) {
                throw new BrokenQueueException(String.format(
                        "device moved the used index from %d to %d, more than the queue size %d", lastUsed,
                        usedIdx, size));
            }
            while (lastUsed != usedIdx) {
                long elem = rings.usedEntry(lastUsed);
                long id = elem & 0xffff_ffffL;
                int len = (int) (elem >>> 32);
                if (id >= size || !inFlight[(int) id]) {
                    throw new BrokenQueueException(String.format(
                            "device returned descriptor %d on the used ring, which the driver did not make"
                                    + " available", id));
                }
                lastUsed = (lastUsed + 1) & 0xffff;
                release((int) id);
                n++;
                handler.onUsed((int) id, len);
            }
            if (!eventIdx || !rearmOnDrain) {
                return n;
            }
            rings.setUsedEvent(lastUsed);
            GuestMemory.fullFence(); // used_event visible before the used index is read again
            if (rings.usedIdx() == lastUsed) {
                return n;
            }
        }
    }

    /**
     * Collects at most one used element (see {@link #drainUsed}). A caller that drains with it calls it until it
     * returns 0, which reads the used index after used_event was moved.
     *
     * @return 1 if an element was handed to {@code handler}, 0 if none was waiting
     */
    public int drainOne(UsedHandler handler) throws GuestMemoryException, BrokenQueueException {
        int usedIdx = rings.usedIdx();
        if (usedIdx == lastUsed) {
            return 0;
        }
        if (((usedIdx - lastUsed) & 0xffff) > size) {
            throw new BrokenQueueException(String.format(
                    "device moved the used index from %d to %d, more than the queue size %d", lastUsed, usedIdx,
                    size));
        }
        long elem = rings.usedEntry(lastUsed);
        long id = elem & 0xffff_ffffL;
        int len = (int) (elem >>> 32);
        if (id >= size || !inFlight[(int) id]) {
            throw new BrokenQueueException(String.format(
                    "device returned descriptor %d on the used ring, which the driver did not make available", id));
        }
        lastUsed = (lastUsed + 1) & 0xffff;
        release((int) id);
        if (eventIdx && rearmOnDrain) {
            rings.setUsedEvent(lastUsed);
            GuestMemory.fullFence(); // before the caller reads the used index again (see drainUsed)
        }
        handler.onUsed((int) id, len);
        return 1;
    }

    private void release(int head) {
        inFlight[head] = false;
        int count = chainLength[head];
        int last = head;
        for (int i = 1; i < count; i++) {
            last = freeNext[last]; // a chain was taken from the free list in order, so its links are still there
        }
        freeNext[last] = freeHead;
        freeHead = head;
        freeCount += count;
    }
}
