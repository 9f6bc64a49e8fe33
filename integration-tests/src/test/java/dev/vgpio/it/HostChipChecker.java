package dev.vgpio.it;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.host.ChipLocator;
import dev.vgpio.lines.host.HostChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.sys.Errno;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.GpioLineFd;
import dev.vgpio.sys.GpioUapi;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs inside the test guest (on the host's JDK shared in over virtio-9p) against a gpio-sim bank that
 * {@link HostChipGuestTest} creates through configfs: checks {@link GpioChipFd} and {@link GpioLineFd} against the
 * real GPIO character device, with gpio-sim's {@code sim_gpioN/value} and {@code sim_gpioN/pull} files as the other
 * side of each line; then vgpio's {@link HostChip} on the same chip, for the line settings (bias, drive, debounce)
 * as the kernel and gpio-sim take them. Prints {@code CHECK ok NAME ...} or {@code CHECK FAIL NAME: why} for each
 * check and {@code CHECKER-DONE failures=N} at the end, and exits 1 if any check failed.
 *
 * <p>gpio-sim (6.1) as the other side of a line: {@code sim_gpioN/pull} is the level the outside world pulls the
 * line to; an unrequested line or an input takes it at once, a driven output does not. A bias the kernel applies
 * shows there (gpio-sim takes pull-up and pull-down, and has no "disabled": gpiolib drops that silently). gpio-sim
 * cannot switch the drive, so the kernel emulates open drain/source by making the line an input for the level it
 * lets go; such a line reads the pull it had when it let go.
 *
 * <p>Arguments: the chip's name ({@code gpiochipN}), its sysfs directory
 * ({@code /sys/devices/platform/gpio-sim.0/gpiochipN}) and the prefix of the line names the test gave in configfs
 * (line {@code i} is named prefix + i).
 */
final class HostChipChecker {
    static final String LABEL = "sim-bank-a";
    static final int LINES = 8;
    static final String CONSUMER = "vgpio:test";
    /** The checks, in the order they run; the host test expects an {@code ok} marker for each. */
    static final List<String> CHECKS = List.of("chip-info", "line-names", "output-request", "output-info",
            "output-set", "busy", "busy-others-work", "release", "edges-config", "no-event-yet", "input-follows-pull",
            "rising-edge", "falling-edge", "reconfigure-to-output", "bias-pull-up", "debounce",
            "host-caps", "host-bias-pull-up", "host-bias-pull-down", "host-bias-disabled", "host-bias-on-output",
            "host-held-open-drain", "host-open-drain-reads-pull", "host-none-discards", "host-open-source",
            "host-settings-wait-for-direction", "host-debounce-held", "host-debounce-short-pulse",
            "host-debounce-long-pulse", "host-debounce-off", "host-debounce-range");
    static final String HOST_CONSUMER = "vgpio:hostchip";
    /** The debounce period of the host-debounce checks: a pulse of two sysfs writes is far shorter. */
    static final int DEBOUNCE_US = 100_000;

    private static final long WAIT_NANOS = 10_000_000_000L;
    private static final long BIASES = GpioUapi.FLAG_BIAS_PULL_UP | GpioUapi.FLAG_BIAS_PULL_DOWN
            | GpioUapi.FLAG_BIAS_DISABLED;
    private static final long BOTH_EDGES = GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;

    private final String chipName;
    private final Path sysfs;
    private final String namePrefix;
    private final List<String> failures = new ArrayList<>();

    private HostChipChecker(String chipName, Path sysfs, String namePrefix) {
        this.chipName = chipName;
        this.sysfs = sysfs;
        this.namePrefix = namePrefix;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: HostChipChecker CHIP_NAME SYSFS_DIR LINE_NAME_PREFIX");
            System.exit(2);
        }
        HostChipChecker c = new HostChipChecker(args[0], Path.of(args[1]), args[2]);
        try (GpioChipFd chip = GpioChipFd.open(Path.of("/dev", args[0]))) {
            c.run(chip);
            try (HostChip host = HostChip.open(new ChipLocator(chip.path(), LABEL, false), HOST_CONSUMER)) {
                c.runHost(host, chip);
            }
        }
        System.out.println("CHECKER-DONE failures=" + c.failures.size());
        System.exit(c.failures.isEmpty() ? 0 : 1);
    }

    /** One check: {@code body} returns what it saw (printed with the ok marker) or throws what went wrong. */
    private interface Check {
        String run() throws Exception;
    }

    private void check(String name, Check body) {
        try {
            System.out.println("CHECK ok " + name + " " + body.run());
        } catch (Exception | AssertionError e) {
            failures.add(name);
            System.out.println("CHECK FAIL " + name + ": " + e);
        }
        System.out.flush();
    }

    private static void expect(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private void run(GpioChipFd chip) throws Exception {
        check("chip-info", () -> {
            GpioChipFd.ChipInfo info = chip.info();
            expect(info.name().equals(chipName) && info.label().equals(LABEL) && info.lines() == LINES,
                    "want " + chipName + "/" + LABEL + "/" + LINES + " lines, kernel says " + info);
            return info.toString();
        });
        check("line-names", () -> {
            StringBuilder seen = new StringBuilder();
            for (int i = 0; i < LINES; i++) {
                GpioChipFd.LineInfo l = chip.lineInfo(i);
                expect(l.offset() == i && l.name().equals(namePrefix + i) && !l.used() && l.consumer().isEmpty(),
                        "line " + i + ": want name " + namePrefix + i + ", unused, no consumer; kernel says " + l);
                seen.append(i == 0 ? "" : ",").append(l.name());
            }
            return seen.toString();
        });

        GpioLineFd out = chip.requestLine(3, GpioUapi.FLAG_OUTPUT, 1, 0, CONSUMER);
        check("output-request", () -> {
            expect(out.offset() == 3 && out.fd() > 0, "line fd " + out.fd() + " offset " + out.offset());
            String v = sim(3, "value");
            expect(v.equals("1"), "sim_gpio3/value is " + v + " after requesting it as an output at 1");
            return "value=" + v;
        });
        check("output-info", () -> {
            GpioChipFd.LineInfo l = chip.lineInfo(3);
            expect(l.used() && l.consumer().equals(CONSUMER) && (l.flags() & GpioUapi.FLAG_OUTPUT) != 0
                    && (l.flags() & GpioUapi.FLAG_INPUT) == 0, "want used, output, consumer " + CONSUMER + "; " + l);
            return "flags=0x" + Long.toHexString(l.flags()) + " consumer=" + l.consumer();
        });
        check("output-set", () -> {
            out.set(0);
            String v0 = sim(3, "value");
            int g0 = out.get();
            out.set(1);
            String v1 = sim(3, "value");
            int g1 = out.get();
            expect(v0.equals("0") && g0 == 0 && v1.equals("1") && g1 == 1,
                    "set(0) gave value " + v0 + " get " + g0 + ", set(1) gave value " + v1 + " get " + g1);
            return "0->" + v0 + " 1->" + v1;
        });
        check("busy", () -> {
            try (GpioLineFd again = chip.requestLine(3, GpioUapi.FLAG_OUTPUT, 0, 0, "vgpio:again")) {
                throw new AssertionError("a second request of held line 3 succeeded (fd " + again.fd() + ")");
            } catch (LinuxException e) {
                expect(e.errno() == Errno.EBUSY, "want EBUSY (" + Errno.EBUSY + "), got " + e.errno() + ": "
                        + e.getMessage());
                return "errno=" + e.errno();
            }
        });
        check("busy-others-work", () -> {
            out.set(0);
            String v3 = sim(3, "value");
            try (GpioLineFd other = chip.requestLine(2, GpioUapi.FLAG_OUTPUT, 1, 0, CONSUMER)) {
                String v2 = sim(2, "value");
                int g2 = other.get();
                expect(v3.equals("0") && v2.equals("1") && g2 == 1, "after EBUSY: line 3 set(0) gave " + v3
                        + ", line 2 requested at 1 gave " + v2 + " get " + g2);
                return "line3=" + v3 + " line2=" + v2;
            }
        });
        out.close();
        check("release", () -> {
            GpioChipFd.LineInfo l = chip.lineInfo(3);
            expect(!l.used() && l.consumer().isEmpty(), "line 3 after close: " + l);
            return "flags=0x" + Long.toHexString(l.flags());
        });

        checkEdges(chip);

        check("reconfigure-to-output", () -> {
            try (GpioLineFd line = chip.requestLine(6, GpioUapi.FLAG_INPUT, 0, 0, CONSUMER)) {
                String before = sim(6, "value");
                int got = line.get();
                line.reconfigure(GpioUapi.FLAG_OUTPUT, 1, 0);
                String after = sim(6, "value");
                GpioChipFd.LineInfo l = chip.lineInfo(6);
                expect(before.equals("0") && got == 0 && after.equals("1")
                        && (l.flags() & GpioUapi.FLAG_OUTPUT) != 0 && (l.flags() & GpioUapi.FLAG_INPUT) == 0,
                        "input value " + before + " get " + got + ", after reconfigure value " + after + "; " + l);
                return "value " + before + "->" + after + " flags=0x" + Long.toHexString(l.flags());
            }
        });
        check("bias-pull-up", () -> {
            try (GpioLineFd line = chip.requestLine(4, GpioUapi.FLAG_INPUT | GpioUapi.FLAG_BIAS_PULL_UP, 0, 0,
                    CONSUMER)) {
                String pull = sim(4, "pull");
                int got = line.get();
                long flags = chip.lineInfo(4).flags();
                expect(pull.equals("pull-up") && got == 1 && (flags & GpioUapi.FLAG_BIAS_PULL_UP) != 0,
                        "sim_gpio4/pull " + pull + ", get " + got + ", flags 0x" + Long.toHexString(flags));
                return "pull=" + pull + " get=" + got;
            }
        });
        check("debounce", () -> {
            try (GpioLineFd line = chip.requestLine(7, GpioUapi.FLAG_INPUT, 0, 1000, CONSUMER)) {
                GpioChipFd.LineInfo l = chip.lineInfo(7);
                int got = line.get();
                expect(l.debounceMicros() == 1000 && got == 0,
                        "want a 1000 us debounce period and value 0, line info says " + l + ", get " + got);
                return "debounce=" + l.debounceMicros() + "us";
            }
        });
    }

    private void checkEdges(GpioChipFd chip) throws LinuxException {
        long flags = GpioUapi.FLAG_INPUT | GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;
        try (Arena arena = Arena.ofConfined();
                GpioLineFd in = chip.requestLine(5, flags, 0, 0, CONSUMER)) {
            MemorySegment events = arena.allocate(GpioUapi.LINE_EVENT, 4);
            check("edges-config", () -> {
                GpioChipFd.LineInfo l = chip.lineInfo(5);
                expect(l.used() && (l.flags() & flags) == flags && (l.flags() & GpioUapi.FLAG_OUTPUT) == 0,
                        "want used, input, both edges; " + l);
                return "flags=0x" + Long.toHexString(l.flags());
            });
            check("no-event-yet", () -> {
                int n = in.readEvents(events);
                expect(n == 0, n + " events before any change");
                return "events=0";
            });
            check("input-follows-pull", () -> {
                int low = in.get();
                writeSim(5, "pull", "pull-up");
                int high = awaitValue(in, 1);
                expect(low == 0 && high == 1, "get " + low + " under pull-down, then " + high + " under pull-up");
                return "get " + low + "->" + high;
            });
            check("rising-edge", () -> awaitEvent(in, events, GpioUapi.EVENT_RISING_EDGE, 1));
            check("falling-edge", () -> {
                writeSim(5, "pull", "pull-down");
                int low = awaitValue(in, 0);
                expect(low == 0, "get " + low + " under pull-down");
                return awaitEvent(in, events, GpioUapi.EVENT_FALLING_EDGE, 2);
            });
        }
    }

    // ---- HostChip: line settings

    private void runHost(HostChip host, GpioChipFd chip) throws Exception {
        check("host-caps", () -> {
            for (int i = 0; i < LINES; i++) {
                expect(host.lineCaps(i) == LineCaps.ALL, "line " + i + " caps " + LineCaps.describe(host.lineCaps(i)));
            }
            expect(host.supportsLineConfig(), "supportsLineConfig() is false");
            return "caps=" + LineCaps.describe(LineCaps.ALL);
        });
        checkHostBias(host, chip);
        checkHostDrive(host, chip);
        checkHostDebounce(host, chip);
    }

    /** Line 0, an input with both edges: each bias reconfigures it in place, edges kept. Line 1: an output. */
    private void checkHostBias(HostChip host, GpioChipFd chip) throws Exception {
        List<String> edges = new ArrayList<>();
        host.setDirection(0, Direction.IN, 0);
        host.setEdgeDetection(0, Edge.BOTH);
        check("host-bias-pull-up", () -> {
            String before = sim(0, "pull");
            int low = host.getValue(0);
            host.setBias(0, Bias.PULL_UP);
            String pull = sim(0, "pull");
            int high = awaitValue(host, 0, 1);
            long flags = chip.lineInfo(0).flags();
            awaitEdges(host, edges, 1);
            expect(before.equals("pull-down") && low == 0 && pull.equals("pull-up") && high == 1
                    && (flags & GpioUapi.FLAG_BIAS_PULL_UP) != 0 && (flags & BIASES) == GpioUapi.FLAG_BIAS_PULL_UP
                    && (flags & BOTH_EDGES) == BOTH_EDGES && edges.equals(List.of("0+")),
                    "pull " + before + "->" + pull + ", value " + low + "->" + high + ", flags 0x"
                            + Long.toHexString(flags) + ", edges " + edges);
            return "pull=" + pull + " value=" + high + " edges=" + edges + " bias=" + host.bias(0).label();
        });
        check("host-bias-pull-down", () -> {
            host.setBias(0, Bias.PULL_DOWN);
            String pull = sim(0, "pull");
            int low = awaitValue(host, 0, 0);
            long flags = chip.lineInfo(0).flags();
            awaitEdges(host, edges, 2);
            expect(pull.equals("pull-down") && low == 0 && (flags & BIASES) == GpioUapi.FLAG_BIAS_PULL_DOWN
                    && (flags & BOTH_EDGES) == BOTH_EDGES && edges.equals(List.of("0+", "0-")),
                    "pull " + pull + ", value " + low + ", flags 0x" + Long.toHexString(flags) + ", edges " + edges);
            return "pull=" + pull + " value=" + low + " edges=" + edges;
        });
        check("host-bias-disabled", () -> {
            host.setBias(0, Bias.PULL_UP);
            awaitValue(host, 0, 1);
            host.setBias(0, Bias.DISABLED);
            String pull = sim(0, "pull");
            long flags = chip.lineInfo(0).flags();
            // gpio-sim has no "no pull" (its set_config: ENOTSUPP), which gpiolib takes as done: the pull stays
            expect(pull.equals("pull-up") && (flags & BIASES) == GpioUapi.FLAG_BIAS_DISABLED
                    && host.bias(0) == Bias.DISABLED && host.getDirection(0) == Direction.IN,
                    "pull " + pull + ", flags 0x" + Long.toHexString(flags) + ", bias " + host.bias(0));
            return "flags=0x" + Long.toHexString(flags) + " sim pull stays " + pull + " (gpio-sim cannot disable it)";
        });
        host.setDirection(0, Direction.NONE, 0);
        check("host-bias-on-output", () -> {
            host.setDirection(1, Direction.OUT, 1);
            host.setBias(1, Bias.PULL_UP);
            String up = sim(1, "pull");
            host.setBias(1, Bias.PULL_DOWN);
            String down = sim(1, "pull");
            String value = sim(1, "value");
            int got = host.getValue(1);
            long flags = chip.lineInfo(1).flags();
            expect(up.equals("pull-up") && down.equals("pull-down") && value.equals("1") && got == 1
                    && (flags & GpioUapi.FLAG_OUTPUT) != 0 && (flags & BIASES) == GpioUapi.FLAG_BIAS_PULL_DOWN,
                    "pull " + up + " then " + down + ", driven value " + value + " get " + got + ", flags 0x"
                            + Long.toHexString(flags));
            host.setDirection(1, Direction.NONE, 0);
            return "pull " + up + "->" + down + " while driving " + value;
        });
    }

    /** Line 1: open drain, held before the request; line 2: open source. */
    private void checkHostDrive(HostChip host, GpioChipFd chip) throws Exception {
        check("host-held-open-drain", () -> {
            writeSim(1, "pull", "pull-down");
            host.setDrive(1, Drive.OPEN_DRAIN);
            boolean requestedEarly = host.isRequested(1) || chip.lineInfo(1).used();
            host.setDirection(1, Direction.OUT, 1);
            String value = sim(1, "value");
            int got = host.getValue(1);
            long flags = chip.lineInfo(1).flags();
            // a push-pull request at 1 would drive 1; open drain lets go, and the line reads its pull-down
            expect(!requestedEarly && value.equals("0") && got == 0 && (flags & GpioUapi.FLAG_OPEN_DRAIN) != 0
                    && (flags & GpioUapi.FLAG_OUTPUT) != 0, "requested before its direction: " + requestedEarly
                    + ", value " + value + ", get " + got + ", flags 0x" + Long.toHexString(flags));
            return "requested open-drain at 1: value=" + value + " flags=0x" + Long.toHexString(flags);
        });
        check("host-open-drain-reads-pull", () -> {
            host.setBias(1, Bias.PULL_UP);
            String high = sim(1, "value");
            int gotHigh = host.getValue(1);
            host.setValue(1, 0);
            String low = sim(1, "value");
            int gotLow = host.getValue(1);
            long flags = chip.lineInfo(1).flags();
            String pull = sim(1, "pull");
            expect(high.equals("1") && gotHigh == 1 && low.equals("0") && gotLow == 0 && pull.equals("pull-up")
                    && (flags & GpioUapi.FLAG_OPEN_DRAIN) != 0, "let go under " + pull + ": " + high + " get " + gotHigh
                    + "; driven 0: " + low + " get " + gotLow + "; flags 0x" + Long.toHexString(flags));
            return "let go=" + high + " driven 0=" + low;
        });
        check("host-none-discards", () -> {
            host.setDirection(1, Direction.NONE, 0);
            boolean forgotten = host.bias(1) == Bias.AS_IS && host.drive(1) == Drive.PUSH_PULL;
            writeSim(1, "pull", "pull-down");
            host.setDirection(1, Direction.OUT, 1);
            String value = sim(1, "value");
            long flags = chip.lineInfo(1).flags();
            expect(forgotten && value.equals("1") && (flags & (GpioUapi.FLAG_OPEN_DRAIN | BIASES)) == 0,
                    "after NONE: bias " + host.bias(1) + " drive " + host.drive(1) + ", OUT at 1 gave value " + value
                            + ", flags 0x" + Long.toHexString(flags));
            host.setDirection(1, Direction.NONE, 0);
            return "push-pull again: value=" + value + " flags=0x" + Long.toHexString(flags);
        });
        check("host-open-source", () -> {
            writeSim(2, "pull", "pull-up");
            host.setDrive(2, Drive.OPEN_SOURCE);
            host.setDirection(2, Direction.OUT, 0);
            String letGo = sim(2, "value");
            host.setValue(2, 1);
            String driven = sim(2, "value");
            long flags = chip.lineInfo(2).flags();
            expect(letGo.equals("1") && driven.equals("1") && (flags & GpioUapi.FLAG_OPEN_SOURCE) != 0,
                    "open source at 0 under pull-up: " + letGo + ", driven 1: " + driven + ", flags 0x"
                            + Long.toHexString(flags));
            host.setDirection(2, Direction.NONE, 0);
            writeSim(2, "pull", "pull-down");
            return "let go for 0=" + letGo + " driven 1=" + driven;
        });
        check("host-settings-wait-for-direction", () -> {
            // the kernel takes a drive only for an output and a debounce period only for an input (else EINVAL)
            host.setDirection(3, Direction.IN, 0);
            host.setDrive(3, Drive.OPEN_DRAIN);
            long asInput = chip.lineInfo(3).flags();
            host.setDebounce(3, 5000);
            host.setDirection(3, Direction.OUT, 0);
            GpioChipFd.LineInfo asOutput = chip.lineInfo(3);
            host.setDirection(3, Direction.IN, 0);
            GpioChipFd.LineInfo inAgain = chip.lineInfo(3);
            expect((asInput & GpioUapi.FLAG_OPEN_DRAIN) == 0 && (asOutput.flags() & GpioUapi.FLAG_OPEN_DRAIN) != 0
                    && asOutput.debounceMicros() == 0 && inAgain.debounceMicros() == 5000
                    && (inAgain.flags() & GpioUapi.FLAG_OPEN_DRAIN) == 0, "input flags 0x"
                    + Long.toHexString(asInput) + ", output " + asOutput + ", input again " + inAgain);
            host.setDirection(3, Direction.NONE, 0);
            return "output flags=0x" + Long.toHexString(asOutput.flags()) + " input debounce="
                    + inAgain.debounceMicros() + "us";
        });
    }

    /** Line 6: a debounced input with both edges, pulses made with sim_gpio6/pull. */
    private void checkHostDebounce(HostChip host, GpioChipFd chip) throws Exception {
        List<String> edges = new ArrayList<>();
        check("host-debounce-held", () -> {
            host.setDebounce(6, DEBOUNCE_US);
            boolean early = host.isRequested(6);
            host.setDirection(6, Direction.IN, 0);
            host.setEdgeDetection(6, Edge.BOTH);
            GpioChipFd.LineInfo l = chip.lineInfo(6);
            expect(!early && l.debounceMicros() == DEBOUNCE_US && (l.flags() & BOTH_EDGES) == BOTH_EDGES
                    && host.getValue(6) == 0, "requested early: " + early + ", line info " + l);
            return "debounce=" + l.debounceMicros() + "us flags=0x" + Long.toHexString(l.flags());
        });
        check("host-debounce-short-pulse", () -> {
            long t0 = System.nanoTime();
            writeSim(6, "pull", "pull-up");
            int during = host.getValue(6);
            writeSim(6, "pull", "pull-down");
            long pulseMicros = (System.nanoTime() - t0) / 1000;
            Thread.sleep(3 * DEBOUNCE_US / 1000);
            drainEdges(host, edges);
            int after = host.getValue(6);
            expect(pulseMicros < DEBOUNCE_US && during == 0 && after == 0 && edges.isEmpty(), "a " + pulseMicros
                    + " us pulse: value during " + during + ", after " + after + ", edges " + edges);
            return "a " + pulseMicros + " us pulse: no edge, value stays 0";
        });
        check("host-debounce-long-pulse", () -> {
            writeSim(6, "pull", "pull-up");
            Thread.sleep(3 * DEBOUNCE_US / 1000);
            int high = host.getValue(6);
            awaitEdges(host, edges, 1);
            writeSim(6, "pull", "pull-down");
            Thread.sleep(3 * DEBOUNCE_US / 1000);
            int low = host.getValue(6);
            awaitEdges(host, edges, 2);
            expect(high == 1 && low == 0 && edges.equals(List.of("6+", "6-")), "a " + 3 * DEBOUNCE_US / 1000
                    + " ms pulse: value " + high + " then " + low + ", edges " + edges);
            return "a " + 3 * DEBOUNCE_US / 1000 + " ms pulse: edges " + edges;
        });
        check("host-debounce-off", () -> {
            edges.clear();
            host.setDebounce(6, 0);
            int debounce = chip.lineInfo(6).debounceMicros();
            writeSim(6, "pull", "pull-up");
            writeSim(6, "pull", "pull-down");
            awaitEdges(host, edges, 1);
            Thread.sleep(100);
            drainEdges(host, edges);
            // the kernel names a both-edges event by the level it reads when its thread runs, and may fold the two
            // interrupts of a fast pulse into one run: one or two edges, of either name
            expect(debounce == 0 && !edges.isEmpty() && edges.size() <= 2 && host.getDirection(6) == Direction.IN,
                    "debounce " + debounce + " us, a short pulse gave edges " + edges);
            return "the same short pulse: edges " + edges;
        });
        check("host-debounce-range", () -> {
            try {
                host.setDebounce(6, -1);
                throw new AssertionError("a debounce period of -1 us was taken");
            } catch (LineException e) {
                expect(host.debounce(6) == 0 && chip.lineInfo(6).debounceMicros() == 0, "changed: "
                        + host.debounce(6));
                return e.getMessage();
            }
        });
        host.setDirection(6, Direction.NONE, 0);
    }

    /** Reads a HostChip line until it has {@code want} or the bounded wait ends; returns the last value read. */
    private static int awaitValue(HostChip host, int offset, int want) throws LineException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        int v = host.getValue(offset);
        while (v != want && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = host.getValue(offset);
        }
        return v;
    }

    /** Adds the edges HostChip has waiting to {@code into}, as {@code "6+"} (rising) or {@code "6-"}. */
    private static void drainEdges(HostChip host, List<String> into) {
        host.dispatchEvents((offset, rising, ts) -> into.add(offset + (rising ? "+" : "-")));
    }

    /** Collects edges until {@code into} holds {@code count} or the bounded wait ends. */
    private static void awaitEdges(HostChip host, List<String> into, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        drainEdges(host, into);
        while (into.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
            drainEdges(host, into);
        }
    }

    /** Reads the line until it has {@code want} or the bounded wait ends; returns the last value read. */
    private static int awaitValue(GpioLineFd line, int want) throws LinuxException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        int v = line.get();
        while (v != want && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = line.get();
        }
        return v;
    }

    /** Waits (bounded) for exactly one event on the non-blocking line fd and checks its id, offset and line seqno. */
    private static String awaitEvent(GpioLineFd line, MemorySegment events, int id, int lineSeqno) throws Exception {
        long deadline = System.nanoTime() + WAIT_NANOS;
        int n = line.readEvents(events);
        while (n == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            n = line.readEvents(events);
        }
        expect(n == 1, n + " events read, want exactly one");
        int gotId = GpioLineFd.eventId(events, 0);
        int offset = GpioLineFd.eventOffset(events, 0);
        int seq = GpioLineFd.eventLineSeqno(events, 0);
        long ts = GpioLineFd.eventTimestamp(events, 0);
        expect(gotId == id && offset == 5 && seq == lineSeqno && ts > 0, "want id " + id + " offset 5 line_seqno "
                + lineSeqno + ", got id " + gotId + " offset " + offset + " line_seqno " + seq + " ts " + ts);
        return "id=" + gotId + " offset=" + offset + " line_seqno=" + seq;
    }

    private String sim(int line, String attr) throws IOException {
        return Files.readString(sysfs.resolve("sim_gpio" + line).resolve(attr)).trim();
    }

    private void writeSim(int line, String attr, String value) throws IOException {
        Files.writeString(sysfs.resolve("sim_gpio" + line).resolve(attr), value);
    }
}
