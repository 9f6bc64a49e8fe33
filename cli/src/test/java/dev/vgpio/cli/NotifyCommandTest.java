package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifyCommandTest {
    @TempDir
    Path dir;
    private final CliRun cli = new CliRun();
    private final SimulatedChip chip = new SimulatedChip("sim", List.of("LED", "BUTTON", "", ""));
    private Path socket;
    private CtlServer server;

    @BeforeEach
    void serve() throws Exception {
        socket = dir.resolve("gpio.sock");
        server = new CtlServer(CtlServer.pathFor(socket), new HostControl(chip));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Starts notify with {@code args} and waits for its banner: from then on it sees every change. */
    private Future<Integer> start(String... args) {
        Future<Integer> notify = Executors.newVirtualThreadPerTaskExecutor().submit(() -> cli.execute(args));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> notify.isDone() || cli.out.toString().contains("Watching line"));
        return notify;
    }

    private List<String> lines() {
        return cli.out.toString().lines().toList();
    }

    @Test
    void printsRequestedReconfiguredAndReleasedAsGpionotifyDoes() throws Exception {
        Future<Integer> notify = start("notify", "--banner", "-c", socket.toString(), "-n", "3", "LED", "2");
        chip.setDirection(1, Direction.OUT, 1); // not watched
        chip.setDirection(0, Direction.OUT, 1);
        chip.setValue(0, 0); // a value is not line info
        chip.setDirection(0, Direction.IN, 0);
        chip.setDirection(2, Direction.IN, 0);
        assertThat(notify.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(lines()).hasSize(4);
        assertThat(lines().get(0)).isEqualTo("Watching lines 'LED', and '2'..."); // gpionotify's own comma
        assertThat(lines().get(1)).matches("\\d+\\.\\d{9}\trequested\t" + socket + " 0 \"LED\"");
        assertThat(lines().get(2)).matches("\\d+\\.\\d{9}\treconfigured\t" + socket + " 0 \"LED\"");
        assertThat(lines().get(3)).matches("\\d+\\.\\d{9}\trequested\t" + socket + " 2");
        assertThat(cli.err.toString()).isEmpty();
    }

    @Test
    void withoutTheChipOptionANamedLineIsItsQuotedName() throws Exception {
        Future<Integer> notify = start("notify", "--banner", "--ctl", server.path().toString(), "-n", "1",
                "-e", "released", "LED");
        chip.setDirection(0, Direction.OUT, 1);
        chip.setDirection(0, Direction.NONE, 0);
        assertThat(notify.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(lines()).hasSize(2);
        assertThat(lines().get(0)).isEqualTo("Watching line 'LED'...");
        assertThat(lines().get(1)).matches("\\d+\\.\\d{9}\treleased\t\"LED\"");
    }

    @Test
    void formatsAsTold() throws Exception {
        Future<Integer> notify = start("notify", "--banner", "-c", socket.toString(), "-n", "3", "--unquoted",
                "-F", "%o %l %E %e %C [%a] %% %c %", "0");
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        chip.setDirection(0, Direction.NONE, 0);
        assertThat(notify.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(lines()).containsExactly("Watching line '0'...",
                "0 LED requested 1 guest [input] % " + socket + " %",
                "0 LED reconfigured 3 guest [input edges=both] % " + socket + " %",
                "0 LED released 2 unused [released] % " + socket + " %");
    }

    @Test
    void anUnknownFormatSpecifierIsAUsageErrorAsInMon() {
        CliRun run = new CliRun();
        assertThat(run.execute("notify", "-c", socket.toString(), "-F", "%o %x", "LED")).isEqualTo(2);
        assertThat(run.err.toString()).isEqualTo("vgpio notify: unknown format specifier '%x' in '%o %x' (see --help"
                + " for the specifiers)\nTry 'vgpio notify --help' for more information.\n");
    }

    @Test
    void dashVIsTheVersionAsInGpionotify() {
        CliRun v = new CliRun();
        assertThat(v.execute("notify", "-v")).isZero();
        assertThat(v.out.toString()).startsWith("vgpio ");
        CliRun h = new CliRun();
        assertThat(h.execute("notify", "-h")).isZero();
        assertThat(h.out.toString()).contains("-v, --version");
    }

    @Test
    void showsWallClockTimestamps() throws Exception {
        Future<Integer> notify = start("notify", "--banner", "-c", socket.toString(), "-n", "2", "--utc",
                "--unquoted", "LED");
        chip.setDirection(0, Direction.IN, 0);
        chip.setDirection(0, Direction.NONE, 0);
        assertThat(notify.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(lines().get(1)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z\trequested\t"
                + socket + " 0 LED");
        CliRun both = new CliRun();
        assertThat(both.execute("notify", "--utc", "--localtime", "LED")).isEqualTo(2);
        assertThat(both.err.toString()).startsWith("vgpio notify: Error: --localtime, --utc are mutually exclusive");
    }

    @Test
    void quietAndIdleTimeoutEndWithStatusZero() {
        long start = System.nanoTime();
        assertThat(cli.execute("notify", "-q", "-c", socket.toString(), "--idle-timeout", "100ms", "LED")).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(cli.out.toString()).isEmpty();
        assertThat(cli.err.toString()).isEmpty();
    }

    @Test
    void reportsErrorsInOneLine() {
        CliRun unknown = new CliRun();
        assertThat(unknown.execute("notify", "-c", socket.toString(), "SWITCH")).isEqualTo(1);
        assertThat(unknown.err.toString()).isEqualTo("vgpio notify: cannot find line \"SWITCH\" on " + socket + "\n");

        CliRun strict = new CliRun(); // a vgpio device's line names are unique: --strict never refuses one
        assertThat(strict.execute("notify", "-s", "--by-name", "-c", socket.toString(), "--idle-timeout", "1",
                "BUTTON")).isZero();
        CliRun byName = new CliRun();
        assertThat(byName.execute("notify", "--by-name", "-c", socket.toString(), "0")).isEqualTo(1);
        assertThat(byName.err.toString()).isEqualTo("vgpio notify: cannot find line \"0\" on " + socket + "\n");

        CliRun offset = new CliRun();
        assertThat(offset.execute("notify", "-c", socket.toString(), "7")).isEqualTo(1);
        assertThat(offset.err.toString()).contains("line 7 does not exist");

        CliRun event = new CliRun();
        assertThat(event.execute("notify", "-c", socket.toString(), "-e", "edge", "LED")).isEqualTo(2);
        assertThat(event.err.toString()).isEqualTo("vgpio notify: invalid event 'edge': use requested, released or"
                + " reconfigured\nTry 'vgpio notify --help' for more information.\n");

        CliRun noLine = new CliRun();
        assertThat(noLine.execute("notify", "-c", socket.toString())).isEqualTo(2);
        assertThat(noLine.err.toString()).startsWith("vgpio notify: Missing required parameter: 'LINE'");

        CliRun noDaemon = new CliRun();
        assertThat(noDaemon.execute("notify", "-c", dir.resolve("none.sock").toString(), "LED")).isEqualTo(1);
        assertThat(noDaemon.err.toString()).startsWith("vgpio notify: no control socket at")
                .contains("is 'vgpio serve' running");
    }
}
