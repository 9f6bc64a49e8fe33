package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import dev.vgpio.virtio.SharedDevice;
import dev.vgpio.virtio.VirtioException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One device behind its vhost-user socket and a channel ({@code serve --socket ... --listen ...}): one driver at a
 * time uses it, through either; the other is refused with a message naming who has it; the lines and their edges
 * follow whoever holds the device.
 */
class SharedDeviceTest {
    @TempDir
    Path dir;

    @Test
    void oneDriverAtATimeThroughEither() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("LED", "BUTTON"));
        GpioController controller = new GpioController(sim);
        SharedDevice shared = new SharedDevice(new VirtioGpioDevice(controller));
        Path socket = dir.resolve("gpio.sock");
        Endpoint channel = new Endpoint.Unix(dir.resolve("gpio.chan"));
        try (VhostUserServer vhost = new VhostUserServer(socket, shared.port("vhost-user socket " + socket), "t")
                .start();
                ChannelServer server = new ChannelServer(shared.port("channel " + channel.describe()),
                        channel.listen(), ChannelServer.Options.of("t", ChannelTest.gpioLimits(2,
                                (int) controller.config().gpioNamesSize()))).start()) {
            try (GpioChip front = GpioChip.open(VhostUserFrontend.connect(socket, Duration.ofSeconds(2), 1 << 20));
                    LineRequest led = front.requestLines(LineSettings.output(1), 0)) {
                assertThat(sim.observe(0)).isEqualTo(1);
                assertThatThrownBy(() -> ChannelTransport.connect(channel, null, Duration.ofSeconds(2), 1 << 20))
                        .isInstanceOf(VirtioException.class).hasMessageContaining("BUSY")
                        .hasMessageContaining("on the vhost-user socket " + socket);
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !vhost.isConnected());
            try (GpioChip chip = GpioChip.open(ChannelTransport.connect(channel, null, Duration.ofSeconds(2),
                    1 << 20)); LineRequest button = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1)) {
                assertThat(chip.getDirection(0)).as("the vhost-user driver released it").isEqualTo(Direction.NONE);
                sim.drive(1, 1);
                EdgeEvent e = button.readEvent(Duration.ofSeconds(5));
                assertThat(e).as("an edge reaches the channel's driver").isNotNull();
                assertThat(e.type()).isEqualTo(EdgeEvent.Type.RISING);
                assertThatThrownBy(() -> GpioChip.open(VhostUserFrontend.connect(socket, Duration.ofSeconds(2),
                        1 << 20))).isInstanceOf(VirtioException.class);
                assertThat(vhost.isRunning()).isTrue();
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !server.inUse());
            try (GpioChip again = GpioChip.open(VhostUserFrontend.connect(socket, Duration.ofSeconds(2), 1 << 20))) {
                assertThat(again.lineNames()).containsExactly("LED", "BUTTON");
            }
        }
    }
}
