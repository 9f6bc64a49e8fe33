package dev.vgpio.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The C floor: {@code floor.c} (shipped in this jar) runs two processes, a driver and a device, that share a split
 * virtqueue of 256 entries and signal each other with eventfds, and measures a round trip with one request in flight
 * and the rate with 128 in flight. That is the least this data path can cost on a machine, whatever language the
 * device is written in: vgpio's end-to-end figures are compared with it.
 *
 * <p>{@link #run} compiles the source with {@code gcc -O2} into {@code ~/.cache/vgpio/bench/floor-<sha256>} once,
 * then runs it. {@code java -cp vgpio-benchmarks.jar dev.vgpio.bench.Floor [--duration S] [--warmup S] [--cpus D,V]}
 * prints its JSON and a table.
 */
public final class Floor {
    /** The C source, as a classpath resource beside this class. */
    static final String SOURCE = "floor.c";

    /** Where to put the driver and the device: CPU numbers for each, or {@link #ANY} for the scheduler's choice. */
    public record Cpus(int driver, int device) {
        /** The scheduler places both processes. */
        public static final Cpus ANY = new Cpus(-1, -1);

        public Cpus {
            if ((driver < 0) != (device < 0) || driver < -1 || device < -1) {
                throw new IllegalArgumentException("CPU numbers must both be set (0 or more) or both be -1");
            }
        }

        /** Parses {@code D,V} or {@code any}. */
        public static Cpus parse(String text) {
            if (text.equals("any")) {
                return ANY;
            }
            String[] parts = text.split(",", -1);
            try {
                if (parts.length == 2) {
                    Cpus cpus = new Cpus(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
                    if (cpus.driver >= 0) {
                        return cpus;
                    }
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("--cpus takes DRIVER,DEVICE CPU numbers (for example 0,1) or any, not "
                    + text);
        }

        boolean pinned() {
            return driver >= 0;
        }

        @Override
        public String toString() {
            return pinned() ? driver + "," + device : "any";
        }
    }

    private Floor() {
    }

    /**
     * Builds the floor if needed, runs it for {@code warmup} then {@code duration} per measurement, and returns what
     * it measured.
     *
     * @throws IllegalStateException if gcc is missing, the source does not compile, or the run fails or hangs
     */
    public static FloorResult run(Duration duration, Duration warmup, Cpus cpus) {
        return parse(runJson(duration, warmup, cpus));
    }

    /** Runs the floor and returns the JSON line it printed. */
    static String runJson(Duration duration, Duration warmup, Cpus cpus) {
        checkSeconds("duration", duration);
        checkSeconds("warmup", warmup);
        Path binary = build();
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--duration", seconds(duration),
                "--warmup", seconds(warmup)));
        if (cpus.pinned()) {
            command.add("--cpus");
            command.add(cpus.toString());
        }
        // sync and batch each run warm-up + duration; start-up and compilation are quick
        Duration timeout = duration.plus(warmup).multipliedBy(2).plusSeconds(60);
        ProcessResult result = exec(command, timeout);
        if (result.exitCode != 0) {
            throw new IllegalStateException("the floor (" + String.join(" ", command) + ") failed with exit code "
                    + result.exitCode + ": " + result.stderr.strip());
        }
        String line = result.stdout.strip();
        if (line.isEmpty() || line.contains("\n")) {
            throw new IllegalStateException("the floor printed " + (line.isEmpty() ? "nothing" : "more than one line")
                    + " instead of one line of JSON: " + line + " " + result.stderr.strip());
        }
        return line;
    }

    /** Reads the floor's JSON line. */
    static FloorResult parse(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("the floor's output is not JSON: " + json, e);
        }
        JsonNode sync = root.path("sync");
        JsonNode batch = root.path("batch");
        return new FloorResult(
                number(sync, "p50_ns", json).longValue(),
                number(sync, "p99_ns", json).longValue(),
                number(sync, "p999_ns", json).longValue(),
                number(sync, "ops_per_s", json).doubleValue(),
                number(batch, "ops_per_s", json).doubleValue(),
                number(batch, "in_flight", json).intValue());
    }

    private static JsonNode number(JsonNode parent, String field, String json) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isNumber()) {
            throw new IllegalStateException("the floor's output has no number " + field + ": " + json);
        }
        return node;
    }

    /** The floor's C source from the classpath. */
    static byte[] source() {
        try (InputStream in = Floor.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the C source " + SOURCE + " is missing from the classpath beside "
                        + Floor.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory the floor is built in: {@code ~/.cache/vgpio/bench/floor-<sha256 of the source>}. */
    static Path cacheDir(byte[] source) {
        String sha;
        try {
            sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "vgpio", "bench", "floor-" + sha);
    }

    /** Compiles the floor unless the cache already holds it; returns the executable. */
    static Path build() {
        byte[] source = source();
        Path dir = cacheDir(source);
        Path binary = dir.resolve("floor");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        try {
            Files.createDirectories(dir);
            Path src = dir.resolve(SOURCE);
            Files.write(src, source);
            Path tmp = Files.createTempFile(dir, "floor", ".tmp");
            ProcessResult gcc;
            try {
                gcc = exec(List.of("gcc", "-O2", "-Wall", "-Wextra", "-o", tmp.toString(), src.toString()),
                        Duration.ofMinutes(2));
            } catch (IllegalStateException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            if (gcc.exitCode != 0) {
                Files.deleteIfExists(tmp);
                throw new IllegalStateException("gcc could not compile " + src + ":\n" + gcc.stderr.strip());
            }
            try {
                Files.move(tmp, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, binary, StandardCopyOption.REPLACE_EXISTING);
            }
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the floor in " + dir + ": " + e.getMessage(), e);
        }
    }

    private record ProcessResult(int exitCode, String stdout, String stderr) {
    }

    private static ProcessResult exec(List<String> command, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("vgpio-floor", ".out");
            err = Files.createTempFile("vgpio-floor", ".err");
            Process process;
            try {
                process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (IOException e) {
                if (command.getFirst().equals("gcc")) {
                    throw new IllegalStateException("gcc is needed to build the C floor and was not found ("
                            + e.getMessage() + "); install gcc: apt-get install gcc", e);
                }
                throw new IllegalStateException("cannot start " + command.getFirst() + ": " + e.getMessage(), e);
            }
            boolean done;
            try {
                done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout
                        + "; stopped it");
            }
            return new ProcessResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temporary file left behind is harmless
            }
        }
    }

    private static void checkSeconds(String what, Duration d) {
        if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("the floor's " + what + " must be more than 0 and at most an hour, not "
                    + d);
        }
    }

    /** A duration as decimal seconds, the floor's argument format. */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** A readable table of a result. */
    public static String table(FloorResult r, Cpus cpus) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "C floor: split virtqueue of 256 entries, eventfd notifications "
                + "(EVENT_IDX), CPUs %s%n", cpus));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s%n", "measurement", "value"));
        sb.append(String.format(Locale.ROOT, "  %-34s %9.1f us%n", "1 in flight: round trip p50", r.syncP50Ns() / 1e3));
        sb.append(String.format(Locale.ROOT, "  %-34s %9.1f us%n", "1 in flight: round trip p99", r.syncP99Ns() / 1e3));
        sb.append(String.format(Locale.ROOT, "  %-34s %9.1f us%n", "1 in flight: round trip p99.9",
                r.syncP999Ns() / 1e3));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s%n", "1 in flight: requests/s", rate(r.syncOpsPerS())));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s%n", r.batchInFlight() + " in flight: requests/s",
                rate(r.batchOpsPerS())));
        return sb.toString();
    }

    private static String rate(double perSecond) {
        return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.2f M", perSecond / 1e6)
                : String.format(Locale.ROOT, "%.1f k", perSecond / 1e3);
    }

    /** {@code Floor [--duration SECONDS] [--warmup SECONDS] [--cpus D,V|any]}: prints the JSON line, then a table. */
    public static void main(String[] args) {
        Duration duration = Duration.ofSeconds(5);
        Duration warmup = Duration.ofSeconds(1);
        Cpus cpus = Cpus.ANY;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--duration" -> duration = parseSeconds(arg, value(args, ++i, arg));
                    case "--warmup" -> warmup = parseSeconds(arg, value(args, ++i, arg));
                    case "--cpus" -> cpus = Cpus.parse(value(args, ++i, arg));
                    case "-h", "--help" -> {
                        System.out.println("usage: java -cp vgpio-benchmarks.jar dev.vgpio.bench.Floor "
                                + "[--duration SECONDS] [--warmup SECONDS] [--cpus DRIVER,DEVICE|any]");
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + arg);
                }
            }
            String json = runJson(duration, warmup, cpus);
            System.out.println(json);
            System.out.print(table(parse(json), cpus));
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            System.err.println("floor: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Duration parseSeconds(String option, String text) {
        try {
            return Duration.ofNanos(new BigDecimal(text).movePointRight(9).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(option + " takes a number of seconds, not " + text);
        }
    }
}
