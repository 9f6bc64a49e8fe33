package dev.vgpio.cli;

import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code vgpio mon}: libgpiod v2's gpiomon for a vhost-user-gpio back end. */
@Command(name = "mon", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"Wait for interrupts on lines of a virtio-gpio device served over vhost-user, like gpiomon: "
                + "the lines are requested as inputs with an interrupt (SET_IRQ_TYPE) and each event is printed as "
                + "it comes, in order, one line each: '<seconds>.<nanoseconds> TAB <event> TAB <line>'.",
            "The event is rising, falling, level-high or level-low; the line is its quoted name (after "
                + "'<socket> <offset> ' with -c), or '<socket> <offset>' for an unnamed line. virtio-gpio carries no "
                + "timestamps: the driver stamps each event when it sees it, with CLOCK_MONOTONIC (System.nanoTime) "
                + "or, with -E realtime, the time of day (printed as UTC unless --localtime). There is no hardware "
                + "timestamp engine in virtio-gpio: -E hte is refused.",
            "-b/--bias is set before the direction and -p/--debounce-period after it, before the interrupt is "
                + "enabled (SET_LINE_CONFIG, vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension): the device must offer it "
                + "and each line must take them ('vgpio info' shows caps=); the defaults, as-is and 0, send nothing. "
                + "A debounced line reports a change only once it has lasted the period.",
            "Stops after -n events, after --idle-timeout PERIOD without one, or on Ctrl-C / SIGTERM (exit status "
                + "0); the lines are then released (SET_DIRECTION none). Needs a device that offers "
                + "VIRTIO_GPIO_F_IRQ."},
        footer = {"", "FORMAT specifiers (other characters print as they are, a lone %% at the end too; any other "
                + "specifier is an error; a newline follows each event):",
            "  %%o  offset",
            "  %%l  line name ('unnamed' if it has none)",
            "  %%c  socket",
            "  %%E  event name: rising, falling, level-high, level-low",
            "  %%e  event number: 1 rising, 2 falling, 3 level-high, 4 level-low",
            "  %%S  timestamp, seconds.nanoseconds",
            "  %%U  timestamp as UTC, such as 2026-12-01T17:03:04.123456789Z",
            "  %%L  timestamp as local time, such as 2026-12-01T18:03:04.123456789",
            "  %%%%  a percent sign", "",
            TimeValue.HELP, "", "Examples:", "  vgpio mon BUTTON_A", "  vgpio mon -e rising -n 1 BUTTON_A BUTTON_B",
            "  vgpio mon --level high --idle-timeout 5s -F '%%o %%E %%S' 2",
            "  vgpio mon -c gpio0 -E realtime --banner BUTTON_A",
            "  vgpio mon -b pull-up -p 10ms -e falling BUTTON_A"})
final class MonCommand extends ToolCommand {
    @Mixin
    ChipOption socket;

    @Mixin
    LineOptions lineOptions;

    @Mixin
    ConsumerOption consumer;

    @Option(names = {"-e", "--edges"}, paramLabel = "EDGES",
            description = "Edges to report: rising, falling or both (default both).")
    String edges;

    @Option(names = "--level", paramLabel = "LEVEL", description = "Report a level instead of edges: high or low"
            + " (LEVEL_HIGH / LEVEL_LOW). The device reports an active level again each time the driver unmasks the"
            + " line, so expect a stream of events while it lasts.")
    String level;

    @Option(names = {"-n", "--num-events"}, paramLabel = "NUM", description = "Exit after NUM events.")
    Integer numEvents;

    @Option(names = "--idle-timeout", paramLabel = "PERIOD", converter = TimeValue.Millis.class,
            description = "Exit after PERIOD without an event.")
    Duration idleTimeout;

    @Option(names = {"-F", "--format"}, paramLabel = "FORMAT", description = "Print each event in FORMAT (below).")
    String format;

    @Option(names = "--banner", description = "Print 'Monitoring line ...' once the lines are armed.")
    boolean banner;

