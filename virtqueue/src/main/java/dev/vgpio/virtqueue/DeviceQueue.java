package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.SplitRing.DESC_F_INDIRECT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_NEXT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_WRITE;
import static dev.vgpio.virtqueue.SplitRing.DESC_SIZE;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.memory.GuestRegion;
import java.lang.foreign.MemorySegment;

/**
 * The device side of a split virtqueue: takes descriptor chains off the available ring, validates them, and puts
 * used elements on the used ring, with notification suppression by flags or by VIRTIO_RING_F_EVENT_IDX.
 *
 * <p>Every value read from guest memory is checked before use. A bad chain raises {@link MalformedChainException}
 * after it has been consumed, so the next {@link #pop} carries on with the next chain; a ring the device cannot
 * reach raises {@link BrokenQueueException}. Not thread-safe: one thread serves a queue.
 *
 * <p>The rings themselves are checked once, at {@link #create}, and then accessed through segments sliced from
 * guest memory ({@link RingView}); the buffers a chain names are translated once, when the chain is walked.
 *
 * <p>Like a Linux vhost back end, the queue reads the available index once for all the chains it makes available
 * ({@link #pop} takes them without reading it again), and a device serving a batch may put used elements with
 * {@link #putUsed} and publish the used index once for all of them.
 */
public final class DeviceQueue {
    private final GuestMemory memory;
    private final QueueConfig config;
    private final RingView rings;
    private final int size;
    private final boolean eventIdx;
    private final boolean indirectAllowed;
    private int nextAvail;
    /** The available index as last read and checked; chains before it are taken without reading it again. */
    private int availShadow;
    private int nextUsed;
    /** The used index as last written to the ring; elements from it to {@link #nextUsed} are not visible yet. */
    private int publishedUsed;
    private int signalledUsed;
    private boolean signalledValid;
    /** Whether a full fence has run since the last used index was published (see {@link #needsNotification}). */
    private boolean fencedSinceUsed = true;

    private DeviceQueue(GuestMemory memory, QueueConfig config, RingView rings, RingFeatures features) {
        this.memory = memory;
        this.config = config;
        this.rings = rings;
        this.size = config.size();
        this.eventIdx = features.eventIdx();
        this.indirectAllowed = features.indirectDesc();
    }

    /**
     * A device queue over {@code config}, honouring the negotiated ring features (EVENT_IDX, INDIRECT_DESC).
     *
     * @throws BrokenQueueException if the layout is invalid or not mapped
     */
    public static DeviceQueue create(GuestMemory memory, QueueConfig config, RingFeatures features)
            throws BrokenQueueException {
        config.validate(memory);
        return new DeviceQueue(memory, config, RingView.of(memory, config), features);
    }

    /** The guest memory the rings and the buffers of popped chains are in. */
    public GuestMemory memory() {
        return memory;
    }

    public int size() {
        return size;
    }

    /** A chain view big enough for any chain of this queue. */
    public DescriptorChain newChain() {
        return new DescriptorChain(size);
    }

    /** The next available ring index the device will read (vhost-user's vring base). */
    public int nextAvail() {
        return nextAvail;
    }

    /** The next used ring index the device will write. */
    public int nextUsed() {
        return nextUsed;
    }

    /** Resumes with distinct available and used positions (chains taken but not yet used in between). */
    public void setPositions(int nextAvail, int nextUsed) {
        this.nextAvail = nextAvail & 0xffff;
        availShadow = this.nextAvail;
        this.nextUsed = nextUsed & 0xffff;
        publishedUsed = this.nextUsed;
        signalledValid = false;
    }

    /** Reads the used index the ring currently holds, for resuming after a reconnect. */
    public int readUsedIdx() throws BrokenQueueException {
        try {
            return rings.usedIdx();
        } catch (GuestMemoryException e) {
            throw broken("cannot read the used index", e);
        }
    }

    /** Whether the driver has made chains available that the device has not taken yet. */
    public boolean hasAvailable() throws BrokenQueueException {
        return availIdx() != nextAvail;
    }

