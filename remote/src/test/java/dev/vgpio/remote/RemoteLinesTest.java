package dev.vgpio.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.channel.ChannelServer;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.virtio.InProcessTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chain of two devices: a driver uses a near device whose lines are {@link RemoteLines} over the channel to a far
 * device, whose lines are a simulated board. What the driver does reaches the board; the board's edges reach the
 * driver.
 */
class RemoteLinesTest {
    @TempDir
    Path dir;
    SimulatedChip board;
    ChannelServer far;
    Endpoint at;
    RemoteLines remote;
    GpioChip near;

    static List<ChannelServer.QueueLimits> limits(GpioController c) {
        return List.of(new ChannelServer.QueueLimits(64, 8, Math.max(2, 1 + (int) c.config().gpioNamesSize())),
                new ChannelServer.QueueLimits(c.config().ngpio(), 2, 1));
    }

    ChannelServer serveBoard() throws Exception {
        GpioController controller = new GpioController(board);
        return new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                ChannelServer.Options.of("board", limits(controller))).start();
    }

    @BeforeEach
    void chain() throws Exception {
        board = new SimulatedChip("board", List.of("LED", "BUTTON", "RELAY", "DOOR"));
        at = new Endpoint.Unix(dir.resolve("board.sock"));
        far = serveBoard();
        remote = RemoteLines.open(at, null);
        near = GpioChip.open(new InProcessTransport(new VirtioGpioDevice(new GpioController(remote, "near")),
                1 << 20));
    }

    @AfterEach
    void stop() {
        near.close();
        remote.close();
        far.close();
    }

    @Test
    void theNearDeviceServesTheBoardsLines() throws Exception {
        assertThat(near.lineNames()).containsExactly("LED", "BUTTON", "RELAY", "DOOR");
        assertThat(near.lineCaps(1)).isEqualTo(LineCaps.ALL);
        try (LineRequest led = near.requestLines(LineSettings.output(1), 0)) {
            assertThat(board.observe(0)).isEqualTo(1);
            assertThat(board.getDirection(0)).isEqualTo(Direction.OUT);
            led.setValue(0, 0);
            assertThat(board.observe(0)).isZero();
        }
        assertThat(board.getDirection(0)).as("released through the chain").isEqualTo(Direction.NONE);
        try (LineRequest button = near.requestLines(LineSettings.input(IrqType.EDGE_BOTH).withBias(Bias.PULL_UP),
                1)) {
            assertThat(board.bias(1)).isEqualTo(Bias.PULL_UP);
            assertThat(button.getValue(1)).as("the pull-up, with nothing driving the button").isEqualTo(1);
            for (int i = 0; i < 6; i++) {
                board.drive(1, i % 2);
                EdgeEvent e = button.readEvent(Duration.ofSeconds(5));
                assertThat(e).as("edge %d across the chain", i).isNotNull();
                assertThat(e.type()).isEqualTo(i % 2 == 0 ? EdgeEvent.Type.FALLING : EdgeEvent.Type.RISING);
            }
        }
    }

    @Test
    void afterTheBoardComesBackTheLinesAreTakenBackToWhatTheDriverAsked() throws Exception {
        LineRequest relay = near.requestLines(LineSettings.output(1), 2);
        assertThat(board.observe(2)).isEqualTo(1);
        far.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThatThrownBy(() -> relay.setValue(2, 0)).hasMessageContaining("status ERR"));
        board.setDirection(2, Direction.NONE, 0); // the board reset meanwhile
        far = serveBoard();
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            relay.setValue(2, 0);
            assertThat(board.getDirection(2)).isEqualTo(Direction.OUT);
            assertThat(board.observe(2)).isZero();
        });
        relay.close();
    }
}
