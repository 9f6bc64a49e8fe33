package dev.vgpio.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.virtio.FeatureNames;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vhost-user carries any virtio device, not only GPIO: a made-up echo device (its own ID, feature bit, configuration
 * space and one queue) served by {@link VhostUserServer} and driven by {@link VhostUserFrontend}.
 */
class AnyDeviceTest {
    @TempDir
    Path dir;

    /** Answers each chain with its readable bytes upper-cased; its configuration space is "ECHO". */
    static final class EchoDevice implements VirtioDevice {
        static final int F_UPPER = 3;
        private DeviceQueue queue;
        private Notifier used;
        long negotiated;

        public int deviceId() {
            return 0x7e57;
        }

        public int queueCount() {
            return 1;
        }

        public long deviceFeatures() {
            return 1L << F_UPPER;
        }

        public FeatureNames featureNames() {
            return FeatureNames.VIRTIO.with(F_UPPER, "ECHO_F_UPPER");
        }

        public void negotiate(long features) {
            negotiated = features;
        }

        public boolean queueAvailable(int index) {
            return index == 0;
        }

        public int configSize() {
            return 4;
        }

        public void readConfig(int offset, MemorySegment dst, int length) {
            MemorySegment.copy(MemorySegment.ofArray("ECHO".getBytes(StandardCharsets.US_ASCII)), offset, dst, 0,
                    length);
        }

        public void startQueue(int index, DeviceQueue q, Notifier used, Notifier error) {
            this.queue = q;
            this.used = used;
        }

        public void stopQueue(int index) {
            queue = null;
        }

        public void queueNotified(int index) {
            DescriptorChain c = queue.newChain();
            MemorySegment buf = Arena.ofAuto().allocate(256);
            try {
                while (queue.pop(c)) {
                    int n = c.readFrom(queue.memory(), buf, 0, 256);
                    for (int i = 0; i < n; i++) {
                        byte b = buf.get(ValueLayout.JAVA_BYTE, i);
                        boolean upper = (negotiated & (1L << F_UPPER)) != 0;
                        buf.set(ValueLayout.JAVA_BYTE, i, upper ? (byte) Character.toUpperCase(b) : b);
                    }
                    queue.addUsed(c.head(), c.writeTo(queue.memory(), buf, 0, n));
                }
                queue.setNotification(true);
                if (queue.needsNotification()) {
                    used.notifyDriver();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        public void setWakeup(Runnable wakeup) {
        }

        public void onWakeup() {
        }
    }

    @Test
    void aDeviceThatIsNotGpioIsServedAndDriven() throws Exception {
        EchoDevice echo = new EchoDevice();
        Path path = dir.resolve("echo.sock");
        try (VhostUserServer server = new VhostUserServer(path, echo, "echo").start();
                VhostUserFrontend f = VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20)) {
            assertThat(f.offeredFeatures()).isEqualTo((1L << EchoDevice.F_UPPER) | VirtioFeature.SPLIT_RING);
            long features = f.negotiate(f.offeredFeatures());
            assertThat(echo.negotiated).isEqualTo(features | (1L << VhostUser.F_PROTOCOL_FEATURES));
            assertThat(new String(f.readConfig(0, 4), StandardCharsets.US_ASCII)).isEqualTo("ECHO");
            assertThat(new String(f.readConfig(2, 2), StandardCharsets.US_ASCII)).isEqualTo("HO");

            QueueConfig config = QueueConfig.contiguous(f.allocate(QueueConfig.contiguousBytes(16), 4096), 16);
            DriverQueue q = DriverQueue.create(f.memory(), config, true);
            q.setInterrupts(true);
            f.startQueue(0, config);
            long buf = f.allocate(64, 8);
            byte[] hello = "hello, any device".getBytes(StandardCharsets.US_ASCII);
            f.memory().write(buf, hello, 0, hello.length);
            q.begin().readable(buf, hello.length).writable(buf + 32, 32).submit();
            q.publish();
            if (q.kickNeeded()) {
                f.notifyDevice(0);
            }
            int[] usedLength = {-1};
            while (q.drainUsed((head, length) -> usedLength[0] = length) == 0) {
                assertThat(f.awaitNotification(0, Duration.ofSeconds(2))).as("the device's call").isTrue();
            }
            byte[] back = new byte[usedLength[0]];
            f.memory().read(buf + 32, back, 0, back.length);
            assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("HELLO, ANY DEVICE");
            assertThat(server.session().isActive(0)).isTrue();
        }
    }
}
