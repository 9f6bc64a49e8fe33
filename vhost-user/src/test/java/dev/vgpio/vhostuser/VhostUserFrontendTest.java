package dev.vgpio.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.driver.RequestRing;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioException.Reason;
import dev.vgpio.virtio.VirtioFeature;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java driver over the vhost-user front end, against vgpio's back end and against broken back ends. */
class VhostUserFrontendTest {
    @TempDir
    Path dir;

    @Test
    void theDriverWorksThroughTheFrontEndAgainstTheBackEnd() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"));
        Path path = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start();
                GpioChip chip = GpioChip.open(VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20))) {
            assertThat(chip.lineNames()).containsExactly("LED", "BUTTON", "", "RESET");
            assertThat(chip.hasInterrupts()).isTrue();
            try (LineRequest led = chip.requestLines(LineSettings.output(1), 0);
                    LineRequest button = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1)) {
                assertThat(sim.observe(0)).isEqualTo(1);
                sim.drive(1, 1);
                EdgeEvent e = button.readEvent(Duration.ofSeconds(2));
                assertThat(e).isNotNull();
                assertThat(e.type()).isEqualTo(EdgeEvent.Type.RISING);
                assertThat(button.getValue(1)).isEqualTo(1);
                led.setValue(0, 0);
                assertThat(sim.observe(0)).isZero();
            }
            assertThat(sim.getDirection(0)).isEqualTo(Direction.NONE);
        }
    }

    @Test
    void closingStopsTheRingsWithGetVringBase() throws Exception {
        SimulatedChip sim = SimulatedChip.withLines("sim", 2, "L");
        Path path = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start()) {
            GpioChip chip = GpioChip.open(VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20));
            chip.getDirection(0);
            assertThat(server.session().isActive(0)).isTrue();
            chip.close();
            await("the back end to see the front end go").atMost(Duration.ofSeconds(2))
                    .until(() -> !server.isConnected());
            assertThat(server.session().isActive(0)).isFalse();
            assertThat(server.isConnected()).isFalse();
        }
    }

    @Test
    void aQueueStoppedWithGetVringBaseCanBeStartedAgainOnTheSameConnection() throws Exception {
        SimulatedChip sim = SimulatedChip.withLines("sim", 2, "L");
        Path path = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start();
                VhostUserFrontend f = VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20)) {
            f.negotiate(f.offeredFeatures() & VirtioFeature.VERSION_1.mask());
            assertThat(answer(f, new RequestRing(f, 0, 16, false))).isZero();
            assertThat(f.stopQueue(0)).as("the next available index").isEqualTo(1);
            assertThat(server.session().isActive(0)).isFalse();
            assertThat(answer(f, new RequestRing(f, 0, 16, false))).as("a new ring, from index 0").isZero();
            assertThat(server.connections()).isEqualTo(1);
            assertThat(f.stopQueue(1)).as("a queue never started").isZero();
        }
    }

    /** Sends GET_DIRECTION of line 0 and returns the status of the answer. */
    private static int answer(VhostUserFrontend f, RequestRing ring) throws Exception {
        ring.submit(MessageType.GET_DIRECTION.code(), 0, 0);
        ring.kick(0);
        int[] status = {-1};
        for (int waits = 0; waits < 50 && status[0] < 0; waits++) {
            f.awaitNotification(0, Duration.ofMillis(100));
            ring.drain((slot, s, value, length) -> status[0] = s);
        }
        return status[0];
    }

    /** A fake back end that accepts one connection and then behaves as {@code script} says. */
    private Path fake(Consumer<UnixSocket> script) throws Exception {
        Path path = dir.resolve("fake.sock");
        UnixSocket listener = UnixSocket.listen(path, 1);
        Thread.ofVirtual().start(() -> {
            try (listener; UnixSocket c = listener.accept()) {
                script.accept(c);
            } catch (Exception e) {
                // the test checks what the front end saw
            }
        });
        return path;
    }

    @Test
    void aBackEndThatClosesTheSocketGivesAClearError() throws Exception {
        Path path = fake(c -> { });
        assertThatThrownBy(() -> VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("closed the connection")
                .hasMessageContaining("GET_FEATURES")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.CLOSED);
    }

    @Test
    void aBackEndThatNeverAnswersTimesOut() throws Exception {
        Path path = fake(c -> {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> VhostUserFrontend.connect(path, Duration.ofMillis(300), 1 << 20))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("did not answer GET_FEATURES within 300 ms")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aBackEndThatAnswersTheWrongSizeGivesAClearError() throws Exception {
        Path path = fake(c -> {
            try {
                MemorySegment m = Arena.ofAuto().allocate(64, 8);
                c.receiveFully(m, 0, Header.SIZE, new FdSet(4));
                Header.write(m, VhostUser.GET_FEATURES, Header.FLAG_VERSION | Header.FLAG_REPLY, 4);
                c.sendFully(m, 0, Header.SIZE + 4, null, 0);
                Thread.sleep(1000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> VhostUserFrontend.connect(path, Duration.ofSeconds(2), 1 << 20))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("answered GET_FEATURES with a 4-byte payload; expected 8")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.PROTOCOL_VIOLATION);
    }

    @Test
    void noBackEndAtThePath() {
        assertThatThrownBy(() -> VhostUserFrontend.connect(dir.resolve("none.sock"), Duration.ofSeconds(1), 1 << 20))
                .isInstanceOf(VirtioException.class)
                .hasMessageContaining("cannot connect to the vhost-user back end")
                .hasMessageContaining("ENOENT")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(Reason.UNREACHABLE);
    }
}
