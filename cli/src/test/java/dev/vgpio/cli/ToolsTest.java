package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The libgpiod-style tools against vgpio's own back end, served in-process over a real vhost-user socket. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToolsTest {
    private static final String TS = "\\d+\\.\\d{9}";

    @TempDir
    Path dir;
    SimulatedChip sim;
    VhostUserServer server;
    String sock;

    @BeforeEach
    void serve() throws Exception {
        sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"));
        Path path = dir.resolve("gpio.sock");
        server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t").start();
        sock = path.toString();
    }

    @AfterEach
    void stop() {
        stopServer();
    }

    /** Closes the back end (once: VhostUserServer.close is not idempotent). */
    void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {
    }

    /** A tool's command line, built as Main.commandLine() builds vgpio's, writing into the given buffers. */
    static CommandLine commandLine(Object command, StringWriter out, StringWriter err) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("vgpio: " + ex.getMessage()));
            return 1;
        });
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = commandLine(command, out, err).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }

    /** Checks that {@code condition} holds all through {@code period}. */
    static void holds(String what, Duration period, BooleanSupplier condition) {
        Awaitility.await(what).during(period).atMost(period.plusSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(condition::getAsBoolean);
    }

    static void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** The simulated chip's view of line changes the back end makes, as offset:direction:level. */
    List<String> recordChanges() {
        List<String> changes = new CopyOnWriteArrayList<>();
        sim.addStateListener((offset, direction, level) -> changes.add(offset + ":" + direction + ":" + level));
        return changes;
    }

    /**
     * Leaves lines configured the way a guest that went away left them: each {@code offset, direction, value} is set
     * through the device over a connection of its own (SET_VALUE, then SET_DIRECTION), which then closes.
     */
    void leftByAGuest(int... offsetDirectionValue) throws Exception {
        try (GpioChip chip = GpioChip.open(VhostUserFrontend.connect(Path.of(sock), Duration.ofSeconds(2), 1 << 20))) {
            for (int i = 0; i < offsetDirectionValue.length; i += 3) {
                int offset = offsetDirectionValue[i];
                assertThat(chip.sendMessage(MessageType.SET_VALUE.code(), offset, offsetDirectionValue[i + 2]).ok())
                        .isTrue();
                assertThat(chip.sendMessage(MessageType.SET_DIRECTION.code(), offset, offsetDirectionValue[i + 1])
                        .ok()).isTrue();
            }
        }
        await("the back end to see the front end go", () -> !server.isConnected());
    }

    Direction direction(int offset) {
        try {
            return sim.getDirection(offset);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    int observe(int offset) {
        try {
            return sim.observe(offset);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // detect

    @Test
    void detectListsTheDevice() {
        Run r = run(new DetectCommand(), "-s", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void detectNamesTheNegotiatedFeatures() {
        Run r = run(new DetectCommand(), "--features", "-s", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n\tfeatures: IRQ, EVENT_IDX, VERSION_1\n");
    }

    @Test
    void detectReportsASocketWithoutABackEndAndListsTheOthers() {
        String none = dir.resolve("none.sock").toString();
        Run r = run(new DetectCommand(), "-s", none, "-s", sock);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n");
        assertThat(r.err()).startsWith("vgpio detect: cannot connect to the vhost-user back end at " + none)
                .hasLineCount(1);
    }

    @Test
    void featureWords() {
        assertThat(DetectCommand.describeFeatures(0)).isEqualTo("none");
        assertThat(DetectCommand.describeFeatures(1L | 1L << 5 | 1L << 28 | 1L << 32 | 1L << 50))
                .isEqualTo("IRQ, bit 5, INDIRECT_DESC, VERSION_1, bit 50");
    }

    // info

    @Test
    void infoPrintsEveryLineLikeGpioinfo() throws Exception {
        leftByAGuest(0, Direction.OUT.code(), 1, 3, Direction.IN.code(), 0);
        Run r = run(new InfoCommand(), "-s", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " - 4 lines:\n"
                + "\tline   0:\t\"LED\"           \toutput\n"
                + "\tline   1:\t\"BUTTON\"        \tnone\n"
                + "\tline   2:\tunnamed         \tnone\n"
                + "\tline   3:\t\"RESET\"         \tinput\n");
        assertThat(direction(0)).isEqualTo(Direction.OUT); // info changes nothing
        assertThat(observe(0)).isEqualTo(1);
    }

    @Test
    void infoWithLinesPrintsOnlyThoseByNameOrOffset() throws Exception {
        leftByAGuest(2, Direction.IN.code(), 0);
        Run r = run(new InfoCommand(), "-s", sock, "RESET", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " 3\t\"RESET\"         \tnone\n"
                + sock + " 2\tunnamed         \tinput\n");
    }

    @Test
    void infoOfAnUnknownLineIsAnError() {
        Run r = run(new InfoCommand(), "-s", sock, "LED", "SWITCH", "9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo(sock + " 0\t\"LED\"           \tnone\n");
        assertThat(r.err()).isEqualTo("vgpio info: no line named \"SWITCH\" on " + sock + "\n"
                + "vgpio info: line 9 does not exist: the chip has 4 lines\n");
    }

    // get

    @Test
    void getReadsByNameAndByOffsetKeyedByWhatWasTyped() throws Exception {
        sim.drive(1, 1);
        List<String> changes = recordChanges();
        Run r = run(new GetCommand(), "-s", sock, "BUTTON", "3", "LED");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("\"BUTTON\"=active \"3\"=inactive \"LED\"=inactive\n");
        assertThat(r.err()).isEmpty();
        assertThat(changes).containsExactly("1:IN:1", "3:IN:0", "0:IN:0", "1:NONE:1", "3:NONE:0", "0:NONE:0");

        r = run(new GetCommand(), "--numeric", "-s", sock, "1", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("1 0\n");
        assertThat(direction(1)).isEqualTo(Direction.NONE); // released again
    }

    @Test
    void getAsIsOnlyReads() throws Exception {
        leftByAGuest(0, Direction.OUT.code(), 1);
        sim.drive(1, 1);
        List<String> changes = recordChanges();
        Run r = run(new GetCommand(), "-s", sock, "--as-is", "LED", "BUTTON", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("\"LED\"=active \"BUTTON\"=active \"2\"=inactive\n");
        assertThat(changes).isEmpty();
        assertThat(direction(0)).isEqualTo(Direction.OUT);
    }

    @Test
    void getOfAnUnknownOrRepeatedLineIsAnError() {
        Run r = run(new GetCommand(), "-s", sock, "BUTTON", "SWITCH");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("vgpio get: no line named \"SWITCH\" on " + sock + "\n");

        r = run(new GetCommand(), "-s", sock, "BUTTON", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio get: \"BUTTON\" and \"1\" are the same line (1)\n");
    }

    @Test
    void getNeedsALine() {
        Run r = run(new GetCommand(), "-s", sock);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required parameter").contains("LINE");
    }

    // set

    @Test
    void setWithoutHoldDrivesAndReleasesAtOnce() throws Exception {
        List<String> changes = recordChanges();
        Run r = run(new SetCommand(), "-s", sock, "--no-hold", "LED=1", "3=active");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEmpty();
        assertThat(changes).containsSubsequence("0:OUT:1", "0:NONE:0");
        assertThat(changes).containsSubsequence("3:OUT:1", "3:NONE:0");
        assertThat(changes).doesNotContain("0:OUT:0", "3:OUT:0"); // value before direction: no glitch
        assertThat(direction(0)).isEqualTo(Direction.NONE);

        changes.clear();
        assertThat(run(new SetCommand(), "-s", sock, "-t0", "RESET=on").exit()).isZero();
        assertThat(changes).containsExactly("3:OUT:1", "3:NONE:0");
    }

    @Test
    void setHoldsForTheHoldPeriod() throws Exception {
        List<String> changes = recordChanges();
        long start = System.nanoTime();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(
                () -> run(new SetCommand(), "-s", sock, "--hold-period", "200", "LED=1", "RESET=0"));
        await("LED driven", () -> direction(0) == Direction.OUT && direction(3) == Direction.OUT);
        assertThat(observe(0)).isEqualTo(1);
        assertThat(observe(3)).isZero();
        holds("set holding the lines", Duration.ofMillis(50), () -> !set.isDone());
        assertThat(direction(0)).isEqualTo(Direction.OUT);
        Run r = set.get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(r.exit()).isZero();
        assertThat(changes).containsSubsequence("0:OUT:1", "3:OUT:0", "3:NONE:0", "0:NONE:0");
        assertThat(direction(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void setHoldsUntilCtrlC() throws Exception {
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(new SetCommand(), "-s", sock, "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        holds("set holding the line", Duration.ofMillis(300), () -> !set.isDone());
        assertThat(observe(0)).isEqualTo(1);
        signal("INT");
        Run r = set.get(10, TimeUnit.SECONDS);
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(direction(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void setHoldsUntilStopped() throws Exception {
        SetCommand command = new SetCommand();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-s", sock, "BUTTON=true"));
        await("BUTTON driven", () -> direction(1) == Direction.OUT);
        assertThat(observe(1)).isEqualTo(1);
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void whileSetHoldsTheDeviceOtherToolsAreToldWhy() throws Exception {
        SetCommand command = new SetCommand();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-s", sock, "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        Run get = run(new GetCommand(), "-s", sock, "BUTTON");
        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.err()).startsWith("vgpio get: ").contains(sock).contains("serves one front end at a time")
                .hasLineCount(1);
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
    }

    @Test
    void setStopsWithAnErrorWhenTheBackEndGoesAway() throws Exception {
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(new SetCommand(), "-s", sock, "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        stopServer();
        Run r = set.get(10, TimeUnit.SECONDS);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: the back end at " + sock + " closed the connection\n");
    }

    @Test
    void setRejectsABadValueBeforeConnecting() {
        List<String> changes = recordChanges();
        Run r = run(new SetCommand(), "-s", sock, "--no-hold", "RESET=1", "LED=7");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("invalid value '7' for line LED: use 1, active, on or true; or 0, inactive,"
                + " off or false").contains("Usage: set");
        assertThat(changes).isEmpty();

        r = run(new SetCommand(), "-s", sock, "--no-hold", "LED");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("expected LINE=VALUE, not 'LED'");

        r = run(new SetCommand(), "-s", sock, "--no-hold", "--hold-period", "5", "LED=1");
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void setOfAnUnknownLineIsAnError() {
        Run r = run(new SetCommand(), "-s", sock, "--no-hold", "LAMP=1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: no line named \"LAMP\" on " + sock + "\n");
    }

    // mon

    /** Starts mon in the background and waits until it printed its banner (the lines are armed then). */
    CompletableFuture<Integer> monitor(MonCommand command, StringWriter out, StringWriter err, String... args)
            throws InterruptedException {
        CompletableFuture<Integer> mon = CompletableFuture.supplyAsync(
                () -> commandLine(command, out, err).execute(args));
        await("the banner", () -> out.toString().contains("Monitoring") || mon.isDone());
        assertThat(err.toString()).isEmpty();
        return mon;
    }

    @Test
    void monPrintsEdgesInOrderAndStopsAfterNumEvents() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err,
                "-s", sock, "--banner", "-n", "3", "BUTTON");
        for (int level : new int[] {1, 0, 1, 0}) {
            sim.drive(1, level);
            Thread.sleep(30);
        }
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("Monitoring line 'BUTTON'...");
        assertThat(lines[1]).matches(TS + "\trising\t\"BUTTON\"");
        assertThat(lines[2]).matches(TS + "\tfalling\t\"BUTTON\"");
        assertThat(lines[3]).matches(TS + "\trising\t\"BUTTON\"");
        assertThat(Double.parseDouble(lines[1].split("\t")[0])).isLessThanOrEqualTo(
                Double.parseDouble(lines[2].split("\t")[0]));
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void monWithAFormatAndAnUnnamedLine() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-s", sock, "--banner", "-e", "rising",
                "-n", "2", "-F", "%o %l %c %E %e %S 100%% %x", "2", "LED");
        sim.drive(2, 1);
        Thread.sleep(30);
        sim.drive(2, 0); // falling: not reported
        Thread.sleep(30);
        sim.drive(0, 1);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("Monitoring lines '2' and 'LED'...");
        assertThat(lines[1]).matches("2 unnamed " + java.util.regex.Pattern.quote(sock) + " rising 1 " + TS
                + " 100% %x");
        assertThat(lines[2]).matches("0 LED " + java.util.regex.Pattern.quote(sock) + " rising 1 " + TS
                + " 100% %x");
    }

    @Test
    void monNamesAnUnnamedLineBySocketAndOffset() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err,
                "-s", sock, "-b", "-e", "falling", "-n", "1", "2");
        sim.drive(2, 1);
        Thread.sleep(30);
        sim.drive(2, 0);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString().split("\n")[1]).matches(TS + "\tfalling\t" + java.util.regex.Pattern.quote(sock)
                + " 2");
    }

    @Test
    void monReportsLevels() throws Exception {
        sim.drive(3, 1);
        Run r = run(new MonCommand(), "-s", sock, "--level", "high", "-n", "2", "-F", "%E %e", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("level-high 3\nlevel-high 3\n");
    }

    @Test
    void monStopsAfterTheIdleTimeout() throws Exception {
        long start = System.nanoTime();
        Run r = run(new MonCommand(), "-s", sock, "--idle-timeout", "300", "BUTTON", "RESET");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEmpty();
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(5));
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void monIdleTimeoutCountsFromTheLastEvent() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err,
                "-s", sock, "--banner", "--idle-timeout", "400", "BUTTON");
        for (int i = 0; i < 4; i++) {
            Thread.sleep(200);
            sim.drive(1, i % 2 == 0 ? 1 : 0);
        }
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString().split("\n")).hasSize(5);
    }

    @Test
    void monRunsUntilSigterm() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-s", sock, "-b", "BUTTON");
        sim.drive(1, 1);
        await("an event", () -> out.toString().contains("rising"));
        signal("TERM");
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void monStopsWithAnErrorWhenTheBackEndGoesAway() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-s", sock, "-b", "BUTTON");
        stopServer();
        assertThat(mon.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("vgpio mon: the back end at " + sock + " closed the connection\n");
    }

    @Test
    void monRejectsBadOptions() {
        assertThat(run(new MonCommand(), "-s", sock, "-e", "sideways", "BUTTON").exit()).isEqualTo(2);
        assertThat(run(new MonCommand(), "-s", sock, "-e", "rising", "--level", "high", "BUTTON").exit())
                .isEqualTo(2);
        assertThat(run(new MonCommand(), "-s", sock, "--level", "middle", "BUTTON").exit()).isEqualTo(2);
        assertThat(run(new MonCommand(), "-s", sock, "-n", "0", "BUTTON").exit()).isEqualTo(2);
        Run r = run(new MonCommand(), "-s", sock, "-n", "1", "BUTTON", "NOPE");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio mon: no line named \"NOPE\" on " + sock + "\n");
    }

    @Test
    void monTimestamps() {
        assertThat(MonCommand.timestamp(4_342_128_736L)).isEqualTo("4.342128736");
        assertThat(MonCommand.timestamp(7L)).isEqualTo("0.000000007");
    }

    // every tool

    @Test
    void everyToolExplainsAMissingBackEnd() {
        String none = dir.resolve("none.sock").toString();
        List<Object[]> tools = List.of(
                new Object[] {new DetectCommand(), "detect", new String[] {"-s", none}},
                new Object[] {new InfoCommand(), "info", new String[] {"-s", none}},
                new Object[] {new GetCommand(), "get", new String[] {"-s", none, "LED"}},
                new Object[] {new SetCommand(), "set", new String[] {"-s", none, "-t0", "LED=1"}},
                new Object[] {new MonCommand(), "mon", new String[] {"-s", none, "LED"}});
        for (Object[] t : tools) {
            Run r = run(t[0], (String[]) t[2]);
            assertThat(r.exit()).as((String) t[1]).isEqualTo(1);
            assertThat(r.out()).as((String) t[1]).isEmpty();
            assertThat(r.err()).as((String) t[1])
                    .startsWith("vgpio " + t[1] + ": cannot connect to the vhost-user back end at " + none)
                    .hasLineCount(1);
        }
    }

    @Test
    void everyToolHasHelpAndChecksTheTimeout() {
        for (Object tool : List.of(new DetectCommand(), new InfoCommand(), new GetCommand(), new SetCommand(),
                new MonCommand())) {
            Run help = run(tool, "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("Usage: ").contains("--socket=PATH").contains("--timeout=MS");
        }
        assertThat(run(new DetectCommand(), "-s", sock, "--timeout", "0").exit()).isEqualTo(2);
        assertThat(run(new DetectCommand(), "-s", sock, "--timeout", "soon").exit()).isEqualTo(2);
    }
}
