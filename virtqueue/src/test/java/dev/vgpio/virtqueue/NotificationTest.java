package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.Ring.DATA;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NotificationTest {
    private static final RingFeatures NO_EVENT_IDX = RingFeatures.NONE;

    private static void submitOne(Ring ring) throws Exception {
        ring.driver.begin().readable(DATA, 8).writable(DATA + 8, 2).submit();
        ring.driver.publish();
    }

    @Test
    void withoutEventIdxTheUsedFlagSuppressesKicks() throws Exception {
        try (Ring ring = new Ring(8, NO_EVENT_IDX)) {
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isTrue();
            ring.device.setNotification(false);
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isFalse();
            ring.device.setNotification(true);
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isTrue();
        }
    }

    @Test
    void withoutEventIdxTheAvailFlagSuppressesInterrupts() throws Exception {
        try (Ring ring = new Ring(8, NO_EVENT_IDX)) {
            submitOne(ring);
            ring.device.pop(ring.chain);
            ring.device.addUsed(ring.chain.head(), 2);
            assertThat(ring.device.needsNotification()).isTrue();
            ring.driver.setInterrupts(false);
            assertThat(ring.device.needsNotification()).isFalse();
            ring.driver.setInterrupts(true);
            assertThat(ring.device.needsNotification()).isTrue();
        }
    }

    @Test
    void withEventIdxTheDriverKicksOnlyWhenCrossingAvailEvent() throws Exception {
        try (Ring ring = new Ring(8, RingFeatures.ALL)) {
            ring.device.setNotification(true); // avail_event = 0: wake me at the first chain
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isTrue();
            ring.device.pop(ring.chain); // device is busy and does not re-arm
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isFalse();
            ring.device.pop(ring.chain);
            ring.device.setNotification(true); // avail_event = 2
            submitOne(ring);
            assertThat(ring.driver.kickNeeded()).isTrue();
        }
    }

    @Test
    void withEventIdxTheDeviceInterruptsOnlyWhenCrossingUsedEvent() throws Exception {
        try (Ring ring = new Ring(8, RingFeatures.ALL)) {
            ring.driver.setInterrupts(true); // used_event = 0
            for (int i = 0; i < 3; i++) {
                submitOne(ring);
            }
            ring.device.pop(ring.chain);
            ring.device.addUsed(ring.chain.head(), 2);
            assertThat(ring.device.needsNotification()).isTrue();
            ring.device.pop(ring.chain);
            ring.device.addUsed(ring.chain.head(), 2);
            assertThat(ring.device.needsNotification()).as("driver has not consumed yet").isFalse();
            assertThat(ring.driver.drainUsed((h, l) -> { })).isEqualTo(2); // re-arms used_event = 2
            ring.device.pop(ring.chain);
            ring.device.addUsed(ring.chain.head(), 2);
            assertThat(ring.device.needsNotification()).isTrue();
        }
    }

    @Test
    void needEventFollowsTheVirtioFormulaAcrossWraparound() {
        assertThat(SplitRing.needEvent(0, 1, 0)).isTrue();
        assertThat(SplitRing.needEvent(0, 2, 1)).isFalse();
        assertThat(SplitRing.needEvent(0xffff, 0, 0xfffe)).isTrue();
        assertThat(SplitRing.needEvent(0xfffe, 1, 0xfffd)).isTrue();
        assertThat(SplitRing.needEvent(5, 3, 1)).isFalse();
    }
}
