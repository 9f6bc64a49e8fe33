package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
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
            assertThat(out.toString()).contains("line 1 \"BUTTON\": level=1 direction=released driver=host");
            assertThat(run("ctl", "--ctl", ctl.path().toString(), "pulse", "1", "--width", "1")).isZero();
            assertThat(run("ctl", "-c", socket.toString(), "pulse", "1", "-w", "2ms")).isZero();
            assertThat(run("ctl", "--socket", socket.toString(), "toggle", "1", "--count", "3", "--interval", "1"))
                    .isZero();
            assertThat(run("ctl", "-c", socket.toString(), "toggle", "1", "-n", "2", "-i", "1ms")).isZero();
            assertThat(run("ctl", "list", "-c", socket.toString())).as("a subcommand takes -c too").isZero();
            assertThat(run("ctl", "get", "--ctl", ctl.path().toString(), "LED")).isZero();
            assertThat(chip.drivenLevel(1)).isZero();
            assertThat(run("ctl", "--socket", socket.toString(), "set", "SWITCH", "1")).isEqualTo(1);
            assertThat(err.toString()).contains("vgpio ctl: no line named \"SWITCH\"");
        }
    }

    @Test
    void periodsTakeTheToolsUnitsAndRefuseWhatTheControlSocketCannotDo() throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", java.util.List.of("LED", "BUTTON"));
        Path socket = dir.resolve("gpio.sock");
        try (CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip))) {
            assertThat(run("ctl", "-c", socket.toString(), "pulse", "BUTTON", "-w", "1s")).isZero();
            assertThat(chip.drivenLevel(1)).isZero();
            CliRun fine = new CliRun();
            assertThat(fine.execute("ctl", "-c", socket.toString(), "pulse", "BUTTON", "-w", "1500us")).isEqualTo(2);
            assertThat(fine.err.toString()).isEqualTo("vgpio ctl pulse: --width 1500us is not a whole number of"
                    + " milliseconds, the finest step the control socket takes\n"
                    + "Try 'vgpio ctl pulse --help' for more information.\n");
            CliRun word = new CliRun();
            assertThat(word.execute("ctl", "-c", socket.toString(), "toggle", "BUTTON", "-n", "2", "-i", "soon"))
                    .isEqualTo(2);
            assertThat(word.err.toString()).contains("'soon' is not a period");
        }
    }

    @Test
    void explainsWhenNoDaemonRuns() {
        assertThat(run("ctl", "--socket", dir.resolve("none.sock").toString(), "list")).isEqualTo(1);
        assertThat(err.toString()).contains("is 'vgpio serve' running");
    }

    @Test
    void setTakesTheToolsLevelWordsAndRefusesOthersBeforeConnecting() throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", java.util.List.of("LED", "BUTTON"));
        Path socket = dir.resolve("gpio.sock");
        try (CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip))) {
            for (String word : java.util.List.of("on", "high", "true", "active", "1")) {
                chip.drive(1, 0);
                assertThat(run("ctl", "--socket", socket.toString(), "set", "BUTTON", word)).as(word).isZero();
                assertThat(chip.drivenLevel(1)).as(word).isEqualTo(1);
            }
            for (String word : java.util.List.of("off", "low", "false", "inactive", "0")) {
                chip.drive(1, 1);
                assertThat(run("ctl", "--socket", socket.toString(), "set", "BUTTON", word)).as(word).isZero();
                assertThat(chip.drivenLevel(1)).as(word).isZero();
            }
            assertThat(run("ctl", "--socket", socket.toString(), "set", "BUTTON", "2")).isEqualTo(2);
            assertThat(err.toString()).isEqualTo("vgpio ctl set: invalid level '2': use 1, active, on, true or high;"
                    + " or 0, inactive, off, false or low\nTry 'vgpio ctl set --help' for more information.\n");
        }
    }

    @Test
    void listSaysWhoDrivesEachLine() throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", java.util.List.of("LED", "BUTTON", ""));
        chip.setDirection(0, Direction.OUT, 1);
        chip.setDirection(1, Direction.IN, 0);
        Path socket = dir.resolve("gpio.sock");
        try (CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip))) {
            assertThat(run("ctl", "--socket", socket.toString(), "set", "BUTTON", "0")).isZero();
            out.getBuffer().setLength(0);
            assertThat(run("ctl", "--socket", socket.toString(), "list")).isZero();
            assertThat(out.toString()).isEqualTo("""
                    line 0 "LED": level=1 direction=output driver=guest edge=none
                    line 1 "BUTTON": level=0 direction=input driver=host edge=none
                    line 2: level=0 direction=released driver=nobody edge=none
                    """);
        }
    }

    @Test
    void watchStreamsTheGuestsChangesForNEvents() throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", java.util.List.of("LED", "BUTTON"));
        Path socket = dir.resolve("gpio.sock");
        try (CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip))) {
            var watcher = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor().submit(
                    () -> run("ctl", "--socket", socket.toString(), "watch", "-n", "3", "LED"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                chip.setDirection(1, Direction.IN, 0); // not watched
                chip.setDirection(0, Direction.OUT, 1);
                chip.setValue(0, 0);
                chip.setDirection(0, Direction.NONE, 0);
                return watcher.isDone() || out.toString().lines().count() >= 3;
            });
            assertThat(watcher.get(10, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            List<String> lines = out.toString().lines().toList();
            assertThat(lines).hasSize(3); // the watch may start anywhere in the guest's cycle
            for (String line : lines) {
                assertThat(line).matches("\\d+\\.\\d{9} (requested|value|released) line 0 \"LED\": level=[01] "
                        + "direction=(output|released) driver=(guest|nobody) edge=none");
            }
        }
    }

    @Test
    void watchExplainsWhenNoDaemonRuns() {
        assertThat(run("ctl", "--socket", dir.resolve("none.sock").toString(), "watch")).isEqualTo(1);
        assertThat(err.toString()).startsWith("vgpio ctl: no control socket at").contains("is 'vgpio serve' running");
    }
}
