package dev.vgpio.junit;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.monitor.trace.Format;
import dev.vgpio.protocol.VirtioGpio;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * A simulated virtio-gpio device for a test: registered with {@code @RegisterExtension}, it serves a chip of
 * simulated lines on a vhost-user socket ({@link #socket()}: QEMU's {@code -chardev socket,path=...}, or the Java
 * driver's front end) and gives the test a {@link Line} handle to each line.
 *
 * <pre>{@code
 * @RegisterExtension
 * final VgpioExtension gpio = VgpioExtension.builder().lines("LED", "BUTTON").build();
 *
 * @Test
 * void theLedFollowsTheButton() throws Exception {
 *     startTheCodeUnderTest(gpio.socket());
 *     gpio.line("BUTTON").press();
 *     gpio.line("LED").awaitOutput(1, Duration.ofSeconds(2));
 * }
 * }</pre>
 *
 * <p>In an instance field the device starts before each test and stops after it; in a static field it starts
 * before the class's first test and stops after its last, and its tests share it (and the guest that uses it): the
 * lines keep their state from one test to the next, each test sees only its own {@link Line#edges() edges} and
 * {@link #activity() activity}, and a stimulus still running when a test ends is stopped. Stopping closes the
 * guest's connection, the serving thread and the monitor, releases the lines, and removes the socket and the
 * temporary directory made for it, whether the test passed or not. Tests that share one device must not run in
 * parallel.
 *
 * <p>For each test the device's activity is recorded into a trace (every guest request and its answer, every
 * interrupt, edge and host drive, each line's view as it changes, with monotonic times), written to
 * {@code <trace directory>/<test class>/<test method>.jsonl} (a repeated or parameterized test's invocation N
 * to {@code <method>[N].jsonl}); it is kept when the test fails and deleted when it passes ({@link KeepTrace}).
 * The trace directory is {@code target/vgpio-traces} of the working directory (a Maven module's own while
 * Surefire runs), or the system property {@value #TRACE_DIRECTORY_PROPERTY}, or {@link Builder#traceDirectory}.
 */
public final class VgpioExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {
    /** The system property that sets where traces go for every extension that does not choose for itself. */
    public static final String TRACE_DIRECTORY_PROPERTY = "vgpio.junit.traces";
    /** Where traces go by default, from the working directory. */
    public static final Path DEFAULT_TRACE_DIRECTORY = Path.of("target", "vgpio-traces");
    /** The report entry key under which a kept trace's path is published. */
    public static final String TRACE_REPORT_KEY = "vgpio.trace";
    /** How long a test's end waits at most for the monitor to hand over the device's last activity. */
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final Pattern INVOCATION = Pattern.compile("\\[test-template-invocation:#(\\d+)]$");
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    private final Served.Settings settings;
    private final List<Line> lines;
    private final Path traceDirectory;
    private final Format traceFormat;
    private final KeepTrace keep;
    private volatile Served served;
    /** The unique id of the context whose callbacks started the device, and whose callbacks stop it. */
    private String owner;
    /** The running test's trace, or null. */
    private volatile TestTrace trace;

    private VgpioExtension(Builder b) {
        this.settings = new Served.Settings(b.name, b.label, List.copyOf(b.names), b.socket, Map.copyOf(b.initial));
        List<Line> handles = new ArrayList<>(b.names.size());
        for (int i = 0; i < b.names.size(); i++) {
            handles.add(new Line(this, i, b.names.get(i)));
        }
        this.lines = List.copyOf(handles);
        this.traceDirectory = b.traceDirectory != null ? b.traceDirectory
                : System.getProperty(TRACE_DIRECTORY_PROPERTY) != null
                        ? Path.of(System.getProperty(TRACE_DIRECTORY_PROPERTY)) : DEFAULT_TRACE_DIRECTORY;
        this.keep = b.keep;
        this.traceFormat = b.traceFormat;
    }

    /** A builder: the lines are required ({@link Builder#lines(String...)}, {@link Builder#lineCount}). */
    public static Builder builder() {
        return new Builder();
    }

    /** An extension serving one line per name, with every other setting at its default. */
    public static VgpioExtension withLines(String... names) {
        return builder().lines(names).build();
    }

    /** How to build a {@link VgpioExtension}. */
    public static final class Builder {
        private String name = "gpio0";
        private String label = "vgpio-junit";
        private List<String> names;
        private Path socket;
        private final Map<String, Integer> initialByName = new LinkedHashMap<>();
        private final Map<Integer, Integer> initial = new LinkedHashMap<>();
        private Path traceDirectory;
        private Format traceFormat = Format.JSONL;
        private KeepTrace keep = KeepTrace.ON_FAILURE;

        private Builder() {
        }

        /**
         * One line per name, in offset order; {@code ""} makes an unnamed line (reach it with
         * {@link VgpioExtension#line(int)}). Names are unique 7-bit ASCII, as the spec requires.
         */
        public Builder lines(String... names) {
            return lines(Arrays.asList(names));
        }

        /** As {@link #lines(String...)}. */
        public Builder lines(List<String> names) {
            Objects.requireNonNull(names, "names");
            this.names = new ArrayList<>(names.stream().map(n -> n == null ? "" : n).toList());
            return this;
        }

        /** {@code count} lines named {@code line0}, {@code line1}, ... as {@code vgpio serve --chip sim:COUNT}. */
        public Builder lineCount(int count) {
            if (count < 1 || count > VirtioGpio.MAX_LINES) {
                throw new IllegalArgumentException("a device has 1 to " + VirtioGpio.MAX_LINES + " lines, not "
                        + count);
            }
            List<String> n = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                n.add("line" + i);
            }
            this.names = n;
            return this;
        }

        /** The chip's label, as the guest's {@code gpiodetect} shows it (default {@code vgpio-junit}). */
        public Builder label(String label) {
            this.label = Objects.requireNonNull(label, "label");
            return this;
        }

        /**
         * The device's name (default {@code gpio0}): its serving thread's, its trace's, its messages', and the
         * socket file's in the temporary directory ({@code gpio0.sock}). Letters, digits, '.', '_' and '-'.
         */
        public Builder name(String name) {
            if (!DEVICE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a device name is 1 to 32 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit, not \"" + name + "\"");
            }
            this.name = name;
            return this;
        }

        /**
         * Serves on {@code socket} instead of a socket in a new temporary directory (a stale socket file there is
         * replaced, one a live process serves is refused). The socket file is removed at the end, its directory
         * is left.
         */
        public Builder socket(Path socket) {
            this.socket = Objects.requireNonNull(socket, "socket");
            return this;
        }

        /**
         * The level the host drives on a line from the start (a button that idles high: 1), before any guest
         * connects; it is no edge. Each device start begins with it.
         */
        public Builder initialLevel(String line, int level) {
            Objects.requireNonNull(line, "line");
            if (level != 0 && level != 1) {
                throw new IllegalArgumentException("a level is 0 or 1, not " + level);
            }
            initialByName.put(line, level);
            return this;
        }

        /** Where traces go: {@code <directory>/<test class>/<test method>.jsonl} (or {@code .vcd}). */
        public Builder traceDirectory(Path directory) {
            this.traceDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The traces' format: {@link Format#JSONL} (the default: every request, interrupt, drive and line change) or
         * {@link Format#VCD} (the lines' levels and directions as a waveform, for GTKWave).
         */
        public Builder traceFormat(Format format) {
            this.traceFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /** Which traces are kept (default {@link KeepTrace#ON_FAILURE}); {@link KeepTrace#NEVER} records none. */
        public Builder keepTrace(KeepTrace keep) {
            this.keep = Objects.requireNonNull(keep, "keep");
            return this;
        }

        /**
         * The extension.
         *
         * @throws IllegalStateException    if no lines were given
         * @throws IllegalArgumentException if the names cannot be served (repeated, not ASCII, too many) or an
         *                                  initial level names no line
         */
        public VgpioExtension build() {
            if (names == null) {
                throw new IllegalStateException("give the device's lines: lines(\"LED\", \"BUTTON\") or"
                        + " lineCount(8)");
            }
            if (names.size() > VirtioGpio.MAX_LINES) {
                throw new IllegalArgumentException("a device has 1 to " + VirtioGpio.MAX_LINES + " lines, not "
                        + names.size());
            }
            new SimulatedChip(label, names).close(); // checks the names as the device will
            initial.clear();
            initialByName.forEach((line, level) -> initial.put(offsetOf(names, line, name), level));
            return new VgpioExtension(this);
        }
    }

    private static int offsetOf(List<String> names, String line, String device) {
        int offset = line.isEmpty() ? -1 : names.indexOf(line);
        if (offset < 0) {
            throw new IllegalArgumentException("no line named \"" + line + "\" on " + device + " (lines: "
                    + String.join(", ", names.stream().filter(n -> !n.isEmpty()).toList()) + ")");
        }
        return offset;
    }

    /** The device's name ({@code gpio0}). */
    public String name() {
        return settings.name();
    }

    /** The chip's label. */
    public String label() {
        return settings.label();
    }

    /** Whether the device runs now. */
    public boolean isRunning() {
        return served != null;
    }

    /**
     * The device's vhost-user socket: for QEMU, {@code -chardev socket,id=gpio,path=SOCKET -device
     * vhost-user-gpio-pci,chardev=gpio}; for the Java driver, {@code VhostUserFrontend.connect(socket, ...)}.
     *
     * @throws IllegalStateException if the device is not running and no socket was chosen
     */
    public Path socket() {
        Served s = served;
        if (s != null) {
            return s.socket;
        }
        if (settings.socket() != null) {
            return settings.socket();
        }
        throw notRunning();
    }

    /**
     * The handle to the line named {@code name}.
     *
     * @throws IllegalArgumentException naming the device's lines if there is none
     */
    public Line line(String name) {
        return lines.get(offsetOf(settings.names(), Objects.requireNonNull(name, "name"), settings.name()));
    }

    /**
     * The handle to line {@code offset}.
     *
     * @throws IllegalArgumentException if the device has no such line
     */
    public Line line(int offset) {
        if (offset < 0 || offset >= lines.size()) {
            throw new IllegalArgumentException("line " + offset + " does not exist: " + settings.name() + " has "
                    + lines.size() + (lines.size() == 1 ? " line" : " lines"));
        }
        return lines.get(offset);
    }

    /** Every line's handle, in offset order. */
    public List<Line> lines() {
        return lines;
    }

    /**
     * The device's activity since the test started, oldest first (the latest 65536 records): guest requests and
     * answers, interrupts, unmasks, edges, host drives, view changes, and the device-wide resets and detaches.
     */
    public List<Activity> activity() {
        return served().hub.activity(-1);
    }

    /** The device as its monitor watches it: the live view of every line, for what the handles do not offer. */
    public WatchedDevice device() {
        return served().device;
    }

    /** The running test's trace file (complete once the test has ended), or null if none is recorded. */
    public Path trace() {
        TestTrace t = trace;
        return t == null ? null : t.file();
    }

    Served served() {
        Served s = served;
        if (s == null) {
            throw notRunning();
        }
        return s;
    }

    private IllegalStateException notRunning() {
        return new IllegalStateException("the device " + settings.name() + " is not running: it runs while a test"
                + " runs, for an extension registered with @RegisterExtension (from before each test, or before all"
                + " of them for a static field)");
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (served == null) {
            start(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        boolean fresh = served == null;
        if (fresh) {
            start(context);
        }
        Served s = served;
        if (!fresh) {
            s.hub.settle(s.monitor, SETTLE); // what the last test (or the class's set-up) did belongs to no test's history
        }
        s.hub.startTest();
        if (keep != KeepTrace.NEVER) {
            trace = TestTrace.start(s.monitor, s.device, traceFile(context));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        TestTrace t = trace;
        boolean failed = context.getExecutionException().filter(e -> !(e instanceof TestAbortedException))
                .isPresent();
        try {
            if (context.getUniqueId().equals(owner)) {
                stop(); // the monitor hands the trace everything the device did, then closes it
            } else if (served != null) {
                Served s = served;
                for (Line l : lines) {
                    s.monitor.stimuli().stop(s.device, l.offset());
                }
                if (t != null) {
                    s.hub.settle(s.monitor, SETTLE);
                    t.stop();
                }
            }
        } finally {
            trace = null;
            if (t != null) {
                finishTrace(context, t.file(), failed);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (context.getUniqueId().equals(owner)) {
            stop();
        }
    }

    private void start(ExtensionContext context) throws IOException {
        served = Served.start(settings);
        owner = context.getUniqueId();
    }

    private void stop() throws IOException {
        Served s = served;
        served = null;
        owner = null;
        if (s != null) {
            s.close();
            if (s.fatal() != null) {
                throw new IllegalStateException("the serving thread of " + settings.name() + " died", s.fatal());
            }
        }
    }

    /** {@code <trace directory>/<class>/<method>.jsonl}, {@code <method>[N].jsonl} for invocation N of a template. */
    private Path traceFile(ExtensionContext context) {
        String test = context.getTestMethod().map(m -> m.getName()).orElse(context.getDisplayName());
        Matcher m = INVOCATION.matcher(context.getUniqueId());
        if (m.find()) {
            test += "[" + m.group(1) + "]";
        }
        String dir = context.getTestClass().map(Class::getName).orElse("tests");
        return traceDirectory.resolve(dir).resolve(test + traceFormat.extension());
    }

    private void finishTrace(ExtensionContext context, Path file, boolean failed) {
        try {
            if (failed || keep == KeepTrace.ALWAYS) {
                context.publishReportEntry(TRACE_REPORT_KEY, file.toAbsolutePath().toString());
                if (failed) {
                    String test = context.getTestClass().map(Class::getSimpleName).orElse("") + "."
                            + file.getFileName().toString().replace(traceFormat.extension(), "");
                    System.err.println("vgpio-junit: " + test + " failed; the trace of " + settings.name()
                            + " is kept in " + file.toAbsolutePath());
                }
                return;
            }
            Files.deleteIfExists(file);
            try {
                Files.deleteIfExists(file.getParent());
            } catch (DirectoryNotEmptyException e) {
                // the traces of the class's other tests
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the trace " + file, e);
        }
    }
}
