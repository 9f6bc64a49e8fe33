package dev.vgpio.virtqueue;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Fuzzes the descriptor-chain walker ({@link DeviceQueue#pop} over {@link RingView} into a {@link DescriptorChain})
 * with whatever a driver can put in guest memory: descriptor tables with any addresses, lengths, flags and links
 * (direct, indirect, loops, buffers outside memory, across a hole or two adjacent regions, at the top of the address
 * space, on the rings themselves), available indices that jump, ring positions anywhere in the 16-bit range, rings
 * laid out anywhere, and any bytes anywhere in memory.
 *
 * <p>Invariants: only {@link MalformedChainException} and {@link BrokenQueueException} come out; a returnable head
 * is a descriptor of the queue; every buffer of a chain lies inside one region and its recorded segment; the byte
 * counts add up; copies in and out of a chain stay inside it and write at most its writable bytes; and, when the
 * queue is not broken, a valid chain made available afterwards is taken exactly as it was written.
 *
 * <p>Input, in order (see {@link FuzzInput}): layout and features, queue size, ring positions, the available index,
 * descriptors, available ring entries, memory patches, then one operation byte and one write length per pop.
 */
class ChainWalkerFuzzTest {
    /** Region A holds the rings (contiguous layout) and most buffers; a hole follows it. */
    static final long A = 0x4000_0000L;
    static final long A_SIZE = 0x1_0000;
    static final long DATA = A + 0x4000;
    /** Regions B and C are adjacent: one buffer across both is in no single region. */
    static final long B = 0x4001_1000L;
    static final long C = 0x4001_2000L;
    /** Region D ends at the top of the 64-bit address space. */
    static final long D = 0xffff_ffff_ffff_f000L;
    static final long SMALL = 0x1000;
    private static final int MAX_SIZE = 256;
    private static final int SCRATCH = 0x2_0000;

    private static final Arena ARENA = Arena.ofShared();
    private static final MemorySegment SEG_A = ARENA.allocate(A_SIZE, 4096);
    private static final MemorySegment SEG_B = ARENA.allocate(SMALL, 4096);
    private static final MemorySegment SEG_C = ARENA.allocate(SMALL, 4096);
    private static final MemorySegment SEG_D = ARENA.allocate(SMALL, 4096);
    private static final List<GuestRegion> REGIONS = List.of(GuestRegion.of(A, SEG_A), GuestRegion.of(B, SEG_B),
            GuestRegion.of(C, SEG_C), GuestRegion.of(D, SEG_D));
    private static final MemorySegment SCRATCH_IN = ARENA.allocate(SCRATCH, 8);
    private static final MemorySegment SCRATCH_OUT = ARENA.allocate(SCRATCH, 8).fill((byte) 0x5a);

    @FuzzTest
    void popArbitraryChains(byte[] bytes) throws Exception {
        FuzzInput in = new FuzzInput(bytes);
        for (GuestRegion r : REGIONS) {
            r.segment().fill((byte) 0);
        }
        GuestMemory memory = GuestMemory.of(REGIONS);
        int mode = in.u8();
        RingFeatures features = new RingFeatures((mode & 1) != 0, (mode & 2) != 0);
        int layout = (mode >>> 2) & 3;
        int size = 1 << in.below(9);
        QueueConfig config = switch (layout) {
            case 0 -> QueueConfig.contiguous(A, size);
            case 1 -> new QueueConfig(size, A + (in.u16() & ~15), A + (in.u16() & ~1), A + (in.u16() & ~3));
            case 2 -> new QueueConfig(size, in.u64(), in.u64(), in.u64());
            default -> QueueConfig.contiguous(B + (in.u16() & 0xfff0), size);
        };
        int nextAvail = in.u16();
        int nextUsed = in.u16();
        int jump = in.u16();
        int availIdx = (nextAvail + (jump < 0x8000 ? jump % (size + 2) : jump)) & 0xffff;

        boolean ringsMapped = memory.isMapped(config.descTable(), SplitRing.descTableSize(size))
                && memory.isMapped(config.availRing(), SplitRing.availRingSize(size))
                && memory.isMapped(config.usedRing(), SplitRing.usedRingSize(size));
        if (ringsMapped) {
            writeRings(in, memory, config, nextAvail, availIdx);
        }
        patchMemory(in, memory);

        DeviceQueue queue;
        try {
            queue = DeviceQueue.create(memory, config, features);
        } catch (BrokenQueueException e) {
            assertThat(e).hasMessageContaining("0x");
            return;
        }
        queue.setPositions(nextAvail, nextUsed);
        DescriptorChain chain = queue.newChain();
        boolean broken = false;
        boolean drained = false;
        for (int step = 0; step < 4 * (size + 1) && !broken && !drained; step++) {
            try {
                operate(in.u8(), queue);
                if (!queue.pop(chain)) {
                    drained = true;
                    continue;
                }
                int written = checkAndUse(chain, memory, size, in.u16());
                int at = queue.nextUsed();
                queue.putUsed(chain.head(), written);
                assertUsedEntry(memory, config, at, chain.head(), written);
            } catch (MalformedChainException e) {
                assertThat(e.getMessage()).isNotBlank();
                assertThat(e.head()).isBetween(0, 0xffff);
                if (e.returnable()) {
                    assertThat(e.head()).isLessThan(size);
                    queue.putUsed(e.head(), 0);
                }
            } catch (BrokenQueueException e) {
                assertThat(e.getMessage()).isNotBlank();
                broken = true;
            }
        }
        if (layout == 0 && drained) {
            validChainIsTaken(memory, config, queue, chain, size);
        }
    }

    /** Descriptors, then available ring entries from {@code nextAvail}, then the available index. */
    private static void writeRings(FuzzInput in, GuestMemory memory, QueueConfig config, int nextAvail,
            int availIdx) throws GuestMemoryException {
        int size = config.size();
        int descriptors = Math.min(in.u8(), 64);
        for (int i = 0; i < descriptors; i++) {
            int index = in.below(size);
            long addr = address(in);
            int len = length(in);
            int flags = in.u16();
            int next = in.u16();
            long d = config.descTable() + (long) SplitRing.DESC_SIZE * index;
            memory.writeU64(d, addr);
            memory.writeU32(d + 8, Integer.toUnsignedLong(len));
            memory.writeU16(d + 12, flags);
            memory.writeU16(d + 14, next);
        }
        int entries = Math.min(in.u8(), 64);
        for (int i = 0; i < entries; i++) {
            int pos = (nextAvail + i) & (size - 1);
            memory.writeU16(config.availRing() + 4 + 2L * pos, in.u16());
        }
        memory.writeU16(config.availRing() + 2, availIdx);
    }

    /** A buffer or table address: mostly in or near a region, sometimes anything. */
    private static long address(FuzzInput in) {
        int kind = in.u8() & 7;
        return switch (kind) {
            case 0, 1 -> DATA + in.u16();
            case 2 -> A + in.u16();
            case 3 -> B + in.u16() % 0x2000;
            case 4 -> C + in.u16() % 0x1100;
            case 5 -> D + in.u16() % SMALL;
            case 6 -> in.u64();
            default -> in.u16();
        };
    }

    private static int length(FuzzInput in) {
        return switch (in.u8() & 3) {
            case 0, 1 -> in.u8();
            case 2 -> in.u16();
            default -> in.u32();
        };
    }

    /** Writes runs of arbitrary bytes anywhere in the regions: indirect tables, ring fields, anything. */
    private static void patchMemory(FuzzInput in, GuestMemory memory) throws GuestMemoryException {
        int patches = Math.min(in.u8(), 16);
        for (int i = 0; i < patches; i++) {
            GuestRegion r = REGIONS.get(in.u8() & 3);
            long offset = in.u16() % r.size();
            byte[] run = in.bytes((int) Math.min(in.u8(), r.size() - offset));
            memory.write(r.guestPhysAddr() + offset, run, 0, run.length);
        }
    }

    /** The notification calls a device makes between pops, as the operation byte asks. */
    private static void operate(int op, DeviceQueue queue) throws BrokenQueueException {
        if ((op & 1) != 0) {
            queue.hasAvailable();
        }
        if ((op & 2) != 0) {
            queue.setNotification((op & 4) != 0);
        }
        if ((op & 8) != 0) {
            queue.needsNotification();
        }
        if ((op & 16) != 0) {
            queue.publishUsed();
        }
    }

    /**
     * Checks a popped chain against the memory it came from, reads it and writes up to {@code want} bytes into it.
     *
     * @return the bytes written
     */
    private static int checkAndUse(DescriptorChain chain, GuestMemory memory, int size, int want)
            throws GuestMemoryException {
        assertThat(chain.head()).isBetween(0, size - 1);
        assertThat(chain.size()).isBetween(1, chain.capacity());
        assertThat(chain.memory()).isSameAs(memory);
        long readable = 0;
        long writable = 0;
        for (int i = 0; i < chain.size(); i++) {
            long len = Integer.toUnsignedLong(chain.length(i));
            assertThat(len).isPositive();
            GuestRegion region = memory.regionOf(chain.address(i), len);
            assertThat(region).as("buffer %d at 0x%x+%d is inside one region", i, chain.address(i), len)
                    .isNotNull();
            assertThat(chain.segment(i)).isSameAs(region.segment());
            assertThat(chain.segmentOffset(i)).isEqualTo(chain.address(i) - region.guestPhysAddr());
            assertThat(chain.segmentOffset(i) + len).isLessThanOrEqualTo(region.size());
            assertThat(chain.isWritable(i)).isEqualTo(i >= chain.readableCount());
            if (chain.isWritable(i)) {
                writable += len;
            } else {
                readable += len;
            }
        }
        assertThat(chain.readableCount() + chain.writableCount()).isEqualTo(chain.size());
        assertThat(chain.readableBytes()).isEqualTo(readable);
        assertThat(chain.writableBytes()).isEqualTo(writable);
        int read = chain.readFrom(memory, SCRATCH_IN, 0, SCRATCH);
        assertThat((long) read).isEqualTo(Math.min(readable, SCRATCH));
        int written = chain.writeTo(memory, SCRATCH_OUT, 0, Math.min(want, SCRATCH));
        assertThat((long) written).isEqualTo(Math.min(writable, Math.min(want, SCRATCH)));
        return written;
    }

    private static void assertUsedEntry(GuestMemory memory, QueueConfig config, int pos, int head, int len)
            throws GuestMemoryException {
        long element = config.usedRing() + 4 + 8L * (pos & (config.size() - 1));
        assertThat(memory.readU32(element)).isEqualTo(head);
        assertThat(memory.readU32(element + 4)).isEqualTo(Integer.toUnsignedLong(len));
    }

    /** After whatever came before, a well-formed chain is taken as written, and nothing else is. */
    private static void validChainIsTaken(GuestMemory memory, QueueConfig config, DeviceQueue queue,
            DescriptorChain chain, int size) throws Exception {
        RingView rings = RingView.of(memory, config);
        if (size > 1) {
            rings.writeDesc(0, DATA + 0x100, 8, SplitRing.DESC_F_NEXT, 1);
            rings.writeDesc(1, DATA + 0x200, 16, SplitRing.DESC_F_WRITE, 0);
        } else {
            rings.writeDesc(0, DATA + 0x200, 16, SplitRing.DESC_F_WRITE, 0);
        }
        int pos = queue.nextAvail();
        rings.setAvailEntry(pos, 0);
        rings.setAvailIdx((pos + 1) & 0xffff);
        assertThat(queue.pop(chain)).isTrue();
        assertThat(chain.head()).isZero();
        assertThat(chain.size()).isEqualTo(size > 1 ? 2 : 1);
        assertThat(chain.readableBytes()).isEqualTo(size > 1 ? 8 : 0);
        assertThat(chain.writableBytes()).isEqualTo(16);
        assertThat(chain.address(chain.size() - 1)).isEqualTo(DATA + 0x200);
        int used = queue.nextUsed();
        assertThat(chain.writeTo(memory, SCRATCH_OUT, 0, 64)).isEqualTo(16);
        queue.addUsed(0, 16);
        assertUsedEntry(memory, config, used, 0, 16);
        assertThat(rings.usedIdx()).isEqualTo(queue.nextUsed());
        assertThat(memory.readU8(DATA + 0x20f)).isEqualTo(SCRATCH_OUT.get(ValueLayout.JAVA_BYTE, 15) & 0xff);
        assertThat(queue.pop(chain)).isFalse();
    }
}
