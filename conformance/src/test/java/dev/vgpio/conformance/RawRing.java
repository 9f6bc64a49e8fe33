package dev.vgpio.conformance;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.SplitRing;

/**
 * The driver's side of a split ring written and read field by field, with nothing checked: any descriptor, any
 * head on the available ring, any available index, any used_event. What a hostile guest does to a ring it shares
 * with the device. The offsets are the split ring's (virtio 1.x 2.7): descriptor {@code le64 addr; le32 len; le16
 * flags; le16 next}; available ring {@code flags, idx, ring[size], used_event}; used ring {@code flags, idx,
 * {le32 id; le32 len}[size], avail_event}.
 */
final class RawRing {
    /** One element of the used ring. */
    record Used(int id, long length) {
    }

    final GuestMemory memory;
    final QueueConfig config;
    final int size;
    /** The available index the next {@link #offer} fills; {@link #publish} makes it the ring's. */
    private int availShadow;

    RawRing(GuestMemory memory, QueueConfig config) {
        this.memory = memory;
        this.config = config;
        this.size = config.size();
    }

    /** Zeroes the three parts of the ring and starts offering from index 0 again (a driver resetting it). */
    void reset() throws GuestMemoryException {
        memory.fill(config.descTable(), SplitRing.descTableSize(size), (byte) 0);
        memory.fill(config.availRing(), SplitRing.availRingSize(size), (byte) 0);
        memory.fill(config.usedRing(), SplitRing.usedRingSize(size), (byte) 0);
        availShadow = 0;
    }

    /** Writes descriptor {@code index} of the table (or, for an index past it, wherever the address lands). */
    void descriptor(int index, long addr, long length, int flags, int next) throws GuestMemoryException {
        long d = config.descTable() + (long) SplitRing.DESC_SIZE * index;
        memory.writeU64(d, addr);
        memory.writeU32(d + 8, length);
        memory.writeU16(d + 12, flags);
        memory.writeU16(d + 14, next);
    }

    /** Writes a descriptor into a table of the driver's own (an indirect table) at {@code table}. */
    void tableEntry(long table, int index, long addr, long length, int flags, int next) throws GuestMemoryException {
        long d = table + (long) SplitRing.DESC_SIZE * index;
        memory.writeU64(d, addr);
        memory.writeU32(d + 8, length);
        memory.writeU16(d + 12, flags);
        memory.writeU16(d + 14, next);
    }

    /** Puts {@code head}, whatever it is, on the available ring, not yet published. */
    void offer(int head) throws GuestMemoryException {
        memory.writeU16(config.availRing() + 4 + 2L * (availShadow % size), head);
        availShadow = (availShadow + 1) & 0xffff;
    }

    /** Publishes every offered head: writes the available index. */
    void publish() throws GuestMemoryException {
        memory.writeU16Release(config.availRing() + 2, availShadow);
    }

    /** Writes the available index as {@code idx}, consistent with nothing; later offers continue from it. */
    void publishRaw(int idx) throws GuestMemoryException {
        availShadow = idx & 0xffff;
        memory.writeU16Release(config.availRing() + 2, availShadow);
    }

    int availIdx() {
        return availShadow;
    }

    int usedIdx() throws GuestMemoryException {
        return memory.readU16Acquire(config.usedRing() + 2);
    }

    Used used(int position) throws GuestMemoryException {
        long at = config.usedRing() + 4 + 8L * (position % size);
        return new Used((int) memory.readU32(at), memory.readU32(at + 4));
    }

    /** used_event (EVENT_IDX): the used index after which the driver wants the next interrupt. */
    void usedEvent(int idx) throws GuestMemoryException {
        memory.writeU16(config.availRing() + 4 + 2L * size, idx);
    }

    /** avail->flags (VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX). */
    void availFlags(int flags) throws GuestMemoryException {
        memory.writeU16(config.availRing(), flags);
    }
}
