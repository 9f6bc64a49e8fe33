package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.SimulatedChip;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtlCommandTest {
    @TempDir
    Path dir;
    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private int run(String... args) {
        return cli.execute(args);
    }

    @Test
    void drivesAndReadsLinesOfARunningDevice() throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", java.util.List.of("LED", "BUTTON"));
        Path socket = dir.resolve("gpio.sock");
        try (CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip))) {
            assertThat(run("ctl", "--socket", socket.toString(), "set", "BUTTON", "1")).isZero();
            assertThat(chip.drivenLevel(1)).isEqualTo(1);
            assertThat(run("ctl", "--socket", socket.toString(), "get", "BUTTON")).isZero();
            assertThat(out.toString()).contains("line 1 \"BUTTON\": level=1 direction=released driven=1");
            assertThat(run("ctl", "--ctl", ctl.path().toString(), "pulse", "1", "--width", "1")).isZero();
            assertThat(run("ctl", "--socket", socket.toString(), "toggle", "1", "--count", "3", "--interval", "1"))
                    .isZero();
            assertThat(chip.drivenLevel(1)).isZero();
            assertThat(run("ctl", "--socket", socket.toString(), "set", "SWITCH", "1")).isEqualTo(1);
            assertThat(err.toString()).contains("vgpio ctl: no line named \"SWITCH\"");
        }
    }

    @Test
    void explainsWhenNoDaemonRuns() {
        assertThat(run("ctl", "--socket", dir.resolve("none.sock").toString(), "list")).isEqualTo(1);
        assertThat(err.toString()).contains("is 'vgpio serve' running");
    }
}
