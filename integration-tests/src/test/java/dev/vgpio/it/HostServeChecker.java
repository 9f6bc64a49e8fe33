package dev.vgpio.it;

import dev.vgpio.cli.Main;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.GpioLineFd;
import dev.vgpio.sys.GpioUapi;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs inside the test guest of {@link HostServeGuestTest} (on the host's JDK, shared in over virtio-9p): serves
 * gpio-sim banks of the guest's kernel with {@code vgpio serve --chip SPEC} as a separate process and drives them
 * with vgpio's own driver tools ({@code info}, {@code get}, {@code set}, {@code mon}), run through picocli in this
 * JVM (each JVM start costs seconds under TCG) and once as a {@code java -jar vgpio.jar} process. The other side of
 * each line is gpio-sim's {@code sim_gpioN/value} and {@code sim_gpioN/pull} in sysfs, and the kernel's line info.
 * Prints {@code CHECK ok NAME ...} or {@code CHECK FAIL NAME: why} for each check, {@code NOTE ...} for what is only
 * reported, the daemon's log after a phase with a failed check, and {@code CHECKER-DONE failures=N} at the end;
 * exits 1 if any check failed. Phase D makes a gpio-sim device of its own (bank sim-bank-d), serves it by label and
 * takes it down and back up through configfs' {@code live} while the driver API holds two of its lines.
 *
 * <p>Arguments: vgpio's jar, gpio-sim's platform device directory ({@code /sys/devices/platform/gpio-sim.0}) and
 * the chip names ({@code gpiochipN}) of the banks labelled sim-bank-a, sim-bank-b and sim-bank-c.
 */
final class HostServeChecker {
    static final String BANK_A = "sim-bank-a";
    static final String BANK_B = "sim-bank-b";
    static final String BANK_C = "sim-bank-c";
    /** The bank of phase D, on a gpio-sim device of its own that the checker takes down and brings back. */
    static final String BANK_D = "sim-bank-d";
    /** The consumer label the daemon gives the lines it holds for device 0. */
    static final String CONSUMER = "vgpio:gpio0";
    static final String TWO_CHIPS = "sim-bank-a 0-1 sim-bank-b 2 sim-b3";
    static final String AGGREGATED = "sim-bank-c 1-2";
    /** The checks, in the order they run; the host test expects an {@code ok} marker for each. */
    static final List<String> CHECKS = List.of(
            "a-serve", "a-names", "a-set-reaches-host", "a-consumer-while-held", "a-set-exit", "a-released",
            "a-pull-read-by-get", "a-bias-from-the-guest", "a-open-drain-from-the-guest", "a-info-caps",
            "a-get-process", "a-mon-armed", "a-mon-rising", "a-mon-falling",
            "a-level-armed", "a-level-quiet-while-low", "a-level-fires", "a-level-refires-while-high",
            "a-busy-set-fails", "a-busy-get-fails", "a-busy-others-work", "a-busy-info", "a-busy-daemon-alive",
            "a-busy-cleared", "a-daemon-alive", "a-stop",
            "b-serve", "b-names", "b-led-reaches-bank-a-0", "b-button-pull", "b-host-named-line-pull", "b-stop",
            "c-aggregator-interface", "c-aggregator-chip", "c-serve", "c-info", "c-set-reaches-bank-c-1", "c-stop",
            "d-sim-device", "d-serve", "d-attach", "d-output-held", "d-edge-before", "d-bank-down",
            "d-down-daemon-alive", "d-down-cpu-low", "d-down-request-fails", "d-down-connection-works",
            "d-down-logged-once", "d-bank-up", "d-back-request-ok", "d-back-output-requested", "d-back-edge-requested",
            "d-released", "d-back-info", "d-back-mon", "d-stop", "d-sim-removed");

    private static final long WAIT_NANOS = 15_000_000_000L;
    /**
     * A daemon's JVM takes 6 to 15 s to serve under TCG on an idle host, and more when the host is busy with other
     * guests.
     */
    private static final long START_NANOS = 60_000_000_000L;
    /** Every tool's --timeout: the daemon may take its time under TCG, but a lost answer still ends the call. */
    private static final String TOOL_TIMEOUT = "5000";
    /** vgpio mon ends by itself after this many ms without an event, so a missing one frees the device. */
    private static final String IDLE = "8000";
    private static final List<String> GUEST_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xmx96m");
    private static final Path AGGREGATOR = Path.of("/sys/bus/platform/drivers/gpio-aggregator");
    private static final Path AGGREGATOR_CONFIGFS = Path.of("/sys/kernel/config/gpio-aggregator");
    private static final Path SIM_CONFIGFS = Path.of("/sys/kernel/config/gpio-sim");
    /**
     * The most CPU (clock ticks of 10 ms) the daemon may use in 2 s with its chip gone: 15 % of one CPU; a loop on a
     * hung-up descriptor takes a whole one (200).
     */
    private static final long CPU_TICKS_LIMIT = 30;
    /** How long after the bank is back a request must succeed again (the daemon looks at most every 500 ms). */
    private static final long BACK_NANOS = 5_000_000_000L;

    private final Path jar;
    private final Path simDevice;
    private final String chipA;
    private final String chipB;
    private final String chipC;
    private final List<String> failures = new ArrayList<>();

    private HostServeChecker(Path jar, Path simDevice, String chipA, String chipB, String chipC) {
        this.jar = jar;
        this.simDevice = simDevice;
        this.chipA = chipA;
        this.chipB = chipB;
        this.chipC = chipC;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: HostServeChecker VGPIO_JAR SIM_DEVICE_DIR CHIP_A CHIP_B CHIP_C");
            System.exit(2);
        }
        HostServeChecker c = new HostServeChecker(Path.of(args[0]), Path.of(args[1]), args[2], args[3], args[4]);
        long start = System.nanoTime();
        c.wholeChip();
        c.twoChips();
        c.aggregator();
        c.chipComesBack();
        System.out.printf("NOTE checker took %.1f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println("CHECKER-DONE failures=" + c.failures.size());
        System.out.flush();
        System.exit(c.failures.isEmpty() ? 0 : 1);
    }

    // ------------------------------------------------------------------ phase A: a whole chip, by label

    private void wholeChip() throws Exception {
        int failed = failures.size();
        Daemon d = check("a-serve", () -> Daemon.start(this, "a", "--chip", BANK_A));
        if (d == null) {
            skipFrom("a-names", "b-serve");
            return;
        }
        try (GpioChipFd chip = GpioChipFd.open(dev(chipA))) {
            check("a-names", () -> {
                List<String> names = names(d, 8);
                List<String> want = Stream.of(0, 1, 2, 3, 4, 5, 6, 7).map(i -> "sim-a" + i).toList();
                expect(names.equals(want), "the guest sees " + names + ", want " + want);
                return String.join(",", names);
            });
            heldOutput(d, chip, 3, "sim-a3");
            check("a-pull-read-by-get", () -> {
                writeSim(chipA, 4, "pull", "pull-up");
                Result high = d.tool("get", "--numeric", "sim-a4");
                writeSim(chipA, 4, "pull", "pull-down");
                Result low = d.tool("get", "--numeric", "sim-a4");
                expect(high.ok() && high.out.equals("1") && low.ok() && low.out.equals("0"),
                        "get under pull-up: " + high + "; under pull-down: " + low);
                return "pull-up->" + high.out + " pull-down->" + low.out;
            });
            lineConfig(d, chip);
            check("a-get-process", () -> {
                writeSim(chipA, 4, "pull", "pull-up");
                long t0 = System.nanoTime();
                Result r = d.process("get", "sim-a4");
                double secs = (System.nanoTime() - t0) / 1e9;
                writeSim(chipA, 4, "pull", "pull-down");
                expect(r.ok() && r.out.equals("\"sim-a4\"=active"), "java -jar vgpio.jar get: " + r);
                return r.out + String.format(" (a JVM of its own, %.1f s)", secs);
            });
            edges(d);
            level(d);
            busy(d, chip);
            check("a-daemon-alive", () -> {
                expect(d.process.isAlive(), "the daemon exited: " + d.exit());
                Result r = d.tool("get", "--numeric", "sim-a0");
                expect(r.ok() && r.out.equals("0"), "get sim-a0 at the end: " + r);
                return "pid " + d.process.pid();
            });
            stop(d, "a-stop", new Lines(chip, 0, 1, 2, 3, 4, 5, 6, 7));
        } finally {
            d.kill();
            dumpLogIfFailed(d, failed);
        }
    }

    /**
     * The line-configuration extension through the whole chain: vgpio's driver negotiates VIRTIO_GPIO_F_LINE_CONFIG
     * over vhost-user, the daemon's HostChip puts the settings into the kernel's line request, and gpio-sim shows
     * them in {@code sim_gpioN/pull} and the line info.
     */
    private void lineConfig(Daemon d, GpioChipFd chip) {
        check("a-bias-from-the-guest", () -> {
            writeSim(chipA, 4, "pull", "pull-down");
            Result up = d.tool("get", "--numeric", "-b", "pull-up", "sim-a4");
            String pullUp = sim(chipA, 4, "pull");
            Result down = d.tool("get", "--numeric", "-b", "pull-down", "sim-a4");
            String pullDown = sim(chipA, 4, "pull");
            expect(up.ok() && up.out.equals("1") && pullUp.equals("pull-up") && down.ok() && down.out.equals("0")
                    && pullDown.equals("pull-down"), "get -b pull-up: " + up + " (sim pull " + pullUp
                    + "); get -b pull-down: " + down + " (sim pull " + pullDown + ")");
            return "get -b pull-up -> " + up.out + " (sim pull " + pullUp + "), -b pull-down -> " + down.out
                    + " (sim pull " + pullDown + ")";
        });
        check("a-open-drain-from-the-guest", () -> {
            FutureTask<Result> set = d.background("set", "-p", "4000ms", "-t", "0", "-b", "pull-up", "-d",
                    "open-drain", "sim-a3=1");
            String v = awaitSim(chipA, 3, "value", "1", () -> used(chip, 3));
            GpioChipFd.LineInfo l = chip.lineInfo(3);
            Result r = join(set);
            expect(v.equals("1") && (l.flags() & GpioUapi.FLAG_OPEN_DRAIN) != 0
                    && (l.flags() & GpioUapi.FLAG_BIAS_PULL_UP) != 0 && r.ok(),
                    "set -b pull-up -d open-drain sim-a3=1: sim_gpio3/value " + v + ", " + info(chip, 3) + ", set "
                            + r);
            return "sim_gpio3/value=" + v + " with open-drain and pull-up in the line info";
        });
        check("a-info-caps", () -> {
            Result r = d.tool("info");
            expect(r.ok() && r.out.contains("caps="), "vgpio info: " + r);
            return r.out.lines().filter(x -> x.contains("sim-a4")).findFirst().orElse("").strip();
        });
    }

    /**
     * {@code vgpio set -p HOLD -t 0 LINE=1} in the background: the host line follows while the daemon holds it with the
     * consumer label of device 0, and is free again once the tool has released it.
     */
    private void heldOutput(Daemon d, GpioChipFd chip, int offset, String name) {
        FutureTask<Result> set = d.background("set", "-p", "4000ms", "-t", "0", name + "=1");
        check("a-set-reaches-host", () -> {
            String v = awaitSim(chipA, offset, "value", "1", () -> used(chip, offset));
            expect(v.equals("1"), "sim_gpio" + offset + "/value is " + v + " while vgpio set holds " + name + "=1; "
                    + info(chip, offset) + "; set so far: " + d.peek(set));
            return "sim_gpio" + offset + "/value=" + v;
        });
        check("a-consumer-while-held", () -> {
            GpioChipFd.LineInfo l = chip.lineInfo(offset);
            expect(l.used() && l.consumer().equals(CONSUMER) && (l.flags() & GpioUapi.FLAG_OUTPUT) != 0,
                    "want used, output, consumer " + CONSUMER + "; kernel says " + l);
            return "consumer=" + l.consumer() + " flags=0x" + Long.toHexString(l.flags());
        });
        check("a-set-exit", () -> {
            Result r = join(set);
            expect(r.ok(), "vgpio set -p 4000ms -t 0: " + r);
            return "exit 0";
        });
        check("a-released", () -> {
            long t0 = System.nanoTime();
            boolean free = await(() -> !used(chip, offset));
            GpioChipFd.LineInfo l = chip.lineInfo(offset);
            expect(free && l.consumer().isEmpty(), "after vgpio set released " + name + ": " + l);
            return String.format("free after %.0f ms, flags=0x%s", (System.nanoTime() - t0) / 1e6,
                    Long.toHexString(l.flags()));
        });
    }

    private void edges(Daemon d) {
        FutureTask<Result> mon = d.background("mon", "--banner", "-n", "2", "--idle-timeout", IDLE, "sim-a5");
        boolean armed = check("a-mon-armed", () -> {
            expect(await(() -> d.peek(mon).contains("Monitoring line 'sim-a5'...")), "no banner: " + d.peek(mon));
            Thread.sleep(500); // the daemon takes the eventq buffer after the driver has sent SET_IRQ_TYPE
            return "banner";
        }) != null;
        if (!armed) {
            d.cancel(mon);
        }
        check("a-mon-rising", () -> {
            writeSim(chipA, 5, "pull", "pull-up");
            expect(await(() -> events(d.peek(mon)).size() >= 1), "no event after pull-up: " + d.peek(mon));
            String e = events(d.peek(mon)).getFirst();
            expect(e.matches("\\d+\\.\\d{9}\trising\t/tmp/a\\.sock 5 \"sim-a5\""), "first event: " + e);
            return e.replace('\t', ' ');
        });
        check("a-mon-falling", () -> {
            writeSim(chipA, 5, "pull", "pull-down");
            Result r = join(mon);
            List<String> ev = events(r.out);
            expect(r.ok() && ev.size() == 2 && ev.get(1)
                    .matches("\\d+\\.\\d{9}\tfalling\t/tmp/a\\.sock 5 \"sim-a5\""),
                    "vgpio mon -n 2 after pull-down: " + r);
            return ev.get(1).replace('\t', ' ');
        });
    }

    private void level(Daemon d) {
        FutureTask<Result> mon = d.background("mon", "--banner", "--level", "high", "-n", "2", "--idle-timeout", IDLE,
                "sim-a7");
        check("a-level-armed", () -> {
            expect(await(() -> d.peek(mon).contains("Monitoring line 'sim-a7'...")), "no banner: " + d.peek(mon));
            return "banner";
        });
        check("a-level-quiet-while-low", () -> {
            Thread.sleep(1000);
            List<String> ev = events(d.peek(mon));
            expect(ev.isEmpty(), "events while sim-a7 is low: " + ev);
            return "no event in 1 s";
        });
        check("a-level-fires", () -> {
            writeSim(chipA, 7, "pull", "pull-up");
            expect(await(() -> events(d.peek(mon)).size() >= 1), "no event after pull-up: " + d.peek(mon));
            String e = events(d.peek(mon)).getFirst();
            expect(e.matches("\\d+\\.\\d{9}\tlevel-high\t/tmp/a\\.sock 7 \"sim-a7\""), "first event: " + e);
            return e.replace('\t', ' ');
        });
        check("a-level-refires-while-high", () -> {
            Result r = join(mon);
            String pull = sim(chipA, 7, "pull");
            List<String> ev = events(r.out);
            expect(r.ok() && ev.size() == 2 && ev.get(1)
                    .matches("\\d+\\.\\d{9}\tlevel-high\t/tmp/a\\.sock 7 \"sim-a7\"")
                    && pull.equals("pull-up"), "vgpio mon --level high -n 2 while pulled up: " + r);
            return ev.get(1).replace('\t', ' ') + " (re-armed, still " + pull + ")";
        });
        d.cancel(mon);
        try {
            writeSim(chipA, 7, "pull", "pull-down");
        } catch (IOException e) {
            System.out.println("NOTE could not pull sim-a7 down again: " + e);
        }
    }

    /** Another process (this one) holds a line: vgpio's requests for it fail, the rest of the chip works. */
    private void busy(Daemon d, GpioChipFd chip) throws LinuxException {
        int busy = 6;
        try (GpioLineFd held = chip.requestLine(busy, GpioUapi.FLAG_OUTPUT, 1, 0, "vgpio-it:holder")) {
            System.out.println("NOTE this checker holds " + chipA + " line " + busy + ": " + chip.lineInfo(busy));
            check("a-busy-set-fails", () -> {
                Result r = d.tool("set", "--no-hold", "sim-a6=0");
                String v = sim(chipA, busy, "value");
                expect(r.status == 1 && r.out.isEmpty() && r.err.startsWith("vgpio set: ")
                        && (r.err.contains("sim-a6") || r.err.contains("line 6")) && v.equals("1"),
                        "vgpio set sim-a6=0 on a line held elsewhere: " + r + "; sim_gpio6/value " + v);
                return r.err;
            });
            check("a-busy-get-fails", () -> {
                Result r = d.tool("get", "sim-a6");
                expect(r.status == 1 && r.out.isEmpty() && r.err.startsWith("vgpio get: ")
                        && (r.err.contains("sim-a6") || r.err.contains("line 6")),
                        "vgpio get sim-a6 on a line held elsewhere: " + r);
                return r.err;
            });
            check("a-busy-others-work", () -> {
                Result get = d.tool("get", "--numeric", "sim-a2");
                FutureTask<Result> set = d.background("set", "-p", "1500ms", "-t", "0", "sim-a1=1");
                String v = awaitSim(chipA, 1, "value", "1", () -> true);
                Result s = join(set);
                expect(get.ok() && get.out.equals("0") && s.ok() && v.equals("1"),
                        "get sim-a2: " + get + "; set sim-a1=1: " + s + " (sim_gpio1/value " + v + ")");
                return "get sim-a2=" + get.out + ", set sim-a1=1 -> value " + v;
            });
            check("a-busy-info", () -> {
                Result r = d.tool("info");
                expect(r.ok() && r.out.contains("\"sim-a6\""), "vgpio info: " + r);
                return r.out.lines().filter(l -> l.contains("sim-a6")).findFirst().orElse("").trim();
            });
            check("a-busy-daemon-alive", () -> {
                expect(d.process.isAlive(), "the daemon exited: " + d.exit());
                expect(held.get() == 1 && sim(chipA, busy, "value").equals("1"), "our hold of line 6 changed");
                return "pid " + d.process.pid() + ", line 6 still ours";
            });
        }
        busyLog(d);
        check("a-busy-cleared", () -> {
            Result r = d.tool("get", "--numeric", "sim-a6");
            expect(r.ok() && r.out.equals("0"), "get sim-a6 after this checker released it: " + r);
            return "get sim-a6=" + r.out;
        });
    }

    /** What the daemon logged about the refused requests (reported, not checked: the log is not an interface). */
    private static void busyLog(Daemon d) {
        List<String> lines = d.log().lines().filter(l -> l.toLowerCase().contains("busy")).limit(4).toList();
        System.out.println("NOTE daemon log lines about the busy line: " + (lines.isEmpty() ? "none" : ""));
        lines.forEach(l -> System.out.println("NOTE   " + l));
    }

    // ------------------------------------------------------------------ phase B: lines of two chips, renamed

    private void twoChips() throws Exception {
        int failed = failures.size();
        Daemon d = check("b-serve", () -> Daemon.start(this, "b", "--chip", TWO_CHIPS, "--names", "LED,,BUTTON"));
        if (d == null) {
            skipFrom("b-names", "c-aggregator-interface");
            return;
        }
        try (GpioChipFd a = GpioChipFd.open(dev(chipA)); GpioChipFd b = GpioChipFd.open(dev(chipB))) {
            check("b-names", () -> {
                List<String> names = names(d, 4);
                List<String> want = List.of("LED", "sim-a1", "BUTTON", "sim-b3");
                expect(names.equals(want), "the guest sees " + names + ", want " + want);
                return String.join(",", names);
            });
            check("b-led-reaches-bank-a-0", () -> {
                FutureTask<Result> set = d.background("set", "-p", "3000ms", "-t", "0", "LED=1");
                String v = awaitSim(chipA, 0, "value", "1", () -> used(a, 0));
                GpioChipFd.LineInfo l = a.lineInfo(0);
                Result r = join(set);
                expect(v.equals("1") && l.consumer().equals(CONSUMER) && r.ok(), "set LED=1: sim-bank-a"
                        + " sim_gpio0/value " + v + ", line info " + l + ", tool " + r);
                return "sim-bank-a line 0 value=" + v + " consumer=" + l.consumer();
            });
            check("b-button-pull", () -> pullReadBack(d, chipB, 2, "BUTTON"));
            check("b-host-named-line-pull", () -> pullReadBack(d, chipB, 3, "sim-b3"));
            stop(d, "b-stop", new Lines(a, 0, 1), new Lines(b, 2, 3));
        } finally {
            d.kill();
            dumpLogIfFailed(d, failed);
        }
    }

    /** Pulls a gpio-sim line up and down and reads it through the guest's name for it. */
    private String pullReadBack(Daemon d, String chip, int offset, String name) throws Exception {
        writeSim(chip, offset, "pull", "pull-up");
        Result high = d.tool("get", "--numeric", name);
        writeSim(chip, offset, "pull", "pull-down");
        Result low = d.tool("get", "--numeric", name);
        expect(high.ok() && high.out.equals("1") && low.ok() && low.out.equals("0"), name + " under pull-up of "
                + chip + " line " + offset + ": " + high + "; under pull-down: " + low);
        return name + ": pull-up->" + high.out + " pull-down->" + low.out;
    }

    // ------------------------------------------------------------------ phase C: a kernel gpio-aggregator chip

    private void aggregator() throws Exception {
        boolean newDevice = Files.exists(AGGREGATOR.resolve("new_device"));
        boolean configfs = Files.isDirectory(AGGREGATOR_CONFIGFS);
        System.out.println("NOTE gpio-aggregator on kernel " + kernel() + ": sysfs new_device "
                + (newDevice ? "present" : "absent") + ", configfs interface (" + AGGREGATOR_CONFIGFS + ") "
                + (configfs ? "present" : "absent (it came after 6.1; new_device is used)"));
        check("c-aggregator-interface", () -> {
            expect(newDevice, AGGREGATOR.resolve("new_device") + " is missing");
            return "new_device" + (configfs ? " (configfs too)" : " (no configfs interface)");
        });
        String[] agg = check("c-aggregator-chip", this::createAggregator);
        if (agg == null) {
            skipFrom("c-serve", "d-sim-device");
            return;
        }
        int failed = failures.size();
        Daemon d = check("c-serve", () -> Daemon.start(this, "c", "--chip", agg[1]));
        try (GpioChipFd chip = GpioChipFd.open(dev(agg[1]))) {
            if (d == null) {
                skipFrom("c-info", "d-sim-device");
                return;
            }
            try {
                check("c-info", () -> {
                    Result r = d.tool("info");
                    expect(r.ok() && r.out.startsWith(d.socket + " - 2 lines:"), "vgpio info: " + r);
                    return r.out.lines().findFirst().orElse("");
                });
                check("c-set-reaches-bank-c-1", () -> {
                    FutureTask<Result> set = d.background("set", "-p", "3000ms", "-t", "0", "0=1");
                    String v = awaitSim(chipC, 1, "value", "1", () -> used(chip, 0));
                    GpioChipFd.LineInfo l = chip.lineInfo(0);
                    String other = sim(chipC, 2, "value");
                    Result r = join(set);
                    expect(v.equals("1") && other.equals("0") && l.consumer().equals(CONSUMER) && r.ok(),
                            "set 0=1 on " + agg[1] + ": sim-bank-c sim_gpio1/value " + v + ", sim_gpio2/value "
                                    + other + ", aggregator line info " + l + ", tool " + r);
                    return "sim-bank-c line 1 value=" + v + " (line 2 " + other + ") consumer=" + l.consumer();
                });
                stop(d, "c-stop", new Lines(chip, 0, 1));
            } finally {
                d.kill();
                dumpLogIfFailed(d, failed);
            }
        } finally {
            try {
                Files.writeString(AGGREGATOR.resolve("delete_device"), agg[0]);
            } catch (IOException e) {
                System.out.println("NOTE could not delete " + agg[0] + ": " + e);
            }
        }
    }

    /** Creates the aggregator through new_device; its platform device name and chip name. */
    private String[] createAggregator() throws Exception {
        Path devices = Path.of("/sys/bus/platform/devices");
        List<String> before = aggregators(devices);
        Files.writeString(AGGREGATOR.resolve("new_device"), AGGREGATED);
        String[] found = new String[2];
        boolean ok = await(() -> {
            for (String a : aggregators(devices)) {
                if (!before.contains(a)) {
                    try (Stream<Path> s = Files.list(devices.resolve(a))) {
                        String chip = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("gpiochip\\d+"))
                                .findFirst().orElse(null);
                        if (chip != null && Files.exists(dev(chip))) {
                            found[0] = a;
                            found[1] = chip;
                            return true;
                        }
                    } catch (IOException e) {
                        return false;
                    }
                }
            }
            return false;
        });
        expect(ok, "no gpiochip under a new gpio-aggregator device after writing '" + AGGREGATED + "' to "
                + AGGREGATOR.resolve("new_device") + " (before: " + before + ", now: " + aggregators(devices) + ")");
        try (GpioChipFd chip = GpioChipFd.open(dev(found[1])); GpioChipFd c = GpioChipFd.open(dev(chipC))) {
            GpioChipFd.ChipInfo info = chip.info();
            GpioChipFd.LineInfo l1 = c.lineInfo(1);
            expect(info.lines() == 2 && info.label().equals(found[0]) && l1.consumer().equals(found[0]),
                    "aggregator chip " + info + ", sim-bank-c line 1 " + l1);
            return found;
        } finally {
            System.out.println("NOTE aggregator " + found[0] + " is " + found[1]);
        }
    }

    private static List<String> aggregators(Path devices) {
        try (Stream<Path> s = Files.list(devices)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gpio-aggregator.")).sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    // ------------------------------------------------------------------ phase D: a chip that goes away and comes back

    /**
     * A gpio-sim device of its own (so that only its bank goes away) served by label; the driver API holds line 0 as
     * an output at 1 and line 1 as an input with edge interrupts over one vhost-user connection (a back end serves one
     * front end at a time, so no other tool can attach meanwhile), while the bank is taken down and brought back
     * through configfs' {@code live}.
     */
    private void chipComesBack() throws Exception {
        int failed = failures.size();
        long start = System.nanoTime();
        SimDevice sim = check("d-sim-device", () -> SimDevice.create("hostserve-d", BANK_D, "sim-d", 4));
        if (sim == null) {
            skipFrom("d-serve", null, "the gpio-sim device of this phase was not made");
            return;
        }
        Daemon d = null;
        try {
            d = check("d-serve", () -> Daemon.start(this, "d", "--chip", BANK_D));
            if (d == null) {
                skipFrom("d-attach", "d-sim-removed", "the daemon of this phase did not start");
            } else {
                awayAndBack(d, sim);
            }
        } finally {
            if (d != null) {
                d.kill();
            }
            check("d-sim-removed", sim::remove);
            if (d != null) {
                dumpLogIfFailed(d, failed);
            }
            System.out.printf("NOTE d: phase D took %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
    }

    private void awayAndBack(Daemon d, SimDevice sim) throws Exception {
        Held held = check("d-attach", () -> attach(d));
        if (held == null) {
            skipFrom("d-output-held", "d-stop", "the driver could not attach or request lines 0 and 1");
            stop(d, "d-stop");
            return;
        }
        try {
            heldThroughAbsence(d, sim, held.chip, held.out, held.in);
        } finally {
            held.chip.close();
        }
        check("d-released", () -> {
            try (GpioChipFd chip = GpioChipFd.open(dev(sim.chip))) {
                expect(await(() -> !used(chip, 0) && !used(chip, 1)), "after the driver closed its chip: "
                        + info(chip, 0) + "; " + info(chip, 1));
                return "lines 0 and 1 free on " + sim.chip;
            }
        });
        check("d-back-info", () -> String.join(",", names(d, 4)));
        check("d-back-mon", () -> {
            FutureTask<Result> mon = d.background("mon", "--banner", "-n", "1", "--idle-timeout", IDLE, "sim-d1");
            expect(await(() -> d.peek(mon).contains("Monitoring line 'sim-d1'...")), "no banner: " + d.peek(mon));
            Thread.sleep(500); // the daemon takes the eventq buffer after the driver has sent SET_IRQ_TYPE
            sim.write(1, "pull", "pull-up");
            Result r = join(mon);
            sim.write(1, "pull", "pull-down");
            List<String> ev = events(r.out);
            expect(r.ok() && ev.size() == 1 && ev.getFirst()
                    .matches("\\d+\\.\\d{9}\trising\t/tmp/d\\.sock 1 \"sim-d1\""),
                    "a new vgpio mon -n 1 sim-d1 after pull-up: " + r);
            return ev.getFirst().replace('\t', ' ');
        });
        try (GpioChipFd chip = GpioChipFd.open(dev(sim.chip))) {
            stop(d, "d-stop", new Lines(chip, 0, 1, 2, 3));
        } catch (LinuxException e) {
            System.out.println("NOTE d: " + sim.chip + " cannot be opened (" + e.getMessage() + "); d-stop checks no"
                    + " lines");
            stop(d, "d-stop");
        }
    }

    private void heldThroughAbsence(Daemon d, SimDevice sim, GpioChip guest, LineRequest out, LineRequest in)
            throws Exception {
        check("d-output-held", () -> {
            try (GpioChipFd chip = GpioChipFd.open(dev(sim.chip))) {
                return outputHeld(sim, chip);
            }
        });
        check("d-edge-before", () -> {
            sim.write(1, "pull", "pull-up");
            EdgeEvent rising = in.readEvent(Duration.ofNanos(WAIT_NANOS));
            sim.write(1, "pull", "pull-down");
            EdgeEvent falling = in.readEvent(Duration.ofNanos(WAIT_NANOS));
            expect(rising != null && rising.type() == EdgeEvent.Type.RISING && falling != null
                    && falling.type() == EdgeEvent.Type.FALLING, "events of sim-d1: " + rising + ", " + falling);
            return "rising, falling";
        });
        long idle = cpuTicksOver(d, 2000);
        String before = sim.chip;
        check("d-bank-down", () -> {
            sim.live(false);
            expect(await(() -> !Files.exists(dev(before))), dev(before) + " still there after live=0");
            return "live=0, " + dev(before) + " gone";
        });
        check("d-down-daemon-alive", () -> {
            Thread.sleep(500);
            expect(d.process.isAlive(), "the daemon exited: " + d.exit());
            return "pid " + d.process.pid() + "; the chip's loss logged before any request (a hang-up): " + noticed(d);
        });
        check("d-down-cpu-low", () -> {
            long ticks = cpuTicksOver(d, 2000);
            expect(ticks < CPU_TICKS_LIMIT, "the daemon used " + ticks + " ticks of CPU in 2 s with the bank down"
                    + " (" + idle + " in 2 s before; limit " + CPU_TICKS_LIMIT + ")");
            return ticks + " ticks in 2 s (" + idle + " before the bank went down)";
        });
        check("d-down-request-fails", () -> {
            String set = refused(() -> out.setValue(0, 1));
            String get = refused(() -> guest.requestLines(LineSettings.input(), 2).close());
            expect(set != null && get != null, "with the bank down: SET_VALUE line 0 " + set
                    + "; SET_DIRECTION in line 2 " + get);
            return "SET_VALUE 0: " + set + "; SET_DIRECTION in 2: " + get;
        });
        check("d-down-connection-works", () -> {
            List<Direction> dirs = List.of(guest.getDirection(0), guest.getDirection(1), guest.getDirection(2));
            expect(dirs.equals(List.of(Direction.OUT, Direction.IN, Direction.NONE)) && d.process.isAlive(),
                    "GET_DIRECTION of lines 0-2 with the bank down: " + dirs + "; daemon " + d.exit());
            return "GET_DIRECTION 0-2 " + dirs + " on the same connection";
        });
        check("d-down-logged-once", () -> {
            // more refused requests, one after the daemon may look again: still one line about the chip going away
            String now = refused(() -> out.setValue(0, 1));
            Thread.sleep(600);
            String later = refused(() -> out.setValue(0, 1));
            List<String> away = d.log().lines().filter(l -> l.contains("] went away (")).toList();
            expect(now != null && later != null && away.size() == 1, "SET_VALUE line 0 at once: " + now
                    + "; 600 ms later: " + later + "; log lines about the chip going away: " + away);
            return away.getFirst().trim();
        });
        long[] upAt = new long[1];
        check("d-bank-up", () -> {
            upAt[0] = System.nanoTime();
            sim.live(true);
            expect(await(() -> Files.exists(dev(sim.chip))), dev(sim.chip) + " missing after live=1");
            return "live=1, " + sim.chip + (sim.chip.equals(before) ? " (the same name)" : " (was " + before + ")");
        });
        check("d-back-request-ok", () -> {
            String last = "not tried";
            long deadline = upAt[0] + BACK_NANOS;
            while (true) {
                last = refused(() -> out.setValue(0, 1));
                if (last == null || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(100);
            }
            expect(last == null, "SET_VALUE line 0 still refused " + BACK_NANOS / 1_000_000 + " ms after live=1: "
                    + last);
            return String.format("SET_VALUE line 0 answered OK %.0f ms after live=1",
                    (System.nanoTime() - upAt[0]) / 1e6);
        });
        check("d-back-output-requested", () -> {
            try (GpioChipFd chip = GpioChipFd.open(dev(sim.chip))) {
                return outputHeld(sim, chip);
            }
        });
        check("d-back-edge-requested", () -> {
            try (GpioChipFd chip = GpioChipFd.open(dev(sim.chip))) {
                GpioChipFd.LineInfo l = chip.lineInfo(1);
                long edges = GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;
                expect(l.used() && l.consumer().equals(CONSUMER) && (l.flags() & GpioUapi.FLAG_INPUT) != 0
                        && (l.flags() & edges) == edges, "sim-d1 after the bank came back: " + l);
                sim.write(1, "pull", "pull-up");
                EdgeEvent e = in.readEvent(Duration.ofNanos(WAIT_NANOS));
                sim.write(1, "pull", "pull-down");
                EdgeEvent f = in.readEvent(Duration.ofNanos(WAIT_NANOS));
                expect(e != null && e.type() == EdgeEvent.Type.RISING && f != null
                        && f.type() == EdgeEvent.Type.FALLING, "events of the held sim-d1 request: " + e + ", " + f);
                return "flags=0x" + Long.toHexString(l.flags()) + ", rising, falling through the held request";
            }
        });
        String back = d.log().lines().filter(l -> l.contains(" is back") || l.contains("again")).limit(4)
                .reduce((a, b) -> a + " | " + b).orElse("none");
        System.out.println("NOTE d: daemon log about the return: " + back);
    }

    /** Line 0 of bank D: requested by the daemon as an output, and gpio-sim sees 1. */
    private static String outputHeld(SimDevice sim, GpioChipFd chip) throws Exception {
        String[] v = {"?"};
        boolean ok = await(() -> {
            try {
                v[0] = sim.read(0, "value");
            } catch (IOException e) {
                v[0] = e.toString();
            }
            return v[0].equals("1") && used(chip, 0);
        });
        GpioChipFd.LineInfo l = chip.lineInfo(0);
        expect(ok && l.consumer().equals(CONSUMER) && (l.flags() & GpioUapi.FLAG_OUTPUT) != 0,
                "sim_gpio0/value " + v[0] + ", line info " + l);
        return sim.chip + " line 0 value=" + v[0] + " consumer=" + l.consumer() + " flags=0x"
                + Long.toHexString(l.flags());
    }

    /** The daemon's log says the chip went away (the kernel hung up its line requests) before any request. */
    private static boolean noticed(Daemon d) {
        return d.log().contains("] went away (");
    }

    /** The driver's chip and its two requests: line 0 an output at 1, line 1 an input with edge interrupts. */
    private record Held(GpioChip chip, LineRequest out, LineRequest in) {
        @Override
        public String toString() {
            return chip.describe() + ", line 0 out=1, line 1 in with EDGE_BOTH";
        }
    }

    /** A driver of this JVM on the daemon's socket, as the tools connect, with interrupts; requests lines 0, 1. */
    private static Held attach(Daemon d) throws Exception {
        Duration t = Duration.ofMillis(Long.parseLong(TOOL_TIMEOUT));
        VhostUserFrontend frontEnd = VhostUserFrontend.connect(Path.of(d.socket), t, 1 << 20);
        GpioChip chip = GpioChip.open(frontEnd, new GpioChip.Options(t, 256, true));
        try {
            expect(chip.lineCount() == 4 && chip.hasInterrupts(), "the device: " + chip.describe());
            LineRequest out = chip.requestLines(LineSettings.output(1), 0);
            LineRequest in = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1);
            return new Held(chip, out, in);
        } catch (Exception | AssertionError e) {
            chip.close();
            throw e;
        }
    }

    private interface DriverCall {
        void run() throws VirtioException;
    }

    /** Null if the device answered OK; otherwise why the driver says it failed. */
    private static String refused(DriverCall call) {
        try {
            call.run();
            return null;
        } catch (VirtioException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    /** The CPU time (utime + stime, in clock ticks of 10 ms) the daemon's JVM uses in {@code millis} ms. */
    private static long cpuTicksOver(Daemon d, long millis) throws IOException, InterruptedException {
        long t0 = cpuTicks(d.process.pid());
        Thread.sleep(millis);
        return cpuTicks(d.process.pid()) - t0;
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // after "pid (comm) ": field 3 (state) is [0], utime (14) is [11], stime (15) is [12]
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** A gpio-sim device of its own in configfs, with one bank of named lines. */
    private static final class SimDevice {
        final Path config;
        final int lines;
        String platform;
        String chip;

        private SimDevice(Path config, int lines) {
            this.config = config;
            this.lines = lines;
        }

        @Override
        public String toString() {
            return config + ": " + platform + ", " + chip;
        }

        static SimDevice create(String name, String label, String prefix, int lines) throws Exception {
            SimDevice s = new SimDevice(SIM_CONFIGFS.resolve(name), lines);
            Path bank = Files.createDirectory(s.config).resolve("bank0");
            Files.createDirectory(bank);
            Files.writeString(bank.resolve("num_lines"), Integer.toString(lines));
            Files.writeString(bank.resolve("label"), label);
            for (int i = 0; i < lines; i++) {
                Files.writeString(Files.createDirectory(bank.resolve("line" + i)).resolve("name"), prefix + i);
            }
            s.live(true);
            expect(await(() -> Files.exists(dev(s.chip))), dev(s.chip) + " did not appear");
            return s;
        }

        /** Writes configfs' {@code live}; once live, the platform device and chip name as the kernel gives them. */
        void live(boolean on) throws IOException {
            Files.writeString(config.resolve("live"), on ? "1" : "0");
            if (on) {
                platform = Files.readString(config.resolve("dev_name")).trim();
                chip = Files.readString(config.resolve("bank0/chip_name")).trim();
            }
        }

        private Path attr(int line, String attr) {
            return Path.of("/sys/devices/platform", platform, chip, "sim_gpio" + line, attr);
        }

        String read(int line, String attr) throws IOException {
            return Files.readString(attr(line, attr)).trim();
        }

        void write(int line, String attr, String value) throws IOException {
            Files.writeString(attr(line, attr), value);
        }

        /** Takes the device down and removes its configfs directories. */
        String remove() throws IOException {
            if (Files.readString(config.resolve("live")).trim().equals("1")) {
                live(false);
            }
            Path bank = config.resolve("bank0");
            for (int i = 0; i < lines; i++) {
                Files.delete(bank.resolve("line" + i));
            }
            Files.delete(bank);
            Files.delete(config);
            return config + " removed";
        }
    }

    // ------------------------------------------------------------------ shared steps

    /** The names {@code vgpio info} prints, in offset order. */
    private static List<String> names(Daemon d, int lines) throws Exception {
        Result r = d.tool("info");
        expect(r.ok() && r.out.startsWith(d.socket + " - " + lines + " lines:"), "vgpio info: " + r);
        return r.out.lines().skip(1).map(l -> {
            int q = l.indexOf('"');
            return q < 0 ? "" : l.substring(q + 1, l.indexOf('"', q + 1));
        }).toList();
    }

    /** Lines of one host chip. */
    private record Lines(GpioChipFd chip, int... offsets) {
    }

    /** SIGTERM: the daemon exits, removes its socket and leaves the host lines it served free. */
    private void stop(Daemon d, String name, Lines... served) {
        check(name, () -> {
            d.process.destroy();
            expect(d.process.waitFor(15, TimeUnit.SECONDS), "the daemon is still running 15 s after SIGTERM");
            List<String> held = new ArrayList<>();
            for (Lines l : served) {
                for (int offset : l.offsets()) {
                    if (used(l.chip(), offset)) {
                        held.add(l.chip().path() + " " + info(l.chip(), offset));
                    }
                }
            }
            expect(held.isEmpty() && !Files.exists(Path.of(d.socket)), "after the daemon exited: held " + held
                    + ", socket " + (Files.exists(Path.of(d.socket)) ? "left behind" : "removed"));
            return "exit " + d.process.exitValue() + ", lines free, socket removed";
        });
    }

    private void dumpLogIfFailed(Daemon d, int failuresBefore) {
        if (failures.size() > failuresBefore) {
            d.dumpLog();
        }
    }

    /** One check: {@code body} returns what it saw (printed with the ok marker; null counts as a failure). */
    private interface Check<T> {
        T run() throws Exception;
    }

    private <T> T check(String name, Check<T> body) {
        try {
            T result = body.run();
            expect(result != null, "no result");
            String shown = result instanceof Object[] a ? Arrays.toString(a) : result.toString();
            System.out.println("CHECK ok " + name + " " + shown.replace('\n', ' '));
            return result;
        } catch (Exception | AssertionError e) {
            failures.add(name);
            System.out.println("CHECK FAIL " + name + ": " + e.toString().replace("\n", "\\n"));
            return null;
        } finally {
            System.out.flush();
        }
    }

    /** Marks the checks from {@code first} up to (not including) {@code end} (null: all the rest) as failed. */
    private void skipFrom(String first, String end) {
        skipFrom(first, end, "the daemon of this phase did not start");
    }

    private void skipFrom(String first, String end, String why) {
        int to = end == null ? CHECKS.size() : CHECKS.indexOf(end);
        for (String c : CHECKS.subList(CHECKS.indexOf(first), to)) {
            failures.add(c);
            System.out.println("CHECK FAIL " + c + ": skipped, " + why);
        }
    }

    private static void expect(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        return await(WAIT_NANOS, condition);
    }

    private static boolean await(long nanos, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Waits (bounded) for {@code ready} and a sysfs attribute to read {@code want}; the last value read. */
    private String awaitSim(String chip, int line, String attr, String want, BooleanSupplier ready)
            throws InterruptedException {
        String[] last = {"?"};
        await(() -> {
            try {
                last[0] = sim(chip, line, attr);
            } catch (IOException e) {
                last[0] = e.toString();
            }
            return ready.getAsBoolean() && last[0].equals(want);
        });
        return last[0];
    }

    private static boolean used(GpioChipFd chip, int offset) {
        try {
            return chip.lineInfo(offset).used();
        } catch (LinuxException e) {
            return false;
        }
    }

    private static String info(GpioChipFd chip, int offset) {
        try {
            return chip.lineInfo(offset).toString();
        } catch (LinuxException e) {
            return e.toString();
        }
    }

    /** The event lines of {@code vgpio mon}'s output (everything but the banner). */
    private static List<String> events(String out) {
        return out.lines().filter(l -> !l.isEmpty() && !l.startsWith("Monitoring")).toList();
    }

    private static Result join(FutureTask<Result> task) throws Exception {
        return task.get(WAIT_NANOS, TimeUnit.NANOSECONDS);
    }

    private static Path dev(String chip) {
        return Path.of("/dev", chip);
    }

    private String sim(String chip, int line, String attr) throws IOException {
        return Files.readString(simDevice.resolve(chip).resolve("sim_gpio" + line).resolve(attr)).trim();
    }

    private void writeSim(String chip, int line, String attr, String value) throws IOException {
        Files.writeString(simDevice.resolve(chip).resolve("sim_gpio" + line).resolve(attr), value);
    }

    private static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** What a tool printed and its exit status. */
    record Result(int status, String out, String err) {
        boolean ok() {
            return status == 0 && err.isEmpty();
        }

        @Override
        public String toString() {
            return "exit " + status + ", out [" + out.replace("\n", "\\n").replace("\t", " ") + "], err ["
                    + err.replace("\n", "\\n") + "]";
        }
    }

    /** A {@code vgpio serve} process of this guest, with its output in a log file; the tools aimed at its socket. */
    private static final class Daemon {
        final String name;
        final String socket;
        final String command;
        final Process process;
        final Path log;
        private final HostServeChecker checker;

        private Daemon(HostServeChecker checker, String name, String socket, List<String> command, Process process,
                Path log) {
            this.checker = checker;
            this.name = name;
            this.socket = socket;
            this.command = String.join(" ", command);
            this.process = process;
            this.log = log;
        }

        /** Starts {@code vgpio serve -v --socket /tmp/NAME.sock ARGS} and waits until it serves. */
        static Daemon start(HostServeChecker checker, String name, String... args) throws Exception {
            String socket = "/tmp/" + name + ".sock";
            List<String> cmd = new ArrayList<>(checker.java());
            cmd.addAll(List.of("serve", "-v", "--socket", socket));
            cmd.addAll(List.of(args));
            Path log = Path.of("/tmp/serve-" + name + ".log");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Daemon d = new Daemon(checker, name, socket, cmd, p, log);
            boolean up = await(START_NANOS,
                    () -> !p.isAlive() || Files.exists(Path.of(socket)) && d.log().contains("serving"));
            if (!up || !p.isAlive()) {
                String why = p.isAlive() ? "not serving within " + START_NANOS / 1_000_000_000 + " s"
                        : "exited with " + p.exitValue();
                d.kill();
                d.dumpLog();
                String first = d.log().lines().findFirst().orElse("(nothing logged)");
                throw new AssertionError(why + ": " + d.command + ": " + first);
            }
            return d.announce(String.format("pid %d serving %s after %.1f s", p.pid(), socket,
                    (System.nanoTime() - t0) / 1e9));
        }

        private Daemon announce(String what) {
            System.out.println("NOTE " + name + ": " + command);
            System.out.println("NOTE " + name + ": " + what);
            return this;
        }

        @Override
        public String toString() {
            return "vgpio serve pid " + process.pid() + " on " + socket;
        }

        String log() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        void dumpLog() {
            System.out.println("DAEMON-LOG " + name + " (" + command + "):");
            log().lines().forEach(l -> System.out.println("DAEMON-LOG " + name + ": " + l));
        }

        String exit() {
            return process.isAlive() ? "running" : "exit " + process.exitValue();
        }

        void kill() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }

        /** Runs {@code vgpio TOOL -s SOCKET --timeout MS ARGS} in this JVM, through picocli as Main does. */
        Result tool(String tool, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            return run(tool, args, out, err);
        }

        private Result run(String tool, String[] args, StringWriter out, StringWriter err) {
            var cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            List<String> all = new ArrayList<>(List.of(tool, "-c", socket, "--timeout", TOOL_TIMEOUT));
            all.addAll(List.of(args));
            int status = cl.execute(all.toArray(String[]::new));
            return new Result(status, out.toString().strip(), err.toString().strip());
        }

        /** The same on a thread of its own; {@link #peek} shows what it printed so far. */
        FutureTask<Result> background(String tool, String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            FutureTask<Result> task = new OutputTask(() -> run(tool, args, out, err), out, err);
            Thread.ofPlatform().daemon().name("vgpio-" + tool).start(task);
            return task;
        }

        String peek(FutureTask<Result> task) {
            OutputTask t = (OutputTask) task;
            return t.out.toString() + (t.err.toString().isEmpty() ? "" : " / err: " + t.err);
        }

        /** Gives up on a background tool (its thread is a daemon thread; the daemon's stop ends its session). */
        void cancel(FutureTask<Result> task) {
            if (!task.isDone()) {
                System.out.println("NOTE a background tool is still running: " + peek(task));
            }
        }

        /** Runs {@code java -jar vgpio.jar TOOL -s SOCKET --timeout MS ARGS} as a process of its own. */
        Result process(String tool, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(checker.java());
            cmd.addAll(List.of(tool, "-c", socket, "--timeout", TOOL_TIMEOUT));
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile("vgpio-tool", ".out");
            Path err = Files.createTempFile("vgpio-tool", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("still running after 60 s: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), Files.readString(out).strip(), Files.readString(err).strip());
        }
    }

    /** A background tool run that keeps its output buffers for peeking. */
    private static final class OutputTask extends FutureTask<Result> {
        final StringWriter out;
        final StringWriter err;

        OutputTask(Callable<Result> body, StringWriter out, StringWriter err) {
            super(body);
            this.out = out;
            this.err = err;
        }
    }

    /** {@code java [guest JVM options] -jar vgpio.jar} on this guest's JDK. */
    private List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(GUEST_JVM);
        cmd.addAll(List.of("-jar", jar.toString()));
        return cmd;
    }
}
