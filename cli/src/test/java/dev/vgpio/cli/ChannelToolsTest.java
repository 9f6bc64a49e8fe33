package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.channel.ChannelServer;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tools over vgpio's channel ({@code --connect}, or an address as {@code -c}), against a real channel server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChannelToolsTest {
    @TempDir
    Path dir;
    SimulatedChip sim;
    ChannelServer server;
    CtlServer ctl;
    String address;

    @BeforeEach
    void serve() throws Exception {
        sim = new SimulatedChip("board", List.of("LED", "BUTTON", "", "RESET"));
        GpioController controller = new GpioController(sim);
        Endpoint at = new Endpoint.Unix(dir.resolve("board.sock"));
        server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                ChannelServer.Options.of("t", ChannelOptions.limits(controller))).start();
        ctl = new CtlServer(ChannelOptions.ctlPathFor(at), new HostControl(sim));
        address = at.describe();
    }

    @AfterEach
    void stop() {
        ctl.close();
        server.close();
    }

    @Test
    void infoDetectGetAndSetOverTheChannel() throws Exception {
        ToolsTest.Run info = ToolsTest.run(new InfoCommand(), "--connect", address);
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(info.out()).startsWith(address + " - 4 lines:").contains("\"BUTTON\"").contains("caps=");
        ToolsTest.Run detect = ToolsTest.run(new DetectCommand(), "-c", address, "--features");
        assertThat(detect.out()).contains(address + " [virtio-gpio] (4 lines)").contains("LINE_CONFIG");
        sim.drive(1, 1);
        ToolsTest.Run get = ToolsTest.run(new GetCommand(), "--connect", address, "BUTTON");
        assertThat(get.out().trim()).isEqualTo("\"BUTTON\"=active");
        ToolsTest.Run set = ToolsTest.run(new SetCommand(), "--connect", address, "-t0", "LED=1");
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(sim.getDirection(0)).as("released once the tool exits").isEqualTo(Direction.NONE);
        ToolsTest.Run bad = ToolsTest.run(new InfoCommand(), "--connect", "tcp:nowhere");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("give tcp:HOST:PORT");
    }

    @Test
    void ctlFindsTheControlSocketOfAChannelOnlyDevice() throws Exception {
        CliRun cli = new CliRun();
        assertThat(cli.execute("ctl", "--connect", address, "set", "RESET", "1")).as(cli.err.toString()).isZero();
        assertThat(sim.drivenLevel(3)).isEqualTo(1);
    }

    @Test
    void conformRunsOverTheChannelAndDrivesInputsThroughTheControlSocket() {
        CliRun cli = new CliRun();
        int status = cli.execute("conform", "--connect", address);
        assertThat(status).as(cli.out + "\n" + cli.err).isZero();
        assertThat(cli.out.toString()).contains("vgpio conform: " + address + " (inputs driven through")
                .contains("49 checks: 49 PASS, 0 FAIL, 0 SKIP");
    }
}