    /**
     * Takes the next available chain into {@code chain}. When it has taken every chain it saw available, it first
     * publishes the used elements put since (see {@link #putUsed}), then reads the available index again.
     *
     * @return false if no chain is available
     * @throws MalformedChainException if the chain breaks the rules (it is consumed all the same)
     * @throws BrokenQueueException if the rings cannot be read or the available index is impossible
     */
    public boolean pop(DescriptorChain chain) throws MalformedChainException, BrokenQueueException {
        if (availShadow == nextAvail) {
            publishUsed();
            int avail = availIdx();
            if (avail == nextAvail) {
                return false;
            }
            if (((avail - nextAvail) & 0xffff) > size) {
                throw new BrokenQueueException(String.format(
                        "available index moved from %d to %d, more than the queue size %d", nextAvail, avail, size));
            }
            availShadow = avail;
        }
        int head = rings.availEntry(nextAvail);
        nextAvail = (nextAvail + 1) & 0xffff;
        if (head >= size) {
            throw new MalformedChainException(head, false, String.format(
                    "available ring names descriptor %d, outside the queue of size %d", head, size), null);
        }
        walk(chain, head);
        return true;
    }

    /**
     * Walks the chain at {@code head} into {@code chain}, checking every descriptor: the chain rules, the flags, and
     * that each buffer and indirect table lies inside one guest memory region. (The messages are built in helpers
     * below, which keeps this loop small enough for the JIT to inline.)
     */
    private void walk(DescriptorChain chain, int head) throws MalformedChainException {
        chain.reset(head, memory);
        MemorySegment table = rings.descTable();
        long tableBase = 0;
        int tableSize = size;
        boolean indirect = false;
        int capacity = chain.capacity();
        int count = 0;
        int readable = 0;
        long readableBytes = 0;
        long writableBytes = 0;
        int index = head;
        int steps = 0;
        while (true) {
            if (++steps > tableSize) {
                throw loop(head, indirect);
            }
            long desc = tableBase + (long) DESC_SIZE * index;
            long addr = table.get(RingView.LE64, desc);
            long word = table.get(RingView.LE64, desc + 8); // len | flags << 32 | next << 48
            int len = (int) word;
            int flags = (int) (word >>> 32) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                GuestRegion region = indirectTable(head, index, addr, len, flags, indirect, capacity - count);
                indirect = true;
                table = region.segment();
                tableBase = addr - region.guestPhysAddr();
                tableSize = (int) (Integer.toUnsignedLong(len) / DESC_SIZE);
                index = 0;
                steps = 0;
                continue;
            }
            GuestRegion region = bufferRegion(head, index, addr, len);
            if ((flags & DESC_F_WRITE) != 0) {
                writableBytes += Integer.toUnsignedLong(len);
            } else if (count > readable) {
                throw readableAfterWritable(head, index);
            } else {
                readable++;
                readableBytes += Integer.toUnsignedLong(len);
            }
            if (count == capacity) {
                throw tooLong(head);
            }
            chain.set(count++, addr, len, region);
            if ((flags & DESC_F_NEXT) == 0) {
                chain.finish(count, readable, readableBytes, writableBytes);
                return;
            }
            int next = (int) (word >>> 48);
            if (next >= tableSize) {
                throw badLink(head, index, next, indirect, tableSize);
            }
            index = next;
        }
    }

    /** The region holding the buffer of descriptor {@code index}, which must not be empty. */
    private GuestRegion bufferRegion(int head, int index, long addr, int len) throws MalformedChainException {
        if (len == 0) {
            throw bad(head, "descriptor " + index + " has length 0", null);
        }
        GuestRegion region = memory.regionOf(addr, Integer.toUnsignedLong(len));
        if (region == null) {
            throw bad(head, String.format("descriptor %d buffer 0x%x+%d is not in guest memory", index, addr,
                    Integer.toUnsignedLong(len)), null);
        }
        return region;
    }

    private MalformedChainException loop(int head, boolean indirect) {
        return bad(head, indirect ? "indirect table chain is longer than the table (a loop?)"
                : "chain is longer than the queue size " + size + " (a loop?)", null);
    }

    private static MalformedChainException readableAfterWritable(int head, int index) {
        return bad(head, "device-readable descriptor " + index + " follows a device-writable one", null);
    }

    private MalformedChainException tooLong(int head) {
        return bad(head, "chain is longer than the queue size " + size, null);
    }

    private static MalformedChainException badLink(int head, int index, int next, boolean indirect, int tableSize) {
        return bad(head, "descriptor " + index + " links to " + next + ", outside the "
                + (indirect ? "indirect table of " : "queue of size ") + tableSize, null);
    }

    /** Checks indirect descriptor {@code index} and returns the region that holds its table. */
    private GuestRegion indirectTable(int head, int index, long addr, int len, int flags, boolean inIndirect,
            int room) throws MalformedChainException {
        if (inIndirect) {
            throw bad(head, "an indirect table contains an indirect descriptor", null);
        }
        if (!indirectAllowed) {
            throw bad(head, "indirect descriptor used but VIRTIO_RING_F_INDIRECT_DESC was not negotiated", null);
        }
        if ((flags & DESC_F_NEXT) != 0) {
            throw bad(head, "indirect descriptor " + index + " also has the NEXT flag", null);
        }
        long tableLen = Integer.toUnsignedLong(len);
        if (tableLen == 0 || tableLen % DESC_SIZE != 0) {
            throw bad(head, "indirect table length " + tableLen + " is not a positive multiple of 16", null);
        }
        if (tableLen / DESC_SIZE > room) {
            throw bad(head, "indirect table of " + tableLen / DESC_SIZE
                    + " descriptors makes the chain longer than the queue size " + size, null);
        }
        GuestRegion region = memory.regionOf(addr, tableLen);
        if (region == null) {
            throw bad(head, String.format("indirect table at 0x%x (%d bytes) is not in guest memory", addr,
                    tableLen), null);
        }
        return region;
    }

    /**
     * Puts chain {@code head} on the used ring with {@code writtenLength} bytes written by the device, and publishes
     * it (with any element {@link #putUsed} put before) at once.
     */
    public void addUsed(int head, int writtenLength) throws BrokenQueueException {
        putUsed(head, writtenLength);
        publishUsed();
    }

    /**
     * Puts chain {@code head} on the used ring without publishing the used index yet: the driver sees the element
     * at the next {@link #publishUsed()}, {@link #addUsed}, {@link #needsNotification()}, or {@link #pop} that has
     * taken every chain it saw (so a queue's worth at most waits).
     */
    public void putUsed(int head, int writtenLength) {
        rings.setUsedEntry(nextUsed, head, writtenLength);
        nextUsed = (nextUsed + 1) & 0xffff;
    }

    /** Makes every used element put so far visible to the driver: writes the used index, with release semantics. */
    public void publishUsed() throws BrokenQueueException {
        if (publishedUsed == nextUsed) {
            return;
        }
        fencedSinceUsed = false;
        try {
            rings.setUsedIdx(nextUsed);
        } catch (GuestMemoryException e) {
            throw broken("cannot write the used ring", e);
        }
        publishedUsed = nextUsed;
    }

    /**
     * Whether the driver wants an interrupt for the used elements added since the last call that returned true
     * (used_event with EVENT_IDX, otherwise the avail ring's NO_INTERRUPT flag). Publishes pending used elements
     * first.
     *
     * <p>The used index must be visible before the driver's setting is read (a full fence between the two); when a
     * fence already ran after the last used index was published, as {@link #setNotification(boolean)
     * setNotification(true)} runs one, it is not repeated.
     */
    public boolean needsNotification() throws BrokenQueueException {
        publishUsed();
        if (!fencedSinceUsed) {
            fullFence();
        }
        if (!eventIdx) {
            return (rings.availFlags() & SplitRing.AVAIL_F_NO_INTERRUPT) == 0;
        }
        int usedEvent = rings.usedEvent();
        int old = signalledUsed;
        boolean valid = signalledValid;
        signalledUsed = nextUsed;
        signalledValid = true;
        return !valid || SplitRing.needEvent(usedEvent, nextUsed, old);
    }

    /**
     * Tells the driver whether the device wants to be notified of new available chains (the used ring's
     * NO_NOTIFY flag, or avail_event with EVENT_IDX). After enabling, check {@link #hasAvailable()} again: chains
     * made available in between would otherwise wait for the next notification.
     *
     * <p>Enabling is followed by a full fence, so that the setting is visible before the available index is read
     * again. Disabling needs none: at worst the driver sees the old setting and notifies once more.
     */
    public void setNotification(boolean enabled) throws BrokenQueueException {
        if (eventIdx) {
            if (enabled) {
                rings.setAvailEvent(nextAvail);
            }
        } else {
            rings.setUsedFlags(enabled ? 0 : SplitRing.USED_F_NO_NOTIFY);
        }
        if (enabled) {
            fullFence();
        }
    }

    private void fullFence() {
        GuestMemory.fullFence();
        fencedSinceUsed = true;
    }

    private int availIdx() throws BrokenQueueException {
        try {
            return rings.availIdx();
        } catch (GuestMemoryException e) {
            throw broken("cannot read the available index", e);
        }
    }

    private static MalformedChainException bad(int head, String why, Throwable cause) {
        return new MalformedChainException(head, true, "malformed chain at head " + head + ": " + why, cause);
    }

    private BrokenQueueException broken(String what, GuestMemoryException e) {
        return new BrokenQueueException(what + " of " + config + ": " + e.getMessage(), e);
    }
}
