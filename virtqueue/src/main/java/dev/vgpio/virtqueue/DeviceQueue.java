package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.SplitRing.DESC_F_INDIRECT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_NEXT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_WRITE;
import static dev.vgpio.virtqueue.SplitRing.DESC_SIZE;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;

/**
 * The device side of a split virtqueue: takes descriptor chains off the available ring, validates them, and puts
 * used elements on the used ring, with notification suppression by flags or by VIRTIO_RING_F_EVENT_IDX.
 *
 * <p>Every value read from guest memory is checked before use. A bad chain raises {@link MalformedChainException}
 * after it has been consumed, so the next {@link #pop} carries on with the next chain; a ring the device cannot
 * reach raises {@link BrokenQueueException}. Not thread-safe: one thread serves a queue.
 */
public final class DeviceQueue {
    private final GuestMemory memory;
    private final QueueConfig config;
    private final int size;
    private final boolean eventIdx;
    private final boolean indirectAllowed;
    private int nextAvail;
    private int nextUsed;
    private int signalledUsed;
    private boolean signalledValid;

    private DeviceQueue(GuestMemory memory, QueueConfig config, long features) {
        this.memory = memory;
        this.config = config;
        this.size = config.size();
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
        this.indirectAllowed = VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);
    }

    /**
     * A device queue over {@code config}, honouring the negotiated ring features (EVENT_IDX, INDIRECT_DESC).
     *
     * @throws BrokenQueueException if the layout is invalid or not mapped
     */
    public static DeviceQueue create(GuestMemory memory, QueueConfig config, long negotiatedFeatures)
            throws BrokenQueueException {
        config.validate(memory);
        return new DeviceQueue(memory, config, negotiatedFeatures);
    }

    public QueueConfig config() {
        return config;
    }

    public int size() {
        return size;
    }

    public boolean eventIdx() {
        return eventIdx;
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

    /** Starts from ring index {@code base} for both rings, as after vhost-user SET_VRING_BASE. */
    public void setBase(int base) {
        nextAvail = base & 0xffff;
        nextUsed = base & 0xffff;
        signalledValid = false;
    }

    /** Resumes with distinct available and used positions (chains taken but not yet used in between). */
    public void setPositions(int nextAvail, int nextUsed) {
        this.nextAvail = nextAvail & 0xffff;
        this.nextUsed = nextUsed & 0xffff;
        signalledValid = false;
    }

    /** Reads the used index the ring currently holds, for resuming after a reconnect. */
    public int readUsedIdx() throws BrokenQueueException {
        try {
            return memory.readU16Acquire(config.usedRing() + 2);
        } catch (GuestMemoryException e) {
            throw broken("cannot read the used index", e);
        }
    }

    /** Whether the driver has made chains available that the device has not taken yet. */
    public boolean hasAvailable() throws BrokenQueueException {
        return availIdx() != nextAvail;
    }

    /**
     * Takes the next available chain into {@code chain}.
     *
     * @return false if no chain is available
     * @throws MalformedChainException if the chain breaks the rules (it is consumed all the same)
     * @throws BrokenQueueException if the rings cannot be read or the available index is impossible
     */
    public boolean pop(DescriptorChain chain) throws MalformedChainException, BrokenQueueException {
        int avail = availIdx();
        if (avail == nextAvail) {
            return false;
        }
        if (((avail - nextAvail) & 0xffff) > size) {
            throw new BrokenQueueException(String.format(
                    "available index moved from %d to %d, more than the queue size %d", nextAvail, avail, size));
        }
        int head;
        try {
            head = memory.readU16(config.availRing() + 4 + 2L * (nextAvail % size));
        } catch (GuestMemoryException e) {
            throw broken("cannot read the available ring", e);
        }
        nextAvail = (nextAvail + 1) & 0xffff;
        if (head >= size) {
            throw new MalformedChainException(head, false, String.format(
                    "available ring names descriptor %d, outside the queue of size %d", head, size), null);
        }
        walk(chain, head);
        return true;
    }

    private void walk(DescriptorChain chain, int head) throws MalformedChainException {
        chain.reset(head);
        long table = config.descTable();
        int tableSize = size;
        boolean indirect = false;
        boolean seenWritable = false;
        int index = head;
        int steps = 0;
        try {
            while (true) {
                if (++steps > tableSize) {
                    throw bad(head, indirect ? "indirect table chain is longer than the table (a loop?)"
                            : "chain is longer than the queue size " + size + " (a loop?)", null);
                }
                long desc = table + (long) DESC_SIZE * index;
                long addr = memory.readU64(desc);
                int len = (int) memory.readU32(desc + 8);
                int flags = memory.readU16(desc + 12);
                int next = memory.readU16(desc + 14);
                if ((flags & DESC_F_INDIRECT) != 0) {
                    if (indirect) {
                        throw bad(head, "an indirect table contains an indirect descriptor", null);
                    }
                    if (!indirectAllowed) {
                        throw bad(head, "indirect descriptor used but VIRTIO_RING_F_INDIRECT_DESC was not negotiated",
                                null);
                    }
                    if ((flags & DESC_F_NEXT) != 0) {
                        throw bad(head, "indirect descriptor " + index + " also has the NEXT flag", null);
                    }
                    long tableLen = Integer.toUnsignedLong(len);
                    if (tableLen == 0 || tableLen % DESC_SIZE != 0) {
                        throw bad(head, "indirect table length " + tableLen + " is not a positive multiple of 16",
                                null);
                    }
                    if (tableLen / DESC_SIZE > chain.capacity() - chain.size()) {
                        throw bad(head, "indirect table of " + tableLen / DESC_SIZE
                                + " descriptors makes the chain longer than the queue size " + size, null);
                    }
                    if (!memory.isMapped(addr, tableLen)) {
                        throw bad(head, String.format("indirect table at 0x%x (%d bytes) is not in guest memory",
                                addr, tableLen), null);
                    }
                    indirect = true;
                    table = addr;
                    tableSize = (int) (tableLen / DESC_SIZE);
                    index = 0;
                    steps = 0;
                    continue;
                }
                boolean writable = (flags & DESC_F_WRITE) != 0;
                if (len == 0) {
                    throw bad(head, "descriptor " + index + " has length 0", null);
                }
                if (!memory.isMapped(addr, Integer.toUnsignedLong(len))) {
                    throw bad(head, String.format("descriptor %d buffer 0x%x+%d is not in guest memory", index, addr,
                            Integer.toUnsignedLong(len)), null);
                }
                if (!writable && seenWritable) {
                    throw bad(head, "device-readable descriptor " + index + " follows a device-writable one", null);
                }
                seenWritable |= writable;
                if (!chain.add(addr, len, writable)) {
                    throw bad(head, "chain is longer than the queue size " + size, null);
                }
                if ((flags & DESC_F_NEXT) == 0) {
                    return;
                }
                if (next >= tableSize) {
                    throw bad(head, "descriptor " + index + " links to " + next + ", outside the "
                            + (indirect ? "indirect table of " : "queue of size ") + tableSize, null);
                }
                index = next;
            }
        } catch (GuestMemoryException e) {
            throw bad(head, "descriptor table not readable: " + e.getMessage(), e);
        }
    }

    /** Puts chain {@code head} on the used ring with {@code writtenLength} bytes written by the device. */
    public void addUsed(int head, int writtenLength) throws BrokenQueueException {
        long elem = config.usedRing() + 4 + 8L * (nextUsed % size);
        try {
            memory.writeU32(elem, head);
            memory.writeU32(elem + 4, Integer.toUnsignedLong(writtenLength));
            nextUsed = (nextUsed + 1) & 0xffff;
            memory.writeU16Release(config.usedRing() + 2, nextUsed);
        } catch (GuestMemoryException e) {
            throw broken("cannot write the used ring", e);
        }
    }

    /**
     * Whether the driver wants an interrupt for the used elements added since the last call that returned true
     * (used_event with EVENT_IDX, otherwise the avail ring's NO_INTERRUPT flag).
     */
    public boolean needsNotification() throws BrokenQueueException {
        GuestMemory.fullFence();
        try {
            if (!eventIdx) {
                return (memory.readU16(config.availRing()) & SplitRing.AVAIL_F_NO_INTERRUPT) == 0;
            }
            int usedEvent = memory.readU16(config.availRing() + 4 + 2L * size);
            int old = signalledUsed;
            boolean valid = signalledValid;
            signalledUsed = nextUsed;
            signalledValid = true;
            return !valid || SplitRing.needEvent(usedEvent, nextUsed, old);
        } catch (GuestMemoryException e) {
            throw broken("cannot read the driver's notification settings", e);
        }
    }

    /**
     * Tells the driver whether the device wants to be notified of new available chains (the used ring's
     * NO_NOTIFY flag, or avail_event with EVENT_IDX). After enabling, check {@link #hasAvailable()} again: chains
     * made available in between would otherwise wait for the next notification.
     */
    public void setNotification(boolean enabled) throws BrokenQueueException {
        try {
            if (eventIdx) {
                if (enabled) {
                    memory.writeU16(config.usedRing() + 4 + 8L * size, nextAvail);
                }
            } else {
                memory.writeU16(config.usedRing(), enabled ? 0 : SplitRing.USED_F_NO_NOTIFY);
            }
            GuestMemory.fullFence();
        } catch (GuestMemoryException e) {
            throw broken("cannot write the notification settings", e);
        }
    }

    private int availIdx() throws BrokenQueueException {
        try {
            return memory.readU16Acquire(config.availRing() + 2);
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
