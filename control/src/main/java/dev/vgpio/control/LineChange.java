package dev.vgpio.control;

import dev.vgpio.lines.Edge;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One change the guest made to a line, as {@code watch} on the control socket streams it: when (nanoseconds of the
 * monotonic clock, {@link System#nanoTime()}), what kind of change, and the line afterwards.
 *
 * @param nanos  the monotonic time of the change
 * @param kind   what changed
 * @param status the line after the change
 */
public record LineChange(long nanos, Kind kind, LineStatus status) {
    /** What a change did to a line, in the words of gpionotify where it has them. */
    public enum Kind {
        /** A released line became an input or an output. */
        REQUESTED,
        /** An input or output line was released. */
        RELEASED,
        /** The direction changed between input and output, or was set again. */
        RECONFIGURED,
        /** An output's level changed. */
        VALUE;

        /** The kind's word, e.g. {@code requested}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind of a change of direction {@code from} to direction {@code to} (and maybe of level), or null. */
        static Kind of(Direction from, Direction to, boolean levelChanged) {
            if (from == Direction.NONE && to != Direction.NONE) {
                return REQUESTED;
            }
            if (to == Direction.NONE) {
                return from == Direction.NONE ? null : RELEASED;
            }
            if (from != to) {
                return RECONFIGURED;
            }
            return levelChanged ? VALUE : RECONFIGURED;
        }
    }

    private static final Pattern LINE = Pattern.compile("(\\d+)\\.(\\d{9}) (\\w+) line (\\d+)(?: \"(.*)\")?: "
            + "level=([01]) direction=(\\w+) driver=(\\w+) edge=(\\w+)(?: bias=([a-z-]+))?(?: drive=([a-z-]+))?"
            + "(?: debounce=(\\d{1,8})us)?");

    /** The line {@code watch} sends, e.g. {@code 12.000000345 requested line 2 "LED": level=0 direction=output ...}. */
    public String describe() {
        return String.format("%d.%09d %s %s", nanos / 1_000_000_000L, nanos % 1_000_000_000L, kind.word(),
                status.describe());
    }

    /**
     * Reads a line {@link #describe()} wrote.
     *
     * @throws IllegalArgumentException if {@code line} is not one
     */
    public static LineChange parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a line change: " + line);
        }
        Direction direction = switch (m.group(7)) {
            case "released" -> Direction.NONE;
            case "input" -> Direction.IN;
            case "output" -> Direction.OUT;
            default -> throw new IllegalArgumentException("unknown direction in: " + line);
        };
        LineStatus status = new LineStatus(Integer.parseInt(m.group(4)), m.group(5) == null ? "" : m.group(5),
                direction, Integer.parseInt(m.group(6)),
                LineStatus.Driver.valueOf(m.group(8).toUpperCase(Locale.ROOT)),
                Edge.valueOf(m.group(9).toUpperCase(Locale.ROOT)),
                m.group(10) == null ? Bias.AS_IS : Bias.fromLabel(m.group(10)),
                m.group(11) == null ? Drive.PUSH_PULL : Drive.fromLabel(m.group(11)),
                m.group(12) == null ? 0 : Integer.parseInt(m.group(12)));
        return new LineChange(Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2)),
                Kind.valueOf(m.group(3).toUpperCase(Locale.ROOT)), status);
    }
}
