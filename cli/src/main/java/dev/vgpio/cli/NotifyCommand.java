package dev.vgpio.cli;

import dev.vgpio.control.CtlClient;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.LineChange;
import dev.vgpio.control.LineStatus;
import dev.vgpio.protocol.Direction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vgpio notify}: libgpiod v2's gpionotify for a device served by {@code vgpio serve}. The guest holds the
 * vhost-user connection, so the line info changes are read from the daemon's control socket ({@code watch}).
 */
@Command(name = "notify", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"Wait for changes to the info of lines of a device served by 'vgpio serve', like gpionotify.",
            "Each time the guest requests, releases or reconfigures one of the lines, one line is printed: "
                + "'<seconds>.<nanoseconds> TAB <event> TAB <line>', the event requested, released or reconfigured, "
                + "the line its quoted name (with the chip before it when --chip is given), or the chip and offset "
                + "of an unnamed line.",
            "The changes come from the daemon's control socket (<socket>.ctl), the one place that sees the "
                + "guest's requests while the guest holds the device; the timestamps are the daemon's monotonic "
                + "clock (CLOCK_MONOTONIC)."},
        footer = {"", "Format specifiers (-F; other characters print as they are, any other specifier is an error):",
            "  %%o   line offset", "  %%l   line name", "  %%c   chip (the device socket)",
            "  %%e   numeric event type ('1' requested, '2' released, '3' reconfigured)",
            "  %%E   event type ('requested', 'released' or 'reconfigured')",
            "  %%a   line attributes", "  %%C   consumer ('guest' or 'unused')",
            "  %%S   event timestamp as seconds", "  %%U   event timestamp as UTC",
            "  %%L   event timestamp as local time",
            "  %%%%   a percent sign",
            "", "PERIOD is a whole number with a unit (us, ms, s, m, h); milliseconds without one.",
            "", "Examples:", "  vgpio notify LED BUTTON", "  vgpio notify -c /tmp/gpio.sock -n 2 -e requested 0",
            "  vgpio notify --idle-timeout 5s -F '%%E %%l' LED"})
final class NotifyCommand implements Callable<Integer> {
    /** The wall clock at the monotonic clock's zero, taken once: every timestamp maps the same way. */
    private static final Instant EPOCH_OF_MONOTONIC = Instant.now().minusNanos(System.nanoTime());

    /** The specifiers {@code -F} takes. */
    private static final String SPECIFIERS = "olceEaCSUL%";

    private static final Pattern STATUS = Pattern.compile("line (\\d+)(?: \"(.*)\")?: .*");

    @Spec
    CommandSpec spec;

    @Mixin
    ChipOption chip;

    @Option(names = "--ctl", paramLabel = "PATH",
            description = "The control socket itself (default the device's socket with .ctl appended).")
    Path ctl;

    @Option(names = {"-e", "--event"}, paramLabel = "EVENT",
            description = "Report only this event: requested, released or reconfigured (default all).")
    String event;

    @Option(names = {"-n", "--num-events"}, paramLabel = "NUM", description = "Exit after NUM events.")
    Integer numEvents;

    @Option(names = {"-F", "--format"}, paramLabel = "FMT", description = "A custom output format (see below).")
    String format;

    @Option(names = "--idle-timeout", paramLabel = "PERIOD", converter = TimeValue.Millis.class,
            description = "Exit (status 0) if no event comes for PERIOD.")
    Duration idleTimeout;

    @ArgGroup(exclusive = true)
    Clock clock;

    /** How timestamps are shown, if not as the monotonic clock's seconds. */
    static final class Clock {
        @Option(names = "--localtime", description = "Show the timestamps as local time.")
        boolean localtime;

        @Option(names = "--utc", description = "Show the timestamps as UTC.")
        boolean utc;
    }

    @Option(names = "--banner", description = "Print a banner once the lines are watched.")
    boolean banner;

    @Option(names = "--by-name", description = "Treat the lines as names even if they would parse as an offset.")
    boolean byName;

    @Option(names = {"-q", "--quiet", "--silent"}, description = "Print nothing (still count and wait).")
    boolean quiet;

    @Option(names = {"-s", "--strict"}, description = "Abort if a line name given is not unique on the device.")
    boolean strict;

