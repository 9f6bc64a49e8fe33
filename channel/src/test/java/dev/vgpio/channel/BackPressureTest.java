package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.virtio.VirtioException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that does not keep up: a driver that stops reading its answers is cut off after the frame timeout and the
 * device goes on serving the next one, holding no more than a connection's output buffer meanwhile; a device that
 * goes silent is pinged, then given up for dead, and every waiting call learns why.
 */
class BackPressureTest {
    @TempDir
    Path dir;

    @Test
    void aDriverThatStopsReadingIsCutOffAndTheNextIsServed() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("A", "B"));
        GpioController controller = new GpioController(sim);
        Endpoint at = new Endpoint.Unix(dir.resolve("d.sock"));
        try (ChannelServer server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                new ChannelServer.Options("t", ChannelTest.gpioLimits(2, (int) controller.config().gpioNamesSize()),
                        null, Duration.ofSeconds(30), Duration.ofMillis(500))).start()) {
            RawPeer flood = new RawPeer(at.connect());
            flood.hello();
            flood.features(1L << 32);
            // PINGs without ever reading the PONGs: the device's writes fill the socket and block
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 1_000_000; i++) {
                        flood.send(Frame.PING, 0, 0, 0, 0, RawPeer.le64(i));
                    }
                } catch (Exception e) {
                    // the device closed the connection: the write fails, as it should
                }
            });
            Awaitility.await("the device cuts the flooding driver off").atMost(Duration.ofSeconds(20))
                    .until(() -> !writer.isAlive() && !server.inUse());
            flood.close();
            try (GpioChip chip = GpioChip.open(ChannelTransport.connect(at, null, Duration.ofSeconds(5), 1 << 20))) {
                assertThat(chip.getDirection(1)).isEqualTo(Direction.NONE);
            }
        }
    }

    @Test
    void aFloodingDriverIsCutOffWhileEdgesKeepComing() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("A", "B"));
        GpioController controller = new GpioController(sim);
        Endpoint at = new Endpoint.Unix(dir.resolve("e.sock"));
        try (ChannelServer server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                new ChannelServer.Options("t", ChannelTest.gpioLimits(2, (int) controller.config().gpioNamesSize()),
                        null, Duration.ofSeconds(30), Duration.ofMillis(500))).start()) {
            RawPeer flood = new RawPeer(at.connect());
            flood.hello();
            flood.features(1L << 32 | 1);
            flood.send(Frame.REQUEST, 0, 0, 2, 0, RawPeer.gpio(3, 0, 2)); // SET_DIRECTION IN
            flood.send(Frame.REQUEST, 0, 1, 2, 0, RawPeer.gpio(6, 0, 3)); // SET_IRQ_TYPE EDGE_BOTH
            flood.send(Frame.REQUEST, 1, 0, 1, 0, new byte[] {0, 0}); // its interrupt buffer
            Thread edges = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                        sim.drive(0, i & 1); // every edge wakes the device, which wants the server's lock
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    // stopped
                }
            });
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 1_000_000; i++) {
                        flood.send(Frame.PING, 0, 0, 0, 0, RawPeer.le64(i));
                    }
                } catch (Exception e) {
                    // cut off
                }
            });
            try {
                Awaitility.await("the device cuts the flooding driver off").atMost(Duration.ofSeconds(20))
                        .until(() -> !writer.isAlive() && !server.inUse());
            } finally {
                edges.interrupt();
            }
            flood.close();
            try (GpioChip chip = GpioChip.open(ChannelTransport.connect(at, null, Duration.ofSeconds(5), 1 << 20))) {
                assertThat(chip.lineNames()).containsExactly("A", "B");
            }
        }
    }

    @Test
    void connectionsThatSayNothingAreClosedAndAreFew() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("A"));
        GpioController controller = new GpioController(sim);
        Endpoint at = new Endpoint.Unix(dir.resolve("q.sock"));
        try (ChannelServer server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                new ChannelServer.Options("t", ChannelTest.gpioLimits(1, (int) controller.config().gpioNamesSize()),
                        null, Duration.ofSeconds(30), Duration.ofMillis(500))).start()) {
            List<RawPeer> silent = new java.util.ArrayList<>();
            for (int i = 0; i < ChannelServer.MAX_CONNECTIONS + 4; i++) {
                silent.add(new RawPeer(at.connect()));
            }
            for (RawPeer p : silent) {
                byte[] f = p.next(Duration.ofSeconds(5)); // ERROR TIMEOUT, or nothing: closed at once, over the cap
                if (f != null) {
                    assertThat(RawPeer.u16(f, 8)).isEqualTo(ChannelError.TIMEOUT.code());
                    assertThat(new String(f, 12, f.length - 12)).contains("no HELLO within 500 ms");
                }
                p.close();
            }
            try (GpioChip chip = GpioChip.open(ChannelTransport.connect(at, null, Duration.ofSeconds(5), 1 << 20))) {
                assertThat(chip.lineNames()).containsExactly("A");
            }
        }
    }

    @Test
    void aSilentDeviceIsPingedThenGivenUpForDead() throws Exception {
        Path sock = dir.resolve("silent.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(sock));
            Thread device = Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel c = listener.accept();
                        RawPeer p = new RawPeer(new SocketLink(c, "silent device"))) {
                    p.next(Duration.ofSeconds(5)); // HELLO
                    // version 1, device 41, VERSION_1, two queues of 8, an 8-byte config of 4 lines without names
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(36).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    b.putShort((short) 1).putShort((short) 41).putInt(0).putLong(1L << 32).put((byte) 2).put((byte) 0)
                            .putShort((short) 8).putShort((short) 8).putShort((short) 8).putShort((short) 4)
                            .putShort((short) 0).putInt(0);
                    byte[] body = b.array();
                    p.send(Frame.DEVICE, 0, 0, 0, 0, body);
                    byte[] features = p.next(Duration.ofSeconds(5));
                    p.send(Frame.FEATURES_OK, 0, 0, 0, 0, java.util.Arrays.copyOfRange(features, 8, 16));
                    byte[] ping = p.next(Duration.ofSeconds(10));
                    assertThat(ping[0]).as("the driver pings the silent device").isEqualTo((byte) Frame.PING);
                    Thread.sleep(10_000); // and says nothing more
                } catch (Exception e) {
                    // the driver hung up
                }
            });
            long start = System.nanoTime();
            ChannelTransport t = ChannelTransport.connect(new Endpoint.Unix(sock), null, Duration.ofSeconds(5),
                    1 << 20);
            t.negotiate(t.offeredFeatures());
            java.util.concurrent.atomic.AtomicReference<VirtioException> ended =
                    new java.util.concurrent.atomic.AtomicReference<>();
            t.onEnd(ended::set);
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ended.get() != null);
            long took = (System.nanoTime() - start) / 1_000_000;
            assertThat(ended.get().reason()).isEqualTo(VirtioException.Reason.TIMED_OUT);
            assertThat(ended.get().getMessage()).contains("has sent nothing for").contains("taken for dead");
            assertThat(took).as("about %s after the last frame", ChannelTransport.DEAD_AFTER).isBetween(5000L, 12000L);
            assertThatThrownBy(() -> t.notifyDevice(0)).isInstanceOf(VirtioException.class)
                    .hasMessageContaining("taken for dead");
            t.close();
            device.interrupt();
        }
    }
}
