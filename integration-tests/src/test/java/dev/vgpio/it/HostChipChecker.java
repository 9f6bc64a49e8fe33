package dev.vgpio.it;

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
 * side of each line. Prints {@code CHECK ok NAME ...} or {@code CHECK FAIL NAME: why} for each check and
 * {@code CHECKER-DONE failures=N} at the end, and exits 1 if any check failed.
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
            "rising-edge", "falling-edge", "reconfigure-to-output", "bias-pull-up", "debounce");

    private static final long WAIT_NANOS = 10_000_000_000L;

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