    @Option(names = {"-q", "--quiet", "--silent"},
            description = "Print no events (--banner still prints, as gpiomon's does).")
    boolean quiet;

    @Option(names = {"-I", "--initial-state"}, description = "Print the lines' values once they are armed, as"
            + " gpiomon 2.3 does: \"LINE\"=active|inactive ..., or 1|0 with -N.")
    boolean initialState;

    @Option(names = {"-N", "--numeric"}, description = "With -I, print the values as 1 and 0.")
    boolean numericValues;

    @Option(names = {"-E", "--event-clock"}, paramLabel = "CLOCK", description = "The clock events are stamped"
            + " with: monotonic (default) or realtime; hte is refused (virtio-gpio has no hardware timestamps).")
    String eventClock;

    @Option(names = "--utc", description = "Print timestamps as UTC (the default for realtime; implies it).")
    boolean utc;

    @Option(names = "--localtime", description = "Print timestamps as local time (implies realtime).")
    boolean localtime;

    @Option(names = {"-l", "--active-low"}, description = "Treat the lines as active low: rising and falling (and"
            + " high and low levels) swap.")
    boolean activeLow;

    @Option(names = {"-b", "--bias"}, paramLabel = "BIAS", description = "The lines' bias: pull-up, pull-down,"
            + " disabled or as-is (the default: leave it as it is).")
    String bias;

    @Option(names = {"-p", "--debounce-period"}, paramLabel = "PERIOD", converter = TimeValue.Millis.class,
            description = "Debounce the lines with PERIOD (whole microseconds, at most 16777215us; 0, the"
                    + " default: off).")
    Duration debounce;

    @Parameters(paramLabel = "LINE", arity = "1..*", description = "Lines to watch, by name or offset.")
    List<String> lines = new ArrayList<>();

    private static final Duration POLL = Duration.ofMillis(100);
    /** While no event comes, check this often that the back end is still there. */
    private static final Duration PROBE = Duration.ofSeconds(1);


