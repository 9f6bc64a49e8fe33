package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.LineView;
import java.io.IOException;
import java.io.Writer;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the lines' state as an IEEE 1364 Value Change Dump (docs/traces.md): one {@code $scope module} per device,
 * named by the device, and per line a 1-bit {@code wire} of its level and a 2-bit {@code wire} of its direction in
 * the virtio-gpio codes ({@code b00} released, {@code b01} output, {@code b10} input), named as {@link VcdNames}
 * says; {@code $timescale 1 ns}, time 0 being the {@link Snapshot}'s {@link Snapshot#nanos() nanos}.
 *
 * <p>The header and the start state ({@code $dumpvars}) are written and flushed when it is made. Of the activity it
 * takes the {@link Activity.LineChanged line changes} (as value changes) and {@link Activity.Dropped losses} (as a
 * {@code $comment}); requests, interrupts, edges and drives show only by what they change. Each batch is written
 * at {@link #endOfBatch()}, in time order, in whole lines, and flushed: the file always holds a complete VCD up to
 * the last batch. Time never goes backwards: a change stamped before one already written (or, on its line, before
 * its line's last) is written at that later time. Not thread-safe: the monitor's thread calls it.
 */
public final class VcdWriter implements TraceWriter {
    /** Changes kept for one batch before they are written out anyway (without a flush). */
    private static final int MAX_PENDING = 1 << 16;
    private static final char[] DIRECTION_BITS = {'0', '0', '0', '1', '1', '0'};

    private final Writer out;
    private final long startNanos;
    private final Map<String, Scope> scopes = new HashMap<>();
    private final List<Event> pending = new ArrayList<>();
    private final StringBuilder text = new StringBuilder(1 << 12);
    /** The time of the last {@code #t} written. */
    private long now;
    private boolean closed;

    /** What the trace knows of one device's lines. */
    private static final class Scope {
        /** Per line, the identifier codes of its level and its direction. */
        final String[] level;
        final String[] direction;
        /** The value written last, per line: a level 0 or 1 (or -1, unknown), a direction code (or -1). */
        final int[] levels;
        final int[] directions;
        /** Per line, the time of its last change: a line's changes are never reordered. */
        final long[] last;

        Scope(int lines) {
            this.level = new String[lines];
            this.direction = new String[lines];
            this.levels = new int[lines];
            this.directions = new int[lines];
            this.last = new long[lines];
        }
    }

    /** What one batch has to write: a change of a line, a comment, or a device's lines becoming unknown. */
    private sealed interface Event {
        long time();
    }

    private record Change(long time, Scope scope, LineView line) implements Event {
    }

    private record Note(long time, String text) implements Event {
    }

    private record Unknown(long time, Scope scope, String why) implements Event {
    }

    /**
     * Writes the header and the start state to {@code out} and flushes it.
     *
     * @param out   where the VCD goes; it gets whole batches, so it needs no buffer of its own
     * @param start the lines at time 0
     */
    public VcdWriter(Writer out, Snapshot start) throws IOException {
        this.out = out;
        this.startNanos = start.nanos();
        String version = VcdWriter.class.getPackage().getImplementationVersion();
        text.append("$date\n\t").append(start.wallClock().truncatedTo(ChronoUnit.MILLIS)).append("\n$end\n");
        text.append("$version\n\tvgpio").append(version == null ? "" : " " + version).append("\n$end\n");
        text.append("$comment\n\ttime 0 is ").append(start.nanos()).append(" ns on CLOCK_MONOTONIC; per line, <name> is"
                + " its level and <name>_dir its direction: 0 released, 1 output, 2 input\n$end\n");
        text.append("$timescale 1 ns $end\n");
        List<String> scopeNames = VcdNames.scopes(start.devices().stream().map(Snapshot.Device::name).toList());
        int code = 0;
        List<Scope> all = new ArrayList<>();
        for (int d = 0; d < start.devices().size(); d++) {
            Snapshot.Device device = start.devices().get(d);
            Scope s = new Scope(device.lines().size());
            scopes.put(device.name(), s);
            all.add(s);
            text.append("$scope module ").append(scopeNames.get(d)).append(" $end\n");
            if (!scopeNames.get(d).equals(device.name()) || !device.label().isEmpty()) {
                comment("device " + quote(device.name())
                        + (device.label().isEmpty() ? "" : ", the lines of " + quote(device.label())));
            }
            List<String> signals = VcdNames.signals(device.lines());
            for (int i = 0; i < signals.size(); i++) {
                String name = signals.get(i);
                String real = device.lines().get(i).name();
                if (!name.equals(real)) {
                    comment("line " + i + (real.isEmpty() ? ", which has no name," : " " + quote(real)) + " is "
                            + name);
                }
                s.level[i] = VcdNames.code(code++);
                s.direction[i] = VcdNames.code(code++);
                text.append("$var wire 1 ").append(s.level[i]).append(' ').append(name).append(" $end\n");
                text.append("$var wire 2 ").append(s.direction[i]).append(' ').append(name).append(VcdNames.DIRECTION)
                        .append(" $end\n");
            }
            text.append("$upscope $end\n");
        }
        text.append("$enddefinitions $end\n#0\n$dumpvars\n");
        for (int d = 0; d < all.size(); d++) {
            Scope s = all.get(d);
            List<LineView> lines = start.devices().get(d).lines();
            for (int i = 0; i < lines.size(); i++) {
                s.levels[i] = -1;
                s.directions[i] = -1;
                values(s, i, level(lines.get(i)), lines.get(i).direction().code());
            }
        }
        text.append("$end\n");
        write();
        out.flush();
    }

    /** Takes a line change (a value change in the next batch) or a loss (a comment); ignores the rest. */
    @Override
    public void accept(Activity activity) throws IOException {
        switch (activity) {
            case Activity.LineChanged c -> {
                Scope s = scopes.get(c.device());
                int i = c.line().offset();
                if (s != null && i >= 0 && i < s.levels.length) {
                    long t = Math.max(time(c.nanos()), s.last[i]);
                    s.last[i] = t;
                    queue(new Change(t, s, c.line()));
                }
            }
            case Activity.Dropped d -> queue(new Note(time(d.nanos()), d.device() + " lost " + d.count()
                    + (d.count() == 1 ? " record" : " records") + " of activity (the monitor fell behind): changes"
                    + " about then may be missing"));
            case Activity.Filtered f -> queue(new Note(time(f.nanos()), f.device() + " line " + f.line()
                    + (f.name().isEmpty() ? "" : " " + f.name()) + ": a " + f.widthMicros() + " us pulse to " + f.level()
                    + " was filtered by the line's debounce period (the guest did not see it)"));
            default -> {
                // requests, interrupts, edges and drives show by the line changes they cause
            }
        }
        if (pending.size() >= MAX_PENDING) {
            write();
        }
    }

    /** Writes out the batch, in time order, and flushes. */
    @Override
    public void endOfBatch() throws IOException {
        write();
        out.flush();
    }

    /**
     * Makes every line of {@code device} unknown ({@code x}) from {@code nanos} on, saying why in a comment: the
     * trace no longer knows them. Nothing if the trace has no such device.
     */
    void unknown(long nanos, String device, String why) {
        Scope s = scopes.get(device);
        if (s != null) {
            long t = time(nanos);
            for (long last : s.last) {
                t = Math.max(t, last); // after every change of the device's lines given so far
            }
            queue(new Unknown(t, s, why));
        }
    }

    @Override
    public void finish(long nanos) throws IOException {
        prepare();
        long end = Math.max(time(nanos), now);
        if (end > now) {
            now = end;
            text.append('#').append(end).append('\n');
        }
        write();
        out.flush();
    }

    /** Writes the last batch, then the time now as the trace's end, and closes the writer. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            finish(System.nanoTime());
        } finally {
            out.close();
        }
    }

    private void queue(Event e) {
        pending.add(e);
    }

    /** Turns the pending events into text, in time order (a stable sort keeps each line's changes in order). */
    private void prepare() {
        pending.sort(Comparator.comparingLong(Event::time));
        for (Event e : pending) {
            switch (e) {
                case Change c -> {
                    int i = c.line().offset();
                    int level = level(c.line());
                    int dir = c.line().direction().code();
                    if (level != c.scope().levels[i] || dir != c.scope().directions[i]) {
                        at(c.time());
                        values(c.scope(), i, level, dir);
                    }
                }
                case Note n -> {
                    at(n.time());
                    comment(n.text());
                }
                case Unknown u -> {
                    at(u.time());
                    comment(u.why());
                    Scope s = u.scope();
                    for (int i = 0; i < s.levels.length; i++) {
                        values(s, i, -1, -1);
                    }
                }
            }
        }
        pending.clear();
    }

    private void write() throws IOException {
        prepare();
        if (!text.isEmpty()) {
            out.append(text);
            text.setLength(0);
        }
    }

    /** Starts time {@code t}, unless it has started (a change stamped earlier is written now). */
    private void at(long t) {
        if (t > now) {
            now = t;
            text.append('#').append(t).append('\n');
        }
    }

    /** Writes the line's level and direction where they differ from what was written last (-1: unknown). */
    private void values(Scope s, int i, int level, int direction) {
        if (level != s.levels[i]) {
            s.levels[i] = level;
            text.append(level == 0 ? '0' : level == 1 ? '1' : 'x').append(s.level[i]).append('\n');
        }
        if (direction != s.directions[i]) {
            s.directions[i] = direction;
            text.append('b');
            if (direction >= 0 && direction <= 2) {
                text.append(DIRECTION_BITS, 2 * direction, 2);
            } else {
                text.append("xx");
            }
            text.append(' ').append(s.direction[i]).append('\n');
        }
    }

    private void comment(String comment) {
        text.append("$comment ").append(printable(comment)).append(" $end\n");
    }

    private long time(long nanos) {
        return Math.max(0, nanos - startNanos);
    }

    private static int level(LineView v) {
        return v.level() == 0 || v.level() == 1 ? v.level() : -1;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /**
     * {@code s} as comment text: printable ASCII stays, except {@code $} and {@code \}, which a reader might take
     * for a keyword's start or an escape; those and every other character become {@code \}{@code uXXXX}.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '$' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
