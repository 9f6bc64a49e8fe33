package dev.vgpio.virtqueue;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The three parts of a split ring as segments sliced once, when the queue is set up, from the guest memory regions
 * {@link QueueConfig#validate} found them in; ring fields are then read and written at fixed offsets with no address
 * translation. Index arguments are ring positions (free-running 16-bit counters, reduced modulo the queue size
 * here) or descriptor indices, which the callers have checked against the queue size. The segments keep the
 * regions' lifetime: once guest memory is unmapped every access fails, as it would through {@link GuestMemory}.
 *
 * <p>Layouts (virtio 1.x, little-endian): descriptor {@code le64 addr; le32 len; le16 flags; le16 next}, read and
 * written as two 64-bit words; available ring {@code le16 flags; le16 idx; le16 ring[size]; le16 used_event}; used
 * ring {@code le16 flags; le16 idx; {le32 id; le32 len} ring[size]; le16 avail_event}.
 */
final class RingView {
    private static final ValueLayout.OfShort LE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE16_ATOMIC = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final long IDX = 2;
    private static final long RING = 4;

    private final GuestMemory memory;
    private final QueueConfig config;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final int mask;
    private final long availEvent;
    private final long usedEvent;
    /** Whether both ring indices sit at 2-byte aligned host addresses, as acquire/release accesses need. */
    private final boolean indicesAligned;

    private RingView(GuestMemory memory, QueueConfig config) throws GuestMemoryException {
        int size = config.size();
        this.memory = memory;
        this.config = config;
        this.desc = memory.slice(config.descTable(), SplitRing.descTableSize(size));
        this.avail = memory.slice(config.availRing(), SplitRing.availRingSize(size));
        this.used = memory.slice(config.usedRing(), SplitRing.usedRingSize(size));
        this.mask = size - 1;
        this.usedEvent = RING + 2L * size;
        this.availEvent = RING + 8L * size;
        this.indicesAligned = aligned(avail, IDX) && aligned(used, IDX);
    }

    /**
     * Views of the rings of {@code config}, which {@link QueueConfig#validate} accepted for {@code memory}.
     *
     * @throws BrokenQueueException if a ring is not mapped after all
     */
    static RingView of(GuestMemory memory, QueueConfig config) throws BrokenQueueException {
        try {
            return new RingView(memory, config);
        } catch (GuestMemoryException e) {
            throw new BrokenQueueException("cannot map the rings of " + config + ": " + e.getMessage(), e);
        }
    }

    private static boolean aligned(MemorySegment ring, long offset) {
        return !ring.isNative() || ((ring.address() + offset) & 1) == 0;
    }

    /**
     * The segment holding the descriptor table (offset 0 is descriptor 0); the device walks it with {@link #LE64}
     * reads of a descriptor's two words ({@code addr}, then {@code len | flags << 32 | next << 48}).
     */
    MemorySegment descTable() {
        return desc;
    }

    void writeDesc(int i, long addr, int len, int flags, int next) {
        long at = (long) SplitRing.DESC_SIZE * i;
        desc.set(LE64, at, addr);
        desc.set(LE64, at + 8, descWord(len, flags, next));
    }

    /** The second 64-bit word of a descriptor. */
    private static long descWord(int len, int flags, int next) {
        return Integer.toUnsignedLong(len) | (long) (flags & 0xffff) << 32 | (long) (next & 0xffff) << 48;
    }

    int availFlags() {
        return Short.toUnsignedInt(avail.get(LE16, 0));
    }

    void setAvailFlags(int flags) {
        avail.set(LE16, 0, (short) flags);
    }

    /** {@code avail->idx}, with acquire semantics. */
    int availIdx() throws GuestMemoryException {
        if (!indicesAligned) {
            return memory.readU16Acquire(config.availRing() + IDX); // reports the misalignment
        }
        return Short.toUnsignedInt((short) LE16_ATOMIC.getAcquire(avail, IDX));
    }

    /** Publishes {@code avail->idx} with release semantics. */
    void setAvailIdx(int idx) throws GuestMemoryException {
        if (!indicesAligned) {
            memory.writeU16Release(config.availRing() + IDX, idx);
            return;
        }
        LE16_ATOMIC.setRelease(avail, IDX, (short) idx);
    }

    /** The head at available ring position {@code pos}. */
    int availEntry(int pos) {
        return Short.toUnsignedInt(avail.get(LE16, RING + 2L * (pos & mask)));
    }

    void setAvailEntry(int pos, int head) {
        avail.set(LE16, RING + 2L * (pos & mask), (short) head);
    }

    int usedEvent() {
        return Short.toUnsignedInt(avail.get(LE16, usedEvent));
    }

    void setUsedEvent(int idx) {
        avail.set(LE16, usedEvent, (short) idx);
    }

    int usedFlags() {
        return Short.toUnsignedInt(used.get(LE16, 0));
    }

    void setUsedFlags(int flags) {
        used.set(LE16, 0, (short) flags);
    }

    /** {@code used->idx}, with acquire semantics. */
    int usedIdx() throws GuestMemoryException {
        if (!indicesAligned) {
            return memory.readU16Acquire(config.usedRing() + IDX);
        }
        return Short.toUnsignedInt((short) LE16_ATOMIC.getAcquire(used, IDX));
    }

    /** Publishes {@code used->idx} with release semantics. */
    void setUsedIdx(int idx) throws GuestMemoryException {
        if (!indicesAligned) {
            memory.writeU16Release(config.usedRing() + IDX, idx);
            return;
        }
        LE16_ATOMIC.setRelease(used, IDX, (short) idx);
    }

    /** The used element at position {@code pos} as {@code id | len << 32}. */
    long usedEntry(int pos) {
        return used.get(LE64, RING + 8L * (pos & mask));
    }

    void setUsedEntry(int pos, int id, int len) {
        used.set(LE64, RING + 8L * (pos & mask), Integer.toUnsignedLong(id) | (long) len << 32);
    }

    int availEvent() {
        return Short.toUnsignedInt(used.get(LE16, availEvent));
    }

    void setAvailEvent(int idx) {
        used.set(LE16, availEvent, (short) idx);
    }
}
