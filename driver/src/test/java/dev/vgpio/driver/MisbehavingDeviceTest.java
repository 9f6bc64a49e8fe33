package dev.vgpio.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioException.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A device that breaks the spec in one way or another must give the caller a clear exception, never a hang. */
class MisbehavingDeviceTest {
    enum Fault { NONE, SILENT, WRONG_LENGTH, FOREIGN_HEAD, DUPLICATE_NAMES, RESERVED_CAPS, CAPS_REFUSED }

    /** Two lines "A" and "B" (or "A" twice), answering GET_DIRECTION with NONE, broken as {@link Fault} says. */
    static final class FakeDevice implements VirtioDevice {
        final Fault fault;
        DeviceQueue queue;
        Notifier used;
        final byte[] names;

        FakeDevice(Fault fault) {
            this.fault = fault;
            this.names = fault == Fault.DUPLICATE_NAMES ? new byte[] {'A', 0, 'A', 0} : new byte[] {'A', 0, 'B', 0};
        }

        public int deviceId() {
            return 41;
        }

        public int queueCount() {
            return 2;
        }

        public long deviceFeatures() {
            return fault == Fault.RESERVED_CAPS || fault == Fault.CAPS_REFUSED ? GpioFeatures.LINE_CONFIG : 0;
        }

        public void negotiate(long features) {
        }

        public boolean queueAvailable(int index) {
            return index == 0;
        }

        public int configSize() {
            return 8;
        }

        public void readConfig(int offset, MemorySegment dst, int length) {
            MemorySegment c = Arena.ofAuto().allocate(8);
            new GpioConfig(2, names.length).encode(c, 0);
            MemorySegment.copy(c, offset, dst, 0, length);
        }

        public void startQueue(int index, DeviceQueue q, Notifier used, Notifier error) {
            this.queue = q;
            this.used = used;
        }

        public void stopQueue(int index) {
        }

        public void queueNotified(int index) {
            DescriptorChain c = queue.newChain();
            try {
                while (queue.pop(c)) {
                    MemorySegment req = Arena.ofAuto().allocate(8);
                    c.readFrom(queue.memory(), req, 0, 8);
                    int type = req.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
                    boolean names = type == MessageType.GET_LINE_NAMES.code();
                    if (fault == Fault.SILENT && !names) {
                        continue;
                    }
                    MemorySegment resp = Arena.ofAuto().allocate(1 + this.names.length);
                    if (names) {
                        MemorySegment.copy(this.names, 0, resp, ValueLayout.JAVA_BYTE, 1, this.names.length);
                    }
                    if (type == MessageType.GET_LINE_CAPS.code() && fault == Fault.RESERVED_CAPS) {
                        resp.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x82); // bit 7 is reserved; bit 1 is PULL_UP
                    }
                    if (type == MessageType.GET_LINE_CAPS.code() && fault == Fault.CAPS_REFUSED) {
                        resp.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
                    }
                    int len = c.writeTo(queue.memory(), resp, 0, (int) c.writableBytes());
                    if (!names && fault == Fault.WRONG_LENGTH) {
                        len = 3;
                    }
                    int head = !names && fault == Fault.FOREIGN_HEAD ? (c.head() + 7) % queue.size() : c.head();
                    queue.addUsed(head, len);
                }
                queue.setNotification(true); // re-arm avail_event, as every device using EVENT_IDX must
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            used.notifyDriver();
        }

        public void setWakeup(Runnable wakeup) {
        }

        public void onWakeup() {
        }
    }

    private static GpioChip open(Fault fault) throws Exception {
        return GpioChip.open(new InProcessTransport(new FakeDevice(fault), 1 << 20),
                new GpioChip.Options(Duration.ofMillis(300), 64, true));
    }

    @Test
    void aWellBehavedFakeWorks() throws Exception {
        try (GpioChip chip = open(Fault.NONE)) {
            assertThat(chip.lineNames()).containsExactly("A", "B");
            assertThat(chip.getDirection(1)).isEqualTo(dev.vgpio.protocol.Direction.NONE);
            assertThat(chip.hasInterrupts()).isFalse();
        }
    }

    @Test
    void silenceIsATimeoutNotAHang() throws Exception {
        try (GpioChip chip = open(Fault.SILENT)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> chip.getDirection(0))
                    .isInstanceOf(VirtioException.class)
                    .hasMessageContaining("did not answer GET_DIRECTION for line 0 within 300 ms")
                    .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.TIMED_OUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aWrongUsedLengthIsASpecViolation() throws Exception {
        try (GpioChip chip = open(Fault.WRONG_LENGTH)) {
            assertThatThrownBy(() -> chip.getDirection(0))
                    .isInstanceOf(VirtioException.class)
                    .hasMessageContaining("spec violation")
                    .hasMessageContaining("used length 3; it must be 2")
                    .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.PROTOCOL_VIOLATION);
        }
    }

    @Test
    void aBufferTheDriverNeverGaveIsASpecViolation() throws Exception {
        try (GpioChip chip = open(Fault.FOREIGN_HEAD)) {
            assertThatThrownBy(() -> chip.getDirection(0))
                    .isInstanceOf(VirtioException.class)
                    .hasMessageContaining("did not make available");
            assertThatThrownBy(() -> chip.getDirection(1)).as("the chip stays failed, with the reason")
                    .hasMessageContaining("did not make available")
                    .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.PROTOCOL_VIOLATION);
        }
    }

    @Test
    void duplicateLineNamesAreReportedAsASpecViolation() {
        assertThatThrownBy(() -> open(Fault.DUPLICATE_NAMES))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("spec violation in the device's line names")
                .hasMessageContaining("duplicate line name \"A\" on lines 0 and 1")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.PROTOCOL_VIOLATION);
    }

    @Test
    void reservedCapsBitsAreIgnoredAsTheExtensionRequiresOfADriver() throws Exception {
        try (GpioChip chip = open(Fault.RESERVED_CAPS)) {
            assertThat(chip.supportsLineConfig()).isTrue();
            assertThat(chip.lineCaps(0)).isEqualTo(dev.vgpio.protocol.LineCaps.PULL_UP);
            assertThat(chip.lineCaps(1)).isEqualTo(dev.vgpio.protocol.LineCaps.PULL_UP);
        }
    }

    @Test
    void aRefusedGetLineCapsIsASpecViolationOnceNegotiated() {
        assertThatThrownBy(() -> open(Fault.CAPS_REFUSED))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("answered GET_LINE_CAPS for line 0 with ERR although VIRTIO_GPIO_F_LINE_CONFIG"
                        + " was negotiated")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.PROTOCOL_VIOLATION);
    }

    @Test
    void withoutLineConfigTheFakeIsNeverAskedForCaps() throws Exception {
        try (GpioChip chip = GpioChip.open(new InProcessTransport(new FakeDevice(Fault.RESERVED_CAPS), 1 << 20),
                new GpioChip.Options(Duration.ofMillis(300), 64, true, false))) {
            assertThat(chip.supportsLineConfig()).isFalse();
            assertThat(chip.lineCaps(0)).isZero();
        }
    }
}