    @Override
    int run() throws IOException, InterruptedException {
        IrqType trigger = trigger();
        if (numEvents != null && numEvents <= 0) {
            throw new ParameterException(spec.commandLine(), "--num-events must be at least 1");
        }
        if (idleTimeout != null && idleTimeout.isZero()) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be a positive time value");
        }
        LineSettings settings;
        try {
            settings = LineSettings.input(trigger).withBias(bias(bias))
                    .withDebounce(debounce == null ? Duration.ZERO : debounce);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid --debounce-period: " + e.getMessage());
        }
        timestampFormat = clock();
        if (format != null) {
            String unknown = unknownSpecifier(format);
            if (unknown != null) {
                throw new ParameterException(spec.commandLine(), "unknown format specifier '" + unknown + "' in '"
                        + format + "': use %o, %l, %c, %E, %e, %S, %U, %L or %%");
            }
        }
        PrintWriter out = out();
        try (StopSignals stop = StopSignals.install()) {
            try (GpioChip chip = open(socket.path(), true)) {
                int[] offsets = resolve(chip, lines, lineOptions);
                if (!chip.hasInterrupts()) {
                    return fail("the device at " + socket.path() + " does not offer interrupts (VIRTIO_GPIO_F_IRQ)");
                }
                try (LineRequest request = chip.requestLines(settings, offsets)) {
                    if (initialState) { // before the banner, as gpiomon
                        int[] values = request.getValues();
                        List<String> shown = new ArrayList<>();
                        for (int i = 0; i < values.length; i++) {
                            int v = activeLow ? values[i] ^ 1 : values[i];
                            String word = v == 1 ? "active" : "inactive";
                            shown.add(numericValues ? Integer.toString(v)
                                    : quote(lines.get(i), lineOptions.unquoted) + "=" + word);
                        }
                        out.println(String.join(" ", shown));
                        out.flush();
                    }
                    if (banner) { // gpiomon prints it with -q too
                        out.println(banner());
                        out.flush();
                    }
                    int seen = 0;
                    long lastEvent = System.nanoTime();
                    long lastProbe = lastEvent;
                    while (!stop.stopped() && (numEvents == null || seen < numEvents)) {
                        long now = System.nanoTime();
                        long wait = POLL.toNanos();
                        if (idleTimeout != null) {
                            long left = lastEvent + idleTimeout.toNanos() - now;
                            if (left <= 0) {
                                break;
                            }
                            wait = Math.min(wait, left);
                        }
                        EdgeEvent e = request.readEvent(Duration.ofNanos(wait));
                        if (e == null) {
                            if (System.nanoTime() - lastProbe >= PROBE.toNanos()) {
                                chip.getDirection(offsets[0]); // a lost back end gives a VirtioException here
                                lastProbe = System.nanoTime();
                            }
                            continue;
                        }
                        if (!quiet) {
                            out.println(format(chip, e));
                            out.flush();
                        }
                        seen++;
                        lastEvent = System.nanoTime();
                        lastProbe = lastEvent;
                    }
                }
            }
        }
        return 0;
    }


    /** The trigger the device is asked for: with -l, rising and falling (high and low) swap. */
    private IrqType trigger() {
        IrqType t = logicalTrigger();
        if (!activeLow) {
            return t;
        }
        return switch (t) {
            case EDGE_RISING -> IrqType.EDGE_FALLING;
            case EDGE_FALLING -> IrqType.EDGE_RISING;
            case LEVEL_HIGH -> IrqType.LEVEL_LOW;
            case LEVEL_LOW -> IrqType.LEVEL_HIGH;
            default -> t;
        };
    }

    /** 0: seconds.nanoseconds, 1: UTC, 2: local time, for -E, --utc and --localtime as gpiomon takes them. */
    private int clock() {
        if (utc && localtime) {
            throw new ParameterException(spec.commandLine(), "--utc and --localtime exclude each other");
        }
        int fmt = localtime ? 2 : utc ? 1 : 0;
        String c = eventClock == null ? (fmt != 0 ? "realtime" : "monotonic") : eventClock;
        switch (c) {
            case "monotonic" -> realtime = false;
            case "realtime" -> realtime = true;
            case "hte" -> throw new ParameterException(spec.commandLine(), "--event-clock hte cannot be honoured:"
                    + " virtio-gpio has no hardware timestamp engine; use monotonic or realtime");
            default -> throw new ParameterException(spec.commandLine(), "invalid event clock: " + c
                    + " (use monotonic, realtime or hte)");
        }
        return realtime && fmt == 0 ? 1 : fmt;
    }

    /** The first specifier of {@code format} mon does not know, such as {@code %x}; null if none. */
    static String unknownSpecifier(String format) {
        return unknownSpecifier(format, "olcEeSUL%");
    }

    /** The first specifier of {@code format} not among {@code known} (their letters), such as {@code %x}; or null. */
    static String unknownSpecifier(String format, String known) {
        for (int i = 0; i < format.length() - 1; i++) {
            if (format.charAt(i) == '%') {
                char f = format.charAt(++i);
                if (known.indexOf(f) < 0) {
                    return "%" + f;
                }
            }
        }
        return null;
    }

    private IrqType logicalTrigger() {
        if (edges != null && level != null) {
            throw new ParameterException(spec.commandLine(), "--edges and --level exclude each other");
        }
        if (level != null) {
            return switch (level.toLowerCase(Locale.ROOT)) {
                case "high" -> IrqType.LEVEL_HIGH;
                case "low" -> IrqType.LEVEL_LOW;
                default -> throw new ParameterException(spec.commandLine(),
                        "invalid --level '" + level + "': use high or low");
            };
        }
        return switch (edges == null ? "both" : edges.toLowerCase(Locale.ROOT)) {
            case "rising" -> IrqType.EDGE_RISING;
            case "falling" -> IrqType.EDGE_FALLING;
            case "both" -> IrqType.EDGE_BOTH;
            default -> throw new ParameterException(spec.commandLine(),
                    "invalid --edges '" + edges + "': use rising, falling or both");
        };
    }

    /** gpiomon's banner, word for word: {@code Monitoring lines 'A', 'B', and 'C'...}. */
    private String banner() {
        if (lines.size() == 1) {
            return "Monitoring line '" + lines.getFirst() + "'...";
        }
        StringBuilder b = new StringBuilder("Monitoring lines ");
        for (int i = 0; i < lines.size() - 1; i++) {
            b.append('\'').append(lines.get(i)).append("', ");
        }
        return b.append("and '").append(lines.getLast()).append("'...").toString();
    }

    /** Whether events are stamped with the time of day (-E realtime). */
    private boolean realtime;
    /** How timestamps print without -F: 0 seconds.nanoseconds, 1 UTC, 2 local time. */
    private int timestampFormat;
    /** Added to a System.nanoTime value, the nanoseconds since the epoch (for -E realtime). */
    private final long realtimeOffset = realtimeOffset();

    private static long realtimeOffset() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    /** An event's time stamp in nanoseconds, on the clock -E chose. */
    private long stamp(EdgeEvent e) {
        return realtime ? e.timestampNanos() + realtimeOffset : e.timestampNanos();
    }

    /** gpiomon's time formats: 0 seconds.nanoseconds, 1 UTC ({@code ...Z}), 2 local time. */
    static String time(long nanos, int how, ZoneId local) {
        if (how == 0) {
            return timestamp(nanos);
        }
        Instant t = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        LocalDateTime at = LocalDateTime.ofInstant(t, how == 1 ? ZoneOffset.UTC : local);
        return at.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + "."
                + String.format("%09d", t.getNano()) + (how == 1 ? "Z" : "");
    }

    /** The event's type as the user sees it: with -l, rising and falling (high and low) swap. */
    private EdgeEvent.Type logical(EdgeEvent.Type type) {
        if (!activeLow) {
            return type;
        }
        return switch (type) {
            case RISING -> EdgeEvent.Type.FALLING;
            case FALLING -> EdgeEvent.Type.RISING;
            case LEVEL_HIGH -> EdgeEvent.Type.LEVEL_LOW;
            case LEVEL_LOW -> EdgeEvent.Type.LEVEL_HIGH;
        };
    }

    /** seconds.nanoseconds of a System.nanoTime value. */
    static String timestamp(long nanos) {
        return Math.floorDiv(nanos, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L));
    }

    static int eventNumber(EdgeEvent.Type type) {
        return switch (type) {
            case RISING -> 1;
            case FALLING -> 2;
            case LEVEL_HIGH -> 3;
            case LEVEL_LOW -> 4;
        };
    }

    private String format(GpioChip chip, EdgeEvent e) {
        String name = chip.lineNames().get(e.offset());
        EdgeEvent.Type type = logical(e.type());
        long stamp = stamp(e);
        if (format == null) {
            String line = name.isEmpty() ? socket.path() + " " + e.offset()
                    : (socket.given() ? socket.path() + " " + e.offset() + " " : "")
                    + quote(name, lineOptions.unquoted);
            return time(stamp, timestampFormat, ZoneId.systemDefault()) + "\t" + type.label() + "\t" + line;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                b.append(c);
                continue;
            }
            char f = format.charAt(++i);
            switch (f) {
                case 'o' -> b.append(e.offset());
                case 'l' -> b.append(name.isEmpty() ? "unnamed" : name);
                case 'c' -> b.append(socket.path());
                case 'E' -> b.append(type.label());
                case 'e' -> b.append(eventNumber(type));
                case 'S' -> b.append(time(stamp, 0, null));
                case 'U' -> b.append(time(stamp, 1, null));
                case 'L' -> b.append(time(stamp, 2, ZoneId.systemDefault()));
                case '%' -> b.append('%');
                default -> throw new IllegalStateException("format specifier %" + f + " was checked");
            }
        }
        return b.toString();
    }
}
