package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.Ring.DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rings accessed through segments sliced at set-up, buffers translated once per walk, and used elements
 * published in batches: the same results as translating every access.
 */
class TranslateOnceTest {
    private Ring ring;

    @AfterEach
    void close() {
        if (ring != null) {
            ring.close();
        }
    }

    @Test
    void chainRecordsWhereEachBufferIs() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        ring.memory.write(DATA + 0x40, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8);
        ring.driver.begin().readable(DATA + 0x40, 8).writable(DATA + 0x80, 2).submitIndirect(DATA + 0x1000);
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        DescriptorChain c = ring.chain;
        assertThat(c.memory()).isSameAs(ring.memory);
        for (int i = 0; i < c.size(); i++) {
            GuestRegion r = ring.memory.regionOf(c.address(i), c.length(i));
            assertThat(c.segment(i)).isSameAs(r.segment());
            assertThat(c.segmentOffset(i)).isEqualTo(c.address(i) - r.guestPhysAddr());
        }
        assertThat(c.segment(0).get(ValueLayout.JAVA_BYTE, c.segmentOffset(0) + 7)).isEqualTo((byte) 8);
    }

    @Test
    void copiesWithAnotherViewOfTheMemoryTranslateAgainWithTheSameResult() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        ring.memory.write(DATA, new byte[] {9, 8, 7, 6, 5, 4, 3, 2}, 0, 8);
        ring.driver.begin().readable(DATA, 3).readable(DATA + 3, 5).writable(DATA + 0x100, 1)
                .writable(DATA + 0x200, 1).submit();
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        GuestMemory other = GuestMemory.of(ring.memory.regions());
        MemorySegment scratch = ring.arena.allocate(16);
        assertThat(ring.chain.readFrom(other, scratch, 0, 8)).isEqualTo(8);
        assertThat(scratch.get(ValueLayout.JAVA_BYTE, 7)).isEqualTo((byte) 2);
        scratch.set(ValueLayout.JAVA_BYTE, 8, (byte) 0x11);
        scratch.set(ValueLayout.JAVA_BYTE, 9, (byte) 0x22);
        assertThat(ring.chain.writeTo(other, scratch, 8, 2)).isEqualTo(2);
        assertThat(ring.memory.readU8(DATA + 0x100)).isEqualTo(0x11);
        assertThat(ring.memory.readU8(DATA + 0x200)).isEqualTo(0x22);
    }

    @Test
    void putUsedIsPublishedLaterAllAtOnce() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        for (int i = 0; i < 3; i++) {
            ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        }
        ring.driver.publish();
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertThat(ring.device.pop(ring.chain)).isTrue();
            heads.add(ring.chain.head());
            ring.device.putUsed(ring.chain.head(), 2);
        }
        assertThat(ring.driver.hasUsed()).as("not published yet").isFalse();
        assertThat(ring.device.nextUsed()).isEqualTo(2);
        ring.device.publishUsed();
        List<Integer> used = new ArrayList<>();
        assertThat(ring.driver.drainUsed((h, len) -> used.add(h))).isEqualTo(2);
        assertThat(used).isEqualTo(heads);

        assertThat(ring.device.pop(ring.chain)).isTrue();
        ring.device.putUsed(ring.chain.head(), 2);
        assertThat(ring.driver.hasUsed()).isFalse();
        ring.device.needsNotification(); // decides on what the driver can see: publishes first
        assertThat(ring.driver.drainUsed((h, len) -> { })).isEqualTo(1);
    }

    @Test
    void popPublishesUsedElementsOnceItHasTakenEveryChainItSaw() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        ring.device.putUsed(ring.chain.head(), 2);
        assertThat(ring.device.pop(ring.chain)).isFalse();
        assertThat(ring.driver.drainUsed((h, len) -> assertThat(len).isEqualTo(2))).isEqualTo(1);
    }

    @Test
    void addUsedPublishesEarlierPutsToo() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.publish();
        ring.device.pop(ring.chain);
        ring.device.putUsed(ring.chain.head(), 1);
        ring.device.pop(ring.chain);
        ring.device.addUsed(ring.chain.head(), 2);
        List<int[]> used = new ArrayList<>();
        assertThat(ring.driver.drainUsed((h, len) -> used.add(new int[] {h, len}))).isEqualTo(2);
        assertThat(used).extracting(u -> u[1]).containsExactly(1, 2);
    }

    @Test
    void chainsSeenAvailableAreTakenBeforeTheIndexIsCheckedAgain() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        ring.driver.publishRawAvailIdx(40); // a driver that jumps the index after the device looked
        assertThat(ring.device.pop(ring.chain)).isTrue();
        assertThatThrownBy(() -> ring.device.pop(ring.chain))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("more than the queue size 4");
    }

    @Test
    void ringIndicesAtAMisalignedHostAddressBreakTheQueueAsBefore() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment odd = arena.allocate(0x10000 + 1, 8).asSlice(1);
            GuestMemory memory = GuestMemory.of(GuestRegion.of(0x10000, odd));
            QueueConfig config = QueueConfig.contiguous(0x10000, 8);
            DeviceQueue device = DeviceQueue.create(memory, config, RingFeatures.ALL);
            assertThatThrownBy(() -> device.pop(device.newChain()))
                    .isInstanceOf(BrokenQueueException.class)
                    .hasMessageContaining("cannot read the available index")
                    .hasMessageContaining("not aligned");
            assertThatThrownBy(device::readUsedIdx)
                    .isInstanceOf(BrokenQueueException.class)
                    .hasMessageContaining("not aligned");
        }
    }

    @Test
    void driverWritesADescriptorOutsideItsTableThroughGuestMemory() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        ring.driver.writeDescriptor(4, 0x1234_5678L, 9, SplitRing.DESC_F_WRITE, 3);
        long at = ring.config.descTable() + 16L * 4; // the first bytes after the table: the available ring here
        assertThat(ring.memory.readU64(at)).isEqualTo(0x1234_5678L);
        assertThat(ring.memory.readU32(at + 8)).isEqualTo(9);
        assertThat(ring.memory.readU16(at + 12)).isEqualTo(SplitRing.DESC_F_WRITE);
        assertThat(ring.memory.readU16(at + 14)).isEqualTo(3);
        ring.driver.writeDescriptor(1, DATA, 8, SplitRing.DESC_F_NEXT, 2);
        long d1 = ring.config.descTable() + 16;
        assertThat(ring.memory.readU64(d1)).isEqualTo(DATA);
        assertThat(ring.memory.readU32(d1 + 8)).isEqualTo(8);
        assertThat(ring.memory.readU16(d1 + 12)).isEqualTo(SplitRing.DESC_F_NEXT);
        assertThat(ring.memory.readU16(d1 + 14)).isEqualTo(2);
    }
}