    @Option(names = "--unquoted", description = "Do not quote line names.")
    boolean unquoted;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 101, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, order = 102,
            description = "Print vgpio's version and exit, as libgpiod's tools do.")
    boolean version;

    @Parameters(paramLabel = "LINE", arity = "1..64", description = "A line to watch: its name or offset.")
    List<String> lines = new ArrayList<>();

    /** A line of the device: its offset and name. */
    private record Line(int offset, String name) {
    }

    @Override
    public Integer call() throws InterruptedException {
        LineChange.Kind only = eventKind();
        if (numEvents != null && numEvents < 1) {
            throw new ParameterException(spec.commandLine(), "--num-events must be 1 or more");
        }
        if (idleTimeout != null && idleTimeout.isZero()) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be more than 0");
        }
        if (format != null) {
            String unknown = MonCommand.unknownSpecifier(format, SPECIFIERS);
            if (unknown != null) {
                throw new ParameterException(spec.commandLine(), "unknown format specifier '" + unknown + "' in '"
                        + format + "' (see --help for the specifiers)");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Path socket;
        try {
            socket = chip.path();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("vgpio notify: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        Path target = ctl != null ? ctl : CtlServer.pathFor(socket);
        // the handlers first: Ctrl-C during the first request to the daemon is a clean stop too
        try (StopSignals stop = StopSignals.install()) {
            List<Line> device = lines(target);
            List<String> offsets = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (String l : lines) {
                Line line = resolve(device, l, socket);
                offsets.add(Integer.toString(line.offset()));
                names.add(line.name());
            }
            try (CtlClient.Watch watch = CtlClient.watch(target, offsets)) {
                if (banner) {
                    out.println(banner());
                    out.flush();
                }
                int done = 0;
                long idleUntil = idleTimeout == null ? 0 : System.nanoTime() + idleTimeout.toNanos();
                while (numEvents == null || done < numEvents) {
                    LineChange change = watch.next(StopSignals.SLICE);
                    if (change == null) {
                        if (stop.stopped() || idleTimeout != null && System.nanoTime() - idleUntil >= 0) {
                            return 0; // Ctrl-C, SIGTERM or --idle-timeout: a clean stop
                        }
                        continue;
                    }
                    if (idleTimeout != null) {
                        idleUntil = System.nanoTime() + idleTimeout.toNanos();
                    }
                    if (change.kind() == LineChange.Kind.VALUE || only != null && change.kind() != only) {
                        continue;
                    }
                    if (!quiet) {
                        out.println(format == null ? humanReadable(change, socket) : formatted(change, socket));
                        out.flush();
                    }
                    done++;
                }
                return 0;
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("vgpio notify: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    private LineChange.Kind eventKind() {
        if (event == null) {
            return null;
        }
        return switch (event) {
            case "requested" -> LineChange.Kind.REQUESTED;
            case "released" -> LineChange.Kind.RELEASED;
            case "reconfigured" -> LineChange.Kind.RECONFIGURED;
            default -> throw new ParameterException(spec.commandLine(), "invalid event '" + event
                    + "': use requested, released or reconfigured");
        };
    }

    /** The device's lines, from the daemon's {@code list}. */
    private static List<Line> lines(Path target) throws IOException {
        CtlClient.Reply reply = CtlClient.send(target, "list");
        if (!reply.ok()) {
            throw new IOException(reply.error());
        }
        List<Line> all = new ArrayList<>();
        for (String s : reply.lines()) {
            Matcher m = STATUS.matcher(s);
            if (m.matches()) {
                all.add(new Line(Integer.parseInt(m.group(1)), m.group(2) == null ? "" : m.group(2)));
            }
        }
        return all;
    }

    private Line resolve(List<Line> device, String id, Path socket) throws IOException {
        if (!byName && id.matches("\\d{1,9}")) {
            int offset = Integer.parseInt(id);
            if (offset < device.size()) {
                return device.get(offset);
            }
            throw new IOException("line " + offset + " does not exist: " + socket + " has " + device.size()
                    + (device.size() == 1 ? " line" : " lines"));
        }
        List<Line> named = device.stream().filter(l -> l.name().equals(id)).toList();
        if (named.isEmpty()) {
            throw new IOException("cannot find line \"" + id + "\" on " + socket);
        }
        if (strict && named.size() > 1) {
            throw new IOException("line \"" + id + "\" is not unique on " + socket + " (offsets "
                    + String.join(", ", named.stream().map(l -> Integer.toString(l.offset())).toList()) + ")");
        }
        return named.getFirst();
    }

    private String banner() {
        if (lines.size() == 1) {
            return "Watching line '" + lines.getFirst() + "'...";
        }
        StringBuilder sb = new StringBuilder("Watching lines ");
        for (int i = 0; i < lines.size() - 1; i++) {
            sb.append('\'').append(lines.get(i)).append("', ");
        }
        return sb.append("and '").append(lines.getLast()).append("'...").toString();
    }

    private String humanReadable(LineChange change, Path socket) {
        String time = clock == null ? seconds(change.nanos()) : wallClock(change.nanos(), clock.utc);
        return time + "\t" + change.kind().word() + "\t" + lineId(change.status(), socket);
    }

    private String lineId(LineStatus status, Path socket) {
        if (status.name().isEmpty()) {
            return socket + " " + status.offset();
        }
        String name = unquoted ? status.name() : "\"" + status.name() + "\"";
        return chip.given() ? socket + " " + status.offset() + " " + name : name;
    }

    private String formatted(LineChange change, Path socket) {
        StringBuilder sb = new StringBuilder();
        LineStatus s = change.status();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i == format.length() - 1) {
                sb.append(c);
                continue;
            }
            char spec = format.charAt(++i);
            switch (spec) {
                case 'o' -> sb.append(s.offset());
                case 'l' -> sb.append(s.name().isEmpty() ? "unnamed" : s.name());
                case 'c' -> sb.append(socket);
                case 'e' -> sb.append(change.kind().ordinal() + 1);
                case 'E' -> sb.append(change.kind().word());
                case 'a' -> sb.append(attributes(s));
                case 'C' -> sb.append(s.direction() == Direction.NONE ? "unused" : "guest");
                case 'S' -> sb.append(seconds(change.nanos()));
                case 'U' -> sb.append(wallClock(change.nanos(), true));
                case 'L' -> sb.append(wallClock(change.nanos(), false));
                case '%' -> sb.append('%');
                default -> throw new IllegalStateException("format specifier %" + spec + " was checked");
            }
        }
        return sb.toString();
    }

    /** The attributes gpioinfo would show for the line. */
    private static String attributes(LineStatus s) {
        String direction = LineStatus.word(s.direction());
        return switch (s.edge()) {
            case NONE -> direction;
            default -> direction + " edges=" + s.edge().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String seconds(long nanos) {
        return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    /** A monotonic timestamp as wall-clock time (the same instant for %U and %L of one event). */
    private static String wallClock(long nanos, boolean utc) {
        Instant at = EPOCH_OF_MONOTONIC.plusNanos(nanos);
        if (utc) {
            return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
                    .format(LocalDateTime.ofInstant(at, ZoneOffset.UTC));
        }
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn")
                .format(LocalDateTime.ofInstant(at, ZoneId.systemDefault()));
    }
}
