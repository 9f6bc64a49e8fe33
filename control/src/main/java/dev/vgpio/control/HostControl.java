package dev.vgpio.control;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * What the host can do with a simulated chip's lines: inspect them and drive the level their inputs sense, at once
 * ({@link #set}), as a pulse, or as a train of toggles on a fixed schedule. Lines are named by offset or by name.
 * Thread-safe; pulses and toggles block the caller for their duration.
 */
public final class HostControl {
    /** The longest pulse or toggle train accepted, so a typo cannot block a control connection for days. */
    public static final Duration MAX_DURATION = Duration.ofMinutes(10);

    private final SimulatedChip chip;
    /** 1 for each line the host drove through this control. */

    public HostControl(SimulatedChip chip) {
        this.chip = chip;
    }

    /**
     * The offset of a line given as an offset ({@code 3}) or a name ({@code BUTTON_A}).
     *
     * @throws IllegalArgumentException naming the chip's lines if there is no such line
     */
    public int resolve(String line) {
        String s = line.trim();
        if (s.matches("\\d{1,9}")) {
            int offset = Integer.parseInt(s);
            if (offset >= chip.lineCount()) {
                throw new IllegalArgumentException("line " + offset + " does not exist: " + chip.label() + " has "
                        + chip.lineCount() + " lines (0.." + (chip.lineCount() - 1) + ")");
            }
            return offset;
        }
        int offset = chip.offsetOf(s);
        if (offset < 0) {
            throw new IllegalArgumentException("no line named \"" + s + "\" on " + chip.label() + " (lines: "
                    + String.join(", ", chip.lineNames().stream().filter(n -> !n.isEmpty()).toList()) + ")");
        }
        return offset;
    }

    public LineStatus status(int offset) throws LineException {
        return status(offset, chip.getDirection(offset), chip.observe(offset));
    }

    private LineStatus status(int offset, Direction direction, int level) throws LineException {
        return new LineStatus(offset, chip.lineNames().get(offset), direction, level, driver(offset, direction),
                chip.edgeDetection(offset), chip.bias(offset), chip.drive(offset), chip.debounce(offset));
    }

    /**
     * Who drives a line: the guest drives its outputs; the host drives any other line it holds at a level (through
     * this control, the configuration or a test); otherwise nobody does.
     */
    private LineStatus.Driver driver(int offset, Direction direction) throws LineException {
        if (direction == Direction.OUT) {
            return LineStatus.Driver.GUEST;
        }
        return chip.isHeld(offset) ? LineStatus.Driver.HOST : LineStatus.Driver.NOBODY;
    }

    /**
     * Calls {@code sink} with every change the guest makes to a line's direction, output level or edge detection
     * (a {@link LineChange.Kind#RECONFIGURED}), on the guest's thread, until the returned handle is closed. The sink
     * must not block.
     */
    public AutoCloseable watch(Consumer<LineChange> sink) throws LineException {
        AtomicIntegerArray last = new AtomicIntegerArray(chip.lineCount());
        AtomicIntegerArray lastLevel = new AtomicIntegerArray(chip.lineCount());
        for (int i = 0; i < chip.lineCount(); i++) {
            last.set(i, chip.getDirection(i).ordinal());
            lastLevel.set(i, chip.observe(i));
        }
        LineStateListener listener = new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                long now = System.nanoTime();
                Direction from = Direction.values()[last.getAndSet(offset, direction.ordinal())];
                boolean levelChanged = lastLevel.getAndSet(offset, level) != level;
                LineChange.Kind kind = LineChange.Kind.of(from, direction, levelChanged);
                if (kind != null) {
                    report(now, kind, offset, direction, level);
                }
            }

            @Override
            public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
                report(System.nanoTime(), LineChange.Kind.RECONFIGURED, offset,
                        Direction.values()[last.get(offset)], lastLevel.get(offset));
            }

            @Override
            public void onEdgeDetectionChanged(int offset, Edge edge) {
                report(System.nanoTime(), LineChange.Kind.RECONFIGURED, offset,
                        Direction.values()[last.get(offset)], lastLevel.get(offset));
            }

            private void report(long now, LineChange.Kind kind, int offset, Direction direction, int level) {
                try {
                    sink.accept(new LineChange(now, kind, status(offset, direction, level)));
                } catch (LineException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        chip.addStateListener(listener);
        return () -> chip.removeStateListener(listener);
    }

    public List<LineStatus> list() throws LineException {
        List<LineStatus> all = new ArrayList<>(chip.lineCount());
        for (int i = 0; i < chip.lineCount(); i++) {
            all.add(status(i));
        }
        return all;
    }

    /**
     * Stops holding line {@code offset} at a level: nothing outside drives it, and it reads its pull (or stays
     * where it was when it has none).
     */
    public void release(int offset) throws LineException {
        chip.release(offset);
    }

    /** Drives the level line {@code offset} senses as an input. */
    public void set(int offset, int level) throws LineException {
        if (level != 0 && level != 1) {
            throw new IllegalArgumentException("a level is 0 or 1, not " + level);
        }
        chip.drive(offset, level);
    }

    /**
     * Drives the line to the opposite of its driven level for {@code width}, then back (a button press): a line
     * nothing held (it read its pull) is let go again.
     */
    public void pulse(int offset, Duration width) throws LineException, InterruptedException {
        checkDuration(width, "pulse width");
        int idle = chip.drivenLevel(offset);
        boolean held = chip.isHeld(offset);
        chip.drive(offset, 1 - idle);
        try {
            sleepUntil(System.nanoTime() + width.toNanos());
        } finally {
            chip.drive(offset, idle);
            if (!held) {
                chip.release(offset); // back to its pull, or to idle when it has none
            }
        }
    }

    /**
     * Inverts the driven level {@code count} times, one change every {@code interval} on a fixed schedule (late
     * changes do not push the later ones back), starting at once.
     */
    public void toggle(int offset, int count, Duration interval) throws LineException, InterruptedException {
        if (count < 1 || count > 1_000_000) {
            throw new IllegalArgumentException("toggle count must be 1 to 1000000, not " + count);
        }
        checkDuration(interval.multipliedBy(count), "toggle train (count x interval)");
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sleepUntil(start + interval.toNanos() * i);
            }
            chip.drive(offset, 1 - chip.drivenLevel(offset));
        }
    }

    private static void checkDuration(Duration d, String what) {
        if (d.isNegative() || d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(what + " must be between 0 and " + MAX_DURATION.toMinutes()
                    + " minutes, not " + d.toMillis() + " ms");
        }
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
