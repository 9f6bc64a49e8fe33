package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.Ring.DATA;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_INDIRECT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_NEXT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every malformed chain is reported, consumed, and leaves the queue able to serve the next valid chain. */
class MalformedChainTest {
    private static final long TABLE = DATA + 0x2000;
    private Ring ring;

    @BeforeEach
    void open() throws Exception {
        ring = new Ring(8, RingFeatures.ALL);
    }

    @AfterEach
    void close() {
        ring.close();
    }

    private void expectMalformed(int head, String message) throws Exception {
        ring.driver.pushAvail(head);
        ring.driver.publish();
        assertThatThrownBy(() -> ring.device.pop(ring.chain))
                .isInstanceOf(MalformedChainException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((MalformedChainException) e).head()).isEqualTo(head));
        // the queue stays usable: the bad chain was consumed and a valid one behind it is served
        ring.driver.writeDescriptor(7, DATA, 8, DESC_F_NEXT, 6);
        ring.driver.writeDescriptor(6, DATA + 8, 2, DESC_F_WRITE, 0);
        ring.driver.pushAvail(7);
        ring.driver.publish();
        assertThat(ring.device.pop(ring.chain)).isTrue();
        assertThat(ring.chain.head()).isEqualTo(7);
        assertThat(ring.chain.size()).isEqualTo(2);
        assertThat(ring.device.hasAvailable()).isFalse();
    }

    private void indirectEntry(int i, long addr, int len, int flags, int next) throws Exception {
        long d = TABLE + 16L * i;
        ring.memory.writeU64(d, addr);
        ring.memory.writeU32(d + 8, len);
        ring.memory.writeU16(d + 12, flags);
        ring.memory.writeU16(d + 14, next);
    }

    @Test
    void loop() throws Exception {
        ring.driver.writeDescriptor(0, DATA, 8, DESC_F_NEXT, 1);
        ring.driver.writeDescriptor(1, DATA, 8, DESC_F_NEXT, 0);
        expectMalformed(0, "longer than the queue size 8");
    }

    @Test
    void selfLoop() throws Exception {
        ring.driver.writeDescriptor(2, DATA, 8, DESC_F_NEXT, 2);
        expectMalformed(2, "longer than the queue size");
    }

    @Test
    void loopInsideAnIndirectTable() throws Exception {
        indirectEntry(0, DATA, 8, DESC_F_NEXT, 1);
        indirectEntry(1, DATA, 8, DESC_F_NEXT, 0);
        ring.driver.writeDescriptor(0, TABLE, 32, DESC_F_INDIRECT, 0);
        expectMalformed(0, "longer than the table");
    }

    @Test
    void indirectTableLargerThanTheQueue() throws Exception {
        for (int i = 0; i < 9; i++) {
            indirectEntry(i, DATA, 8, i < 8 ? DESC_F_NEXT : 0, i + 1);
        }
        ring.driver.writeDescriptor(0, TABLE, 16 * 9, DESC_F_INDIRECT, 0);
        expectMalformed(0, "longer than the queue size 8");
    }

    @Test
    void indirectInsideIndirect() throws Exception {
        indirectEntry(0, TABLE + 0x100, 16, DESC_F_INDIRECT, 0);
        ring.driver.writeDescriptor(0, TABLE, 16, DESC_F_INDIRECT, 0);
        expectMalformed(0, "indirect table contains an indirect descriptor");
    }

    @Test
    void indirectWithoutTheFeature() throws Exception {
        ring.close();
        ring = new Ring(8, new RingFeatures(true, false));
        indirectEntry(0, DATA, 8, 0, 0);
        ring.driver.writeDescriptor(0, TABLE, 16, DESC_F_INDIRECT, 0);
        expectMalformed(0, "VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
    }

    @Test
    void indirectWithNext() throws Exception {
        indirectEntry(0, DATA, 8, 0, 0);
        ring.driver.writeDescriptor(0, TABLE, 16, DESC_F_INDIRECT | DESC_F_NEXT, 1);
        expectMalformed(0, "also has the NEXT flag");
    }

    @Test
    void indirectTableLengthNotAMultipleOf16() throws Exception {
        ring.driver.writeDescriptor(0, TABLE, 20, DESC_F_INDIRECT, 0);
        expectMalformed(0, "not a positive multiple of 16");
    }

    @Test
    void zeroLengthIndirectTable() throws Exception {
        ring.driver.writeDescriptor(0, TABLE, 0, DESC_F_INDIRECT, 0);
        expectMalformed(0, "not a positive multiple of 16");
    }

    @Test
    void indirectTableOutsideMemory() throws Exception {
        ring.driver.writeDescriptor(0, 0x1000, 32, DESC_F_INDIRECT, 0);
        expectMalformed(0, "indirect table at 0x1000");
    }

    @Test
    void zeroLengthDescriptor() throws Exception {
        ring.driver.writeDescriptor(0, DATA, 8, DESC_F_NEXT, 1);
        ring.driver.writeDescriptor(1, DATA, 0, DESC_F_WRITE, 0);
        expectMalformed(0, "descriptor 1 has length 0");
    }

    @Test
    void zeroLengthDescriptorInsideAnIndirectTable() throws Exception {
        indirectEntry(0, DATA, 0, 0, 0);
        ring.driver.writeDescriptor(0, TABLE, 16, DESC_F_INDIRECT, 0);
        expectMalformed(0, "has length 0");
    }

    @Test
    void bufferOutsideGuestMemory() throws Exception {
        ring.driver.writeDescriptor(0, 0xdead_0000L, 8, 0, 0);
        expectMalformed(0, "0xdead0000+8 is not in guest memory");
    }

    @Test
    void bufferCrossingTheEndOfGuestMemory() throws Exception {
        ring.driver.writeDescriptor(0, Ring.BASE + Ring.SIZE - 4, 8, 0, 0);
        expectMalformed(0, "is not in guest memory");
    }

    @Test
    void bufferWithAHugeLength() throws Exception {
        ring.driver.writeDescriptor(0, DATA, -1, 0, 0);
        expectMalformed(0, "+4294967295 is not in guest memory");
    }

    @Test
    void readableAfterWritable() throws Exception {
        ring.driver.writeDescriptor(0, DATA, 2, DESC_F_WRITE | DESC_F_NEXT, 1);
        ring.driver.writeDescriptor(1, DATA, 8, 0, 0);
        expectMalformed(0, "device-readable descriptor 1 follows a device-writable one");
    }

    @Test
    void readableAfterWritableInsideAnIndirectTable() throws Exception {
        indirectEntry(0, DATA, 2, DESC_F_WRITE | DESC_F_NEXT, 1);
        indirectEntry(1, DATA, 8, 0, 0);
        ring.driver.writeDescriptor(0, TABLE, 32, DESC_F_INDIRECT, 0);
        expectMalformed(0, "follows a device-writable one");
    }

    @Test
    void nextOutsideTheQueue() throws Exception {
        ring.driver.writeDescriptor(0, DATA, 8, DESC_F_NEXT, 8);
        expectMalformed(0, "links to 8, outside the queue of size 8");
    }

    @Test
    void nextOutsideTheIndirectTable() throws Exception {
        indirectEntry(0, DATA, 8, DESC_F_NEXT, 5);
        ring.driver.writeDescriptor(0, TABLE, 32, DESC_F_INDIRECT, 0);
        expectMalformed(0, "outside the indirect table of 2");
    }

    @Test
    void headOutsideTheQueueIsNotReturnable() throws Exception {
        ring.driver.pushAvail(9);
        ring.driver.publish();
        assertThatThrownBy(() -> ring.device.pop(ring.chain))
                .isInstanceOf(MalformedChainException.class)
                .hasMessageContaining("descriptor 9, outside the queue")
                .satisfies(e -> assertThat(((MalformedChainException) e).returnable()).isFalse());
        assertThat(ring.device.hasAvailable()).isFalse();
    }
}
