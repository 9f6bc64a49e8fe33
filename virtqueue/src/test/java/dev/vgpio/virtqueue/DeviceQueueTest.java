package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.Ring.DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeviceQueueTest {
    private Ring ring;

    @AfterEach
    void close() {
        if (ring != null) {
            ring.close();
        }
    }

    @Test
    void chainRoundTripsFromDriverToDeviceAndBack() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        ring.memory.write(DATA, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8);
        int head = ring.driver.begin().readable(DATA, 4).readable(DATA + 4, 4).writable(DATA + 0x100, 2).submit();
        ring.driver.publish();

        assertThat(ring.device.pop(ring.chain)).isTrue();
        DescriptorChain c = ring.chain;
        assertThat(c.head()).isEqualTo(head);
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.readableCount()).isEqualTo(2);
        assertThat(c.writableCount()).isEqualTo(1);
        assertThat(c.readableBytes()).isEqualTo(8);
        assertThat(c.writableBytes()).isEqualTo(2);
        assertThat(c.isWritable(2)).isTrue();

        MemorySegment scratch = ring.arena.allocate(16);
        assertThat(c.readFrom(ring.memory, scratch, 0, 16)).isEqualTo(8);
        assertThat(scratch.get(ValueLayout.JAVA_BYTE, 7)).isEqualTo((byte) 8);
        scratch.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5a);
        assertThat(c.writeTo(ring.memory, scratch, 0, 5)).isEqualTo(2);
        ring.device.addUsed(c.head(), 2);
        assertThat(ring.device.pop(ring.chain)).isFalse();

        List<int[]> used = new ArrayList<>();
        assertThat(ring.driver.drainUsed((h, len) -> used.add(new int[] {h, len}))).isEqualTo(1);
        assertThat(used).containsExactly(new int[] {head, 2});
        assertThat(ring.memory.readU8(DATA + 0x100)).isEqualTo(0x5a);
        assertThat(ring.driver.freeDescriptors()).isEqualTo(8);
    }

    @Test
    void submitPairMakesTheSameChainAsTheBuilderRoundAfterRound() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        for (int round = 0; round < 5; round++) { // 4 pairs fill the 8 descriptors; the free list is reused
            int[] heads = new int[4];
            for (int i = 0; i < 4; i++) {
                heads[i] = ring.driver.submitPair(DATA + 16L * i, 8, DATA + 0x100 + 2L * i, 2);
            }
            assertThat(ring.driver.freeDescriptors()).isZero();
            assertThatThrownBy(() -> ring.driver.submitPair(DATA, 8, DATA + 8, 2))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("only 0 are free");
            ring.driver.publish();
            for (int i = 0; i < 4; i++) {
                assertThat(ring.device.pop(ring.chain)).isTrue();
                DescriptorChain c = ring.chain;
                assertThat(c.head()).isEqualTo(heads[i]);
                assertThat(c.readableCount()).isEqualTo(1);
                assertThat(c.writableCount()).isEqualTo(1);
                assertThat(c.address(0)).isEqualTo(DATA + 16L * i);
                assertThat(c.length(0)).isEqualTo(8);
                assertThat(c.address(1)).isEqualTo(DATA + 0x100 + 2L * i);
                assertThat(c.length(1)).isEqualTo(2);
                ring.device.putUsed(c.head(), 2);
            }
            ring.device.publishUsed();
            assertThat(ring.driver.drainUsed((h, len) -> { })).isEqualTo(4);
            assertThat(ring.driver.freeDescriptors()).isEqualTo(8);
        }
        ring.driver.begin().readable(DATA, 8);
        assertThatThrownBy(() -> ring.driver.submitPair(DATA, 8, DATA + 8, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("being built");
    }

    @Test
    void indirectChainsAreFlattened() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
        int head = ring.driver.begin().readable(DATA, 8).readable(DATA + 8, 8).readable(DATA + 16, 8)
                .writable(DATA + 32, 1).writable(DATA + 33, 1).submitIndirect(DATA + 0x1000);
        ring.driver.publish();
        assertThat(ring.driver.freeDescriptors()).isEqualTo(7);
        assertThat(ring.device.pop(ring.chain)).isTrue();
        assertThat(ring.chain.head()).isEqualTo(head);
        assertThat(ring.chain.size()).isEqualTo(5);
        assertThat(ring.chain.readableBytes()).isEqualTo(24);
        assertThat(ring.chain.writableBytes()).isEqualTo(2);
        assertThat(ring.chain.address(4)).isEqualTo(DATA + 33);
    }

    @Test
    void directDescriptorsMayPrecedeAnIndirectOne() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        // indirect table with one writable buffer
        ring.memory.writeU64(DATA + 0x1000, DATA + 64);
        ring.memory.writeU32(DATA + 0x1008, 2);
        ring.memory.writeU16(DATA + 0x100c, SplitRing.DESC_F_WRITE);
        ring.driver.writeDescriptor(0, DATA, 8, SplitRing.DESC_F_NEXT, 1);
        ring.driver.writeDescriptor(1, DATA + 0x1000, 16, SplitRing.DESC_F_INDIRECT, 0);
        ring.driver.pushAvail(0);
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        assertThat(ring.chain.readableCount()).isEqualTo(1);
        assertThat(ring.chain.writableCount()).isEqualTo(1);
    }

    @Test
    void sixteenBitIndicesWrapAround() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        for (int i = 0; i < 70_000; i++) {
            ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
            ring.driver.publish();
            assertThat(ring.device.pop(ring.chain)).isTrue();
            ring.device.addUsed(ring.chain.head(), 2);
            assertThat(ring.driver.drainUsed((h, len) -> assertThat(len).isEqualTo(2))).isEqualTo(1);
        }
        assertThat(ring.device.nextAvail()).isEqualTo(70_000 & 0xffff);
        assertThat(ring.device.nextUsed()).isEqualTo(70_000 & 0xffff);
        assertThat(ring.driver.freeDescriptors()).isEqualTo(4);
    }

    @Test
    void availIndexBeyondTheQueueSizeBreaksTheQueue() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        ring.driver.publishRawAvailIdx(5);
        assertThatThrownBy(() -> ring.device.pop(ring.chain))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("more than the queue size 4");
    }

    @Test
    void ringsOutsideGuestMemoryAreRefused() {
        ring = assertNoThrow();
        QueueConfig outside = new QueueConfig(8, 0x1000, 0x2000, 0x3000);
        assertThatThrownBy(() -> DeviceQueue.create(ring.memory, outside, RingFeatures.NONE))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("descriptor table at 0x1000");
        QueueConfig notPowerOfTwo = new QueueConfig(6, Ring.QUEUE, Ring.QUEUE + 0x1000, Ring.QUEUE + 0x2000);
        assertThatThrownBy(() -> DeviceQueue.create(ring.memory, notPowerOfTwo, RingFeatures.NONE))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("power of two");
        QueueConfig misaligned = new QueueConfig(8, Ring.QUEUE + 8, Ring.QUEUE + 0x1000, Ring.QUEUE + 0x2000);
        assertThatThrownBy(() -> DeviceQueue.create(ring.memory, misaligned, RingFeatures.NONE))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("not aligned");
    }

    private static Ring assertNoThrow() {
        try {
            return new Ring(8, RingFeatures.NONE);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void usedElementForAHeadNeverMadeAvailableIsReportedByTheDriver() throws Exception {
        ring = new Ring(4, RingFeatures.ALL);
        ring.driver.begin().readable(DATA, 8).submit();
        ring.driver.publish();
        ring.device.pop(ring.chain);
        ring.device.addUsed(3, 0);
        assertThatThrownBy(() -> ring.driver.drainUsed((h, l) -> { }))
                .isInstanceOf(BrokenQueueException.class)
                .hasMessageContaining("descriptor 3");
    }

    @Test
    void driverRefusesChainsItCannotHold() throws Exception {
        ring = new Ring(2, RingFeatures.ALL);
        assertThatThrownBy(() -> ring.driver.begin().readable(DATA, 1).readable(DATA, 1).readable(DATA, 1))
                .isInstanceOf(IllegalStateException.class);
        ring.driver.begin().readable(DATA, 1).readable(DATA, 1).submit();
        assertThatThrownBy(() -> ring.driver.begin().readable(DATA, 1).submit())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only 0 are free");
        assertThatThrownBy(() -> ring.driver.begin().writable(DATA, 1).readable(DATA, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before writable");
    }
}
