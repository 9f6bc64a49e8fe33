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

/**
 * The libgpiod-style tools against vgpio's own back end, served in-process over a real vhost-user socket: a plain
 * virtio-gpio device, whose lines take no settings, so it does not offer VIRTIO_GPIO_F_LINE_CONFIG (the tools with
 * the extension: {@link LineConfigToolsTest}).
 */
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
        sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"), new int[4]);
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
        Run r = run(new DetectCommand(), "-c", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void detectNamesTheNegotiatedFeatures() {
        Run r = run(new DetectCommand(), "--features", "-c", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n\tfeatures: IRQ, EVENT_IDX, VERSION_1\n");
    }

    @Test
    void detectReportsASocketWithoutABackEndAndListsTheOthers() {
        String none = dir.resolve("none.sock").toString();
        Run r = run(new DetectCommand(), "-c", none, "-c", sock);
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
        Run r = run(new InfoCommand(), "-c", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " - 4 lines:\n"
                + "\tline   0:\t\"LED\"           \toutput\n"
                + "\tline   1:\t\"BUTTON\"        \treleased\n"
                + "\tline   2:\tunnamed         \treleased\n"
                + "\tline   3:\t\"RESET\"         \tinput\n");
        assertThat(direction(0)).isEqualTo(Direction.OUT); // info changes nothing
        assertThat(observe(0)).isEqualTo(1);
    }

    @Test
    void infoWithLinesPrintsOnlyThoseByNameOrOffset() throws Exception {
        leftByAGuest(2, Direction.IN.code(), 0);
        Run r = run(new InfoCommand(), "-c", sock, "RESET", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " 3\t\"RESET\"         \treleased\n"
                + sock + " 2\tunnamed         \tinput\n");
    }

    @Test
    void infoOfAnUnknownLineIsAnError() {
        Run r = run(new InfoCommand(), "-c", sock, "LED", "SWITCH", "9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo(sock + " 0\t\"LED\"           \treleased\n");
        assertThat(r.err()).isEqualTo("vgpio info: no line named \"SWITCH\" on " + sock + "\n"
                + "vgpio info: line 9 does not exist: the chip has 4 lines\n");
    }

    // get

    @Test
    void getReadsByNameAndByOffsetKeyedByWhatWasTyped() throws Exception {
        sim.drive(1, 1);
        List<String> changes = recordChanges();
        Run r = run(new GetCommand(), "-c", sock, "BUTTON", "3", "LED");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("\"BUTTON\"=active \"3\"=inactive \"LED\"=inactive\n");
        assertThat(r.err()).isEmpty();
        assertThat(changes).containsExactly("1:IN:1", "3:IN:0", "0:IN:0", "1:NONE:1", "3:NONE:0", "0:NONE:0");

        r = run(new GetCommand(), "--numeric", "-c", sock, "1", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("1 0\n");
        assertThat(direction(1)).isEqualTo(Direction.NONE); // released again
    }

    @Test
    void getAsIsOnlyReads() throws Exception {
        leftByAGuest(0, Direction.OUT.code(), 1);
        sim.drive(1, 1);
        List<String> changes = recordChanges();
        Run r = run(new GetCommand(), "-c", sock, "--as-is", "LED", "BUTTON", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("\"LED\"=active \"BUTTON\"=active \"2\"=inactive\n");
        assertThat(changes).isEmpty();
        assertThat(direction(0)).isEqualTo(Direction.OUT);
    }

    @Test
    void getOfAnUnknownOrRepeatedLineIsAnError() {
        Run r = run(new GetCommand(), "-c", sock, "BUTTON", "SWITCH");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("vgpio get: no line named \"SWITCH\" on " + sock + "\n");

        r = run(new GetCommand(), "-c", sock, "BUTTON", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio get: \"BUTTON\" and \"1\" are the same line (1)\n");
    }

    @Test
    void getNeedsALine() {
        Run r = run(new GetCommand(), "-c", sock);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required parameter").contains("LINE");
    }

    // set

    @Test
    void setWithoutHoldDrivesAndReleasesAtOnce() throws Exception {
        List<String> changes = recordChanges();
        Run r = run(new SetCommand(), "-c", sock, "--no-hold", "LED=1", "3=active");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEmpty();
        assertThat(changes).containsSubsequence("0:OUT:1", "0:NONE:0");
        assertThat(changes).containsSubsequence("3:OUT:1", "3:NONE:0");
        assertThat(changes).doesNotContain("0:OUT:0", "3:OUT:0"); // value before direction: no glitch
        assertThat(direction(0)).isEqualTo(Direction.NONE);

        changes.clear();
        assertThat(run(new SetCommand(), "-c", sock, "-t0", "RESET=on").exit()).isZero();
        assertThat(changes).containsExactly("3:OUT:1", "3:NONE:0");
    }

    @Test
    void setHoldsForTheHoldPeriod() throws Exception {
        List<String> changes = recordChanges();
        long start = System.nanoTime();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(
                () -> run(new SetCommand(), "-c", sock, "--hold-period", "200", "-t", "0", "LED=1", "RESET=0"));
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
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(new SetCommand(), "-c", sock, "LED=1"));
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
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-c", sock, "BUTTON=true"));
        await("BUTTON driven", () -> direction(1) == Direction.OUT);
        assertThat(observe(1)).isEqualTo(1);
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void whileSetHoldsTheDeviceOtherToolsAreToldWhy() throws Exception {
        SetCommand command = new SetCommand();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-c", sock, "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        Run get = run(new GetCommand(), "-c", sock, "BUTTON");
        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.err()).startsWith("vgpio get: ").contains(sock).contains("serves one front end at a time")
                .hasLineCount(1);
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
    }

    @Test
    void setStopsWithAnErrorWhenTheBackEndGoesAway() throws Exception {
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(new SetCommand(), "-c", sock, "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        stopServer();
        Run r = set.get(10, TimeUnit.SECONDS);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: the back end at " + sock + " closed the connection\n");
    }

    @Test
    void setRejectsABadValueBeforeConnecting() {
        List<String> changes = recordChanges();
        Run r = run(new SetCommand(), "-c", sock, "--no-hold", "RESET=1", "LED=7");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("invalid value '7' for line LED: use 1, active, on, true or high; or 0,"
                + " inactive, off, false or low").contains("Usage: set");
        assertThat(SetCommand.parseValue("HIGH")).as("the same words as vgpio ctl set").isOne();
        assertThat(SetCommand.parseValue("low")).isZero();
        assertThat(changes).isEmpty();

        r = run(new SetCommand(), "-c", sock, "--no-hold", "LED");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("expected LINE=VALUE, not 'LED'");

        r = run(new SetCommand(), "-c", sock, "--no-hold", "--toggle", "5", "LED=1");
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void setOfAnUnknownLineIsAnError() {
        Run r = run(new SetCommand(), "-c", sock, "--no-hold", "LAMP=1");
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
                "-c", sock, "--banner", "-n", "3", "BUTTON");
        for (int level : new int[] {1, 0, 1, 0}) {
            sim.drive(1, level);
            Thread.sleep(30);
        }
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("Monitoring line 'BUTTON'...");
        String id = java.util.regex.Pattern.quote(sock + " 1 \"BUTTON\""); // with -c, as gpiomon -c prints it
        assertThat(lines[1]).matches(TS + "\trising\t" + id);
        assertThat(lines[2]).matches(TS + "\tfalling\t" + id);
        assertThat(lines[3]).matches(TS + "\trising\t" + id);
        assertThat(Double.parseDouble(lines[1].split("\t")[0])).isLessThanOrEqualTo(
                Double.parseDouble(lines[2].split("\t")[0]));
        assertThat(direction(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void monWithAFormatAndAnUnnamedLine() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-c", sock, "--banner", "-e", "rising",
                "-n", "2", "-F", "%o %l %c %E %e %S 100%% %", "2", "LED");
        sim.drive(2, 1);
        Thread.sleep(30);
        sim.drive(2, 0); // falling: not reported
        Thread.sleep(30);
        sim.drive(0, 1);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("Monitoring lines '2', and 'LED'..."); // as gpiomon
        assertThat(lines[1]).matches("2 unnamed " + java.util.regex.Pattern.quote(sock) + " rising 1 " + TS
                + " 100% %");
        assertThat(lines[2]).matches("0 LED " + java.util.regex.Pattern.quote(sock) + " rising 1 " + TS
                + " 100% %");
    }

    @Test
    void monNamesAnUnnamedLineBySocketAndOffset() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err,
                "-c", sock, "--banner", "-e", "falling", "-n", "1", "2");
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
        Run r = run(new MonCommand(), "-c", sock, "--level", "high", "-n", "2", "-F", "%E %e", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("level-high 3\nlevel-high 3\n");
    }

    @Test
    void monStopsAfterTheIdleTimeout() throws Exception {
        long start = System.nanoTime();
        Run r = run(new MonCommand(), "-c", sock, "--idle-timeout", "300", "BUTTON", "RESET");
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
                "-c", sock, "--banner", "--idle-timeout", "400", "BUTTON");
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
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-c", sock, "--banner", "BUTTON");
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
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-c", sock, "--banner", "BUTTON");
        stopServer();
        assertThat(mon.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("vgpio mon: the back end at " + sock + " closed the connection\n");
    }

    @Test
    void monRejectsBadOptions() {
        assertThat(run(new MonCommand(), "-c", sock, "-e", "sideways", "BUTTON").exit()).isEqualTo(2);
        assertThat(run(new MonCommand(), "-c", sock, "-e", "rising", "--level", "high", "BUTTON").exit())
                .isEqualTo(2);
        assertThat(run(new MonCommand(), "-c", sock, "--level", "middle", "BUTTON").exit()).isEqualTo(2);
        assertThat(run(new MonCommand(), "-c", sock, "-n", "0", "BUTTON").exit()).isEqualTo(2);
        Run r = run(new MonCommand(), "-c", sock, "-n", "1", "BUTTON", "NOPE");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio mon: no line named \"NOPE\" on " + sock + "\n");
    }

    @Test
    void monTimestamps() {
        assertThat(MonCommand.timestamp(4_342_128_736L)).isEqualTo("4.342128736");
        assertThat(MonCommand.timestamp(7L)).isEqualTo("0.000000007");
    }

    // libgpiod v2's options

    @Test
    void timeValuesTakeLibgpiodUnitsAndABareNumberIsMilliseconds() {
        assertThat(TimeValue.parse("10us", "ms")).hasNanos(10_000);
        assertThat(TimeValue.parse("200ms", "ms")).hasMillis(200);
        assertThat(TimeValue.parse("1s", "ms")).hasSeconds(1);
        assertThat(TimeValue.parse("2m", "ms")).hasMinutes(2);
        assertThat(TimeValue.parse("500", "ms")).hasMillis(500);
        assertThat(new TimeValue.Millis().convert("0")).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TimeValue.parse("5x", "ms"))
                .hasMessageContaining("'5x' is not a period");
        CliRun bad = new CliRun();
        assertThat(bad.execute("get", "-c", sock, "-p", "5x", "LED")).isEqualTo(2);
        assertThat(bad.err.toString()).as("one line with no Java in it").startsWith("vgpio get: Invalid value for option"
                + " '--hold-period': '5x' is not a period: give a whole number of milliseconds or one with a unit us,"
                + " ms, s, m or h (such as 200ms, 10s, 2m)\n").doesNotContain("java.lang");
        assertThat(run(new DetectCommand(), "-c", sock, "--timeout", "2s").exit()).isZero();
        assertThat(run(new DetectCommand(), "-c", sock, "--timeout", "1500").exit()).isZero();
    }

    @Test
    void aChipIsASocketPathOrADeviceName() {
        assertThat(ChipOption.resolve("/tmp/x")).isEqualTo(Path.of("/tmp/x"));
        assertThat(ChipOption.resolve("board.sock")).isEqualTo(Path.of("board.sock"));
        Run missing = run(new GetCommand(), "-c", "no-such-device-here", "LED");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("vgpio get: no device named \"no-such-device-here\": none of"
                + " ./no-such-device-here.sock, ");
        assertThat(run(new GetCommand(), "--socket", sock, "LED").out()).isEqualTo("\"LED\"=inactive\n");
        assertThat(run(new GetCommand(), "--chip", sock, "LED").exit()).isZero();
    }

    @Test
    void detectTakesChipsAsArguments() {
        Run r = run(new DetectCommand(), sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n");
    }

    @Test
    void infoUnquotedByNameAndStrict() {
        Run r = run(new InfoCommand(), "-c", sock, "--unquoted", "LED");
        assertThat(r.out()).isEqualTo(sock + " 0\tLED             \treleased\n");
        r = run(new InfoCommand(), "-c", sock, "--by-name", "2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio info: no line named \"2\" on " + sock + "\n");
        assertThat(run(new InfoCommand(), "-c", sock, "-s", "RESET").exit()).isZero();
    }

    @Test
    void strictIsAcceptedEverywhereLibgpiodHasIt() {
        // vgpio's device refuses duplicate names (the spec wants them unique), so --strict only ever refuses a
        // name on another back end; here it is accepted and changes nothing
        assertThat(run(new GetCommand(), "-c", sock, "--strict", "LED").exit()).isZero();
        assertThat(run(new InfoCommand(), "-c", sock, "--strict", "LED").exit()).isZero();
        assertThat(run(new SetCommand(), "-c", sock, "-s", "-t0", "LED=1").exit()).isZero();
        assertThat(run(new MonCommand(), "-c", sock, "-s", "--idle-timeout", "10ms", "LED").exit()).isZero();
    }

    @Test
    void getActiveLowUnquotedHoldPeriodAndConsumer() throws Exception {
        sim.drive(1, 1);
        Run r = run(new GetCommand(), "-c", sock, "-l", "--unquoted", "BUTTON", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("BUTTON=inactive RESET=active\n");
        long start = System.nanoTime();
        r = run(new GetCommand(), "-c", sock, "-p", "150ms", "-C", "me", "--by-name", "--numeric", "BUTTON");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(r.out()).isEqualTo("1\n");
        assertThat(run(new GetCommand(), "-c", sock, "-a", "-l", "--numeric", "BUTTON").out()).isEqualTo("0\n");
    }

    @Test
    void biasDriveAndDebounceNeedTheLineConfigExtensionAndHteIsRefusedClearly() {
        List<String> changes = recordChanges();
        String without = ": the device does not offer VIRTIO_GPIO_F_LINE_CONFIG, so its lines keep bias as-is, drive"
                + " push-pull and no debounce\n";
        Run r = run(new GetCommand(), "-c", sock, "-b", "pull-up", "LED");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio get: cannot give line 0 \"LED\" bias pull-up" + without);
        r = run(new GetCommand(), "-c", sock, "-b", "sideways", "LED");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("invalid bias: sideways (libgpiod takes pull-up, pull-down, disabled or"
                + " as-is)");
        assertThat(run(new GetCommand(), "-c", sock, "-b", "as-is", "LED").exit()).isZero();
        r = run(new SetCommand(), "-c", sock, "-b", "pull-down", "-t0", "LED=1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: cannot give line 0 \"LED\" bias pull-down" + without);
        r = run(new SetCommand(), "-c", sock, "-d", "open-drain", "-t0", "LED=1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: cannot give line 0 \"LED\" drive open-drain" + without);
        assertThat(run(new SetCommand(), "-c", sock, "-d", "bogus", "-t0", "LED=1").err())
                .startsWith("invalid drive: bogus");
        assertThat(run(new SetCommand(), "-c", sock, "-d", "push-pull", "-t0", "LED=1").exit()).isZero();
        r = run(new MonCommand(), "-c", sock, "-b", "disabled", "BUTTON");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio mon: cannot give line 1 \"BUTTON\" bias disabled" + without);
        r = run(new MonCommand(), "-c", sock, "-p", "10ms", "BUTTON");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio mon: cannot give line 1 \"BUTTON\" debounce 10000 us" + without);
        assertThat(run(new MonCommand(), "-c", sock, "-p", "0", "--idle-timeout", "10ms", "BUTTON").exit())
                .isZero();
        r = run(new MonCommand(), "-c", sock, "-E", "hte", "BUTTON");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("--event-clock hte cannot be honoured");
        assertThat(run(new MonCommand(), "-c", sock, "-E", "sundial", "BUTTON").err())
                .startsWith("invalid event clock: sundial");
        // only the accepted runs touched lines
        assertThat(changes).containsOnly("0:OUT:1", "0:NONE:0", "0:IN:0", "1:IN:0", "1:NONE:0");
    }

    @Test
    void setTogglesAsGpiosetAndExitsAfterAFinalZero() throws Exception {
        List<String> changes = recordChanges();
        long start = System.nanoTime();
        Run r = run(new SetCommand(), "-c", sock, "-t", "100ms,100ms,0", "LED=1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(r.exit()).isZero();
        assertThat(changes).containsExactly("0:OUT:1", "0:OUT:0", "0:OUT:1", "0:NONE:0");
    }

    @Test
    void setTogglesForEverWithoutAFinalZero() throws Exception {
        List<String> changes = recordChanges();
        SetCommand command = new SetCommand();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-c", sock, "-t", "20",
                "LED=0"));
        await("five toggles", () -> changes.size() >= 6);
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
        assertThat(changes).startsWith("0:OUT:0", "0:OUT:1", "0:OUT:0", "0:OUT:1");
        assertThat(direction(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void setHoldPeriodIsTheMinimumOfEachToggle() throws Exception {
        List<String> changes = recordChanges();
        long start = System.nanoTime();
        Run r = run(new SetCommand(), "-c", sock, "-p", "200ms", "-t", "1ms,0", "LED=1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(r.exit()).isZero();
        assertThat(changes).containsExactly("0:OUT:1", "0:OUT:0", "0:NONE:0");
    }

    @Test
    void setHoldPeriodAloneHoldsOnUntilStopped() throws Exception {
        SetCommand command = new SetCommand();
        CompletableFuture<Run> set = CompletableFuture.supplyAsync(() -> run(command, "-c", sock, "-p", "50ms",
                "LED=1"));
        await("LED driven", () -> direction(0) == Direction.OUT);
        holds("set holding after its hold period", Duration.ofMillis(300), () -> !set.isDone());
        command.stop();
        assertThat(set.get(10, TimeUnit.SECONDS).exit()).isZero();
    }

    @Test
    void setActiveLowBannerAndQuotedLines() throws Exception {
        List<String> changes = recordChanges();
        Run r = run(new SetCommand(), "-c", sock, "-l", "--banner", "-t0", "\"LED\"=1", "RESET=0");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("Setting lines 'LED', and 'RESET'...\n");
        assertThat(changes).containsSubsequence("0:OUT:0", "3:OUT:1");
        assertThat(run(new SetCommand(), "-c", sock, "--banner", "-t0", "LED=1").out())
                .isEqualTo("Setting line 'LED'...\n");
        assertThat(SetCommand.banner(List.of("A", "B", "C"))).isEqualTo("Setting lines 'A', 'B', and 'C'...");
    }

    @Test
    void setInteractiveRunsGpiosetsCommands() throws Exception {
        List<String> changes = recordChanges();
        SetCommand command = new SetCommand();
        command.input = new java.io.BufferedReader(new java.io.StringReader(String.join("\n", "get",
                "set LED=0", "get LED", "toggle", "get \"RESET\"", "toggle RESET", "get", "set LAMP=1", "set LED=7",
                "set", "sleep 10ms", "sleep", "sleep soon", "fly", "help", "get --unquoted", "exit", "get")));
        Run r = run(command, "-c", sock, "-i", "--unquoted", "LED=1", "RESET=on");
        assertThat(r.exit()).isZero();
        String p = SetCommand.PROMPT;
        assertThat(r.out()).isEqualTo(p + "LED=active RESET=active\n" + p + p + "LED=inactive\n" + p
                + p + "RESET=inactive\n" + p + p + "LED=active RESET=active\n"
                + p + "unknown line: 'LAMP'\n" + p + "invalid line value: '7'\n"
                + p + "at least one GPIO line value must be specified\n" + p + p + "a period must be specified\n"
                + p + "invalid period: 'soon'\n" + p + "unknown command: 'fly'\nTry the 'help' command\n"
                + p + SetCommand.INTERACTIVE_HELP + p + "unknown line: '--unquoted'\n" + p);
        assertThat(changes).containsSubsequence("0:OUT:1", "3:OUT:1", "0:OUT:0", "0:OUT:1", "3:OUT:0",
                "3:OUT:1", "3:NONE:0", "0:NONE:0");
        assertThat(direction(0)).isEqualTo(Direction.NONE);

        command = new SetCommand();
        command.input = new java.io.BufferedReader(new java.io.StringReader("toggle\n")); // then end of input
        r = run(command, "-c", sock, "-i", "LED=0");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(p + p + "\n");
        assertThat(run(new SetCommand(), "-c", sock, "-i", "-t", "1s", "LED=0").err())
                .startsWith("can't combine interactive with toggle");
        assertThat(run(new SetCommand(), "-c", sock, "-i", "-z", "LED=0").err())
                .startsWith("can't combine interactive with daemonize");
    }

    @Test
    void setDaemonizeDetachesAProcessThatHoldsTheLines() throws Exception {
        Run r = run(new SetCommand(), "-c", sock, "-z", "--banner", "LED=1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Setting line 'LED'...\n");
        assertThat(direction(0)).isEqualTo(Direction.OUT);
        assertThat(observe(0)).isEqualTo(1);
        List<ProcessHandle> children = ProcessHandle.current().children().toList();
        assertThat(children).isNotEmpty();
        holds("the detached set holding", Duration.ofMillis(300), () -> direction(0) == Direction.OUT);
        children.forEach(ProcessHandle::destroy); // SIGTERM: it releases the lines
        await("LED released", () -> direction(0) == Direction.NONE);

        r = run(new SetCommand(), "-c", sock, "-z", "LAMP=1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: no line named \"LAMP\" on " + sock + "\n");

        CliRun cli = new CliRun(); // as 'vgpio set -z ...': the child gets the arguments after 'set'
        assertThat(cli.execute("set", "-z", "-c", sock, "RESET=1")).as(cli.err.toString()).isZero();
        assertThat(direction(3)).isEqualTo(Direction.OUT);
        ProcessHandle.current().children().forEach(ProcessHandle::destroy);
        await("RESET released", () -> direction(3) == Direction.NONE);
    }

    @Test
    void monEventClockTimeFormatsAndEverySpecifier() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = monitor(new MonCommand(), out, err, "-c", sock, "--banner", "-n", "1",
                "-E", "realtime", "--unquoted", "BUTTON");
        sim.drive(1, 1);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        String utc = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}";
        assertThat(out.toString().split("\n")[1]).matches(utc + "Z\trising\t"
                + java.util.regex.Pattern.quote(sock) + " 1 BUTTON");
        int year = java.time.LocalDate.now(java.time.ZoneOffset.UTC).getYear();
        assertThat(out.toString().split("\n")[1]).startsWith(Integer.toString(year).substring(0, 3));

        out = new StringWriter();
        mon = monitor(new MonCommand(), out, err, "-c", sock, "--banner", "-n", "1", "--localtime",
                "-F", "%U|%L|%S|%e|%E|%o|%l|%c|%%", "BUTTON");
        sim.drive(1, 0);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString().split("\n")[1]).matches(utc + "Z\\|" + utc + "\\|" + TS + "\\|2\\|falling\\|1\\|"
                + "BUTTON\\|" + java.util.regex.Pattern.quote(sock) + "\\|%");
        assertThat(MonCommand.time(1_700_000_000_123_456_789L, 1, null)).isEqualTo("2023-11-14T22:13:20.123456789Z");
        assertThat(MonCommand.time(1_700_000_000_123_456_789L, 2, java.time.ZoneId.of("+01:00")))
                .isEqualTo("2023-11-14T23:13:20.123456789");
        assertThat(run(new MonCommand(), "-c", sock, "--utc", "--localtime", "BUTTON").exit()).isEqualTo(2);
    }

    @Test
    void monPrintsTheInitialStateAsGpiomon23() throws Exception {
        sim.drive(1, 1);
        Run r = run(new MonCommand(), "-c", sock, "-I", "--idle-timeout", "10ms", "BUTTON", "RESET");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("\"BUTTON\"=active \"RESET\"=inactive\n");
        r = run(new MonCommand(), "-c", sock, "-I", "-N", "-l", "-q", "--banner", "--idle-timeout", "10ms", "BUTTON",
                "RESET");
        assertThat(r.out()).isEqualTo("0 1\nMonitoring lines 'BUTTON', and 'RESET'...\n");
        r = run(new MonCommand(), "-c", sock, "--initial-state", "--unquoted", "--idle-timeout", "10ms", "BUTTON");
        assertThat(r.out()).isEqualTo("BUTTON=active\n");
    }

    @Test
    void monRefusesAnUnknownFormatSpecifierByName() {
        Run r = run(new MonCommand(), "-c", sock, "-F", "%o %x %E", "BUTTON");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("unknown format specifier '%x' in '%o %x %E'");
        assertThat(MonCommand.unknownSpecifier("%o%%x %")).isNull();
    }

    @Test
    void monQuietActiveLowAndIdleTimeoutWithUnits() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = CompletableFuture.supplyAsync(() -> commandLine(new MonCommand(), out, err)
                .execute("-c", sock, "-q", "--banner", "-n", "2", "BUTTON"));
        await("BUTTON armed", () -> direction(1) == Direction.IN);
        Thread.sleep(50);
        sim.drive(1, 1);
        Thread.sleep(30);
        sim.drive(1, 0);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).isEqualTo("Monitoring line 'BUTTON'...\n"); // the banner, as gpiomon -q prints it

        StringWriter out2 = new StringWriter();
        mon = monitor(new MonCommand(), out2, err, "-c", sock, "--banner", "-l", "-e", "rising", "-n", "1",
                "-F", "%E %e", "BUTTON");
        sim.drive(1, 1); // physical rising: logical falling, not reported
        Thread.sleep(30);
        sim.drive(1, 0); // logical rising
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out2.toString().split("\n")[1]).isEqualTo("rising 1");

        long start = System.nanoTime();
        Run r = run(new MonCommand(), "-c", sock, "--idle-timeout", "1s", "BUTTON");
        assertThat(r.exit()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    // every tool

    @Test
    void everyToolExplainsAMissingBackEnd() {
        String none = dir.resolve("none.sock").toString();
        List<Object[]> tools = List.of(
                new Object[] {new DetectCommand(), "detect", new String[] {"-c", none}},
                new Object[] {new InfoCommand(), "info", new String[] {"-c", none}},
                new Object[] {new GetCommand(), "get", new String[] {"-c", none, "LED"}},
                new Object[] {new SetCommand(), "set", new String[] {"-c", none, "-t0", "LED=1"}},
                new Object[] {new MonCommand(), "mon", new String[] {"-c", none, "LED"}});
        for (Object[] t : tools) {
            Run r = run(t[0], (String[]) t[2]);
            assertThat(r.exit()).as((String) t[1]).isEqualTo(1);
            assertThat(r.out()).as((String) t[1]).isEmpty();
            assertThat(r.err()).as((String) t[1])
                    .startsWith("vgpio " + t[1] + ": cannot connect to the vhost-user back end at " + none)
                    .endsWith("(is `vgpio serve` running on " + none + "?)\n").hasLineCount(1);
        }
    }

    @Test
    void everyToolHasHelpAndChecksTheTimeout() {
        for (Object tool : List.of(new DetectCommand(), new InfoCommand(), new GetCommand(), new SetCommand(),
                new MonCommand())) {
            Run help = run(tool, "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("Usage: ").contains("-c, --chip, --socket=CHIP")
                    .contains("--timeout=PERIOD");
            Run version = run(tool, "-v");
            assertThat(version.exit()).isZero();
            assertThat(version.out()).startsWith("vgpio ");
        }
        assertThat(run(new DetectCommand(), "-c", sock, "--timeout", "0").exit()).isEqualTo(2);
        assertThat(run(new DetectCommand(), "-c", sock, "--timeout", "soon").exit()).isEqualTo(2);
    }
}
