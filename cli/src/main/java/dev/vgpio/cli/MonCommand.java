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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code vgpio mon}: libgpiod v2's gpiomon for a vhost-user-gpio back end. */
@Command(name = "mon", sortOptions = false,
        description = {"Wait for interrupts on lines of a virtio-gpio device served over vhost-user, like gpiomon: "
                + "the lines are requested as inputs with an interrupt (SET_IRQ_TYPE) and each event is printed as "
                + "it comes, in order, one line each: '<seconds>.<nanoseconds> TAB <event> TAB <line>'.",
            "The event is rising, falling, level-high or level-low; the line is its quoted name, or "
                + "'<socket> <offset>' for an unnamed line; the timestamp is the driver's monotonic clock "
                + "(System.nanoTime) when it saw the event.",
            "Stops after -n events, after --idle-timeout ms without one, or on Ctrl-C / SIGTERM (exit status 0); "
                + "the lines are then released (SET_DIRECTION none). Needs a device that offers VIRTIO_GPIO_F_IRQ."},
        footer = {"", "FORMAT directives (other characters print as they are; a newline follows each event):",
            "  %%o  offset",
            "  %%l  line name ('unnamed' if it has none)",
            "  %%c  socket",
            "  %%E  event name: rising, falling, level-high, level-low",
            "  %%e  event number: 1 rising, 2 falling, 3 level-high, 4 level-low",
            "  %%S  timestamp, seconds.nanoseconds",
            "  %%%%  a percent sign", "",
            "Examples:", "  vgpio mon BUTTON_A", "  vgpio mon -e rising -n 1 BUTTON_A BUTTON_B",
            "  vgpio mon --level high --idle-timeout 5000 -F '%%o %%E %%S' 2"})
final class MonCommand extends ToolCommand {
    @Mixin
    SocketOption socket;

    @Option(names = {"-e", "--edges"}, paramLabel = "EDGES",
            description = "Edges to report: rising, falling or both (default both).")
    String edges;

    @Option(names = "--level", paramLabel = "LEVEL", description = "Report a level instead of edges: high or low"
            + " (LEVEL_HIGH / LEVEL_LOW). The device reports an active level again each time the driver unmasks the"
            + " line, so expect a stream of events while it lasts.")
    String level;

    @Option(names = {"-n", "--num-events"}, paramLabel = "NUM", description = "Exit after NUM events.")
    Integer numEvents;

    @Option(names = "--idle-timeout", paramLabel = "MS", description = "Exit after MS ms without an event.")
    Long idleTimeout;

    @Option(names = {"-F", "--format"}, paramLabel = "FORMAT", description = "Print each event in FORMAT (below).")
    String format;

    @Option(names = {"-b", "--banner"}, description = "Print 'Monitoring line ...' once the lines are armed.")
    boolean banner;

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
        if (idleTimeout != null && idleTimeout <= 0) {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be a positive number of ms");
        }
        PrintWriter out = out();
        try (StopSignals stop = StopSignals.install()) {
            try (GpioChip chip = open(socket.path(), true)) {
                int[] offsets = resolve(chip, lines);
                if (!chip.hasInterrupts()) {
                    return fail("the device at " + socket.path() + " does not offer interrupts (VIRTIO_GPIO_F_IRQ)");
                }
                try (LineRequest request = chip.requestLines(LineSettings.input(trigger), offsets)) {
                    if (banner) {
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
                            long left = lastEvent + Duration.ofMillis(idleTimeout).toNanos() - now;
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
                        out.println(format(chip, e));
                        out.flush();
                        seen++;
                        lastEvent = System.nanoTime();
                        lastProbe = lastEvent;
                    }
                }
            }
        }
        return 0;
    }


    private IrqType trigger() {
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

    private String banner() {
        if (lines.size() == 1) {
            return "Monitoring line '" + lines.getFirst() + "'...";
        }
        StringBuilder b = new StringBuilder("Monitoring lines ");
        for (int i = 0; i < lines.size(); i++) {
            b.append(i == 0 ? "" : i == lines.size() - 1 ? " and " : ", ").append('\'').append(lines.get(i))
                    .append('\'');
        }
        return b.append("...").toString();
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
        if (format == null) {
            String line = name.isEmpty() ? socket.path() + " " + e.offset() : "\"" + name + "\"";
            return timestamp(e.timestampNanos()) + "\t" + e.type().label() + "\t" + line;
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
                case 'E' -> b.append(e.type().label());
                case 'e' -> b.append(eventNumber(e.type()));
                case 'S' -> b.append(timestamp(e.timestampNanos()));
                case '%' -> b.append('%');
                default -> b.append('%').append(f);
            }
        }
        return b.toString();
    }
}
