package dev.vgpio.junit;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * What the test sees of its device's activity: a sink on the device's monitor for as long as the device runs. It
 * keeps the activity and each line's edges since the current test started (the latest {@link #KEPT} of each), the
 * last views of each line, and wakes the test's waits. Fed on the monitor's thread, read on the test's.
 */
final class Hub implements ActivitySink {
    /** How many activity records, and how many edges per line, are kept for a test. */
    static final int KEPT = 1 << 16;
    /** How many of a line's latest view changes a failed wait can tell. */
    private static final int VIEWS_KEPT = 16;
    /** How long a wait sleeps at most before it looks at the line's view itself (in case a record was dropped). */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final WatchedDevice device;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LineLog[] lines;
    private final ArrayDeque<Activity> activity = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private long dropped;

    /** What the hub knows of one line. */
    private static final class LineLog {
        LineView last;
        final ArrayDeque<Edge> edges = new ArrayDeque<>();
        long edgeCount;
        final ArrayDeque<Activity.LineChanged> views = new ArrayDeque<>();
        long lastDriven = Long.MIN_VALUE;
    }

    /** A test waiting for a line's view to pass {@link #test}; matched on every view the monitor reports. */
    private static final class Waiter {
        final int line;
        final Predicate<LineView> test;
        LineView matched;
        RuntimeException failure;

        Waiter(int line, Predicate<LineView> test) {
            this.line = line;
            this.test = test;
        }

        void offer(LineView v) {
            if (matched != null || failure != null) {
                return;
            }
            try {
                if (test.test(v)) {
                    matched = v;
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    /**
     * How a wait ended.
     *
     * @param start      when the wait began ({@link System#nanoTime()})
     * @param matched    the view that passed, or null if none did in time
     * @param last       the line's view when the wait ended
     * @param during     the view changes the monitor reported while the test waited (the latest few)
     * @param dropped    records the monitor lost while the test waited
     * @param interrupted whether the waiting thread was interrupted
     */
    record Outcome(long start, LineView matched, LineView last, List<Activity.LineChanged> during, long dropped,
            boolean interrupted) {
    }

    Hub(WatchedDevice device) {
        this.device = device;
        this.lines = new LineLog[device.lineCount()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new LineLog();
            lines[i].last = device.line(i);
        }
    }

    @Override
    public void accept(Activity a) {
        lock.lock();
        try {
            if (activity.size() == KEPT) {
                activity.removeFirst();
            }
            activity.addLast(a);
            switch (a) {
                case Activity.LineChanged c -> changed(c);
                case Activity.Driven d -> {
                    if (d.line() < lines.length) {
                        lines[d.line()].lastDriven = d.nanos();
                    }
                }
                case Activity.Dropped d -> dropped += d.count();
                default -> {
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void changed(Activity.LineChanged c) {
        LineView v = c.line();
        if (v.offset() >= lines.length) {
            return;
        }
        LineLog l = lines[v.offset()];
        if (v.level() != l.last.level()) {
            if (l.edges.size() == KEPT) {
                l.edges.removeFirst();
            }
            l.edges.addLast(new Edge(c.nanos(), v.offset(), v.name(), v.level(), v.driver()));
            l.edgeCount++;
        }
        l.last = v;
        if (l.views.size() == VIEWS_KEPT) {
            l.views.removeFirst();
        }
        l.views.addLast(c);
        for (Waiter w : waiters) {
            if (w.line == v.offset()) {
                w.offer(v);
            }
        }
    }

    @Override
    public void endOfBatch() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the activity and the edges so far: a test starts. */
    void startTest() {
        lock.lock();
        try {
            activity.clear();
            for (LineLog l : lines) {
                l.edges.clear();
                l.edgeCount = 0;
            }
            dropped = 0;
        } finally {
            lock.unlock();
        }
    }

    /** The activity since the test started, the latest {@link #KEPT}; of line {@code line} only if it is not -1. */
    List<Activity> activity(int line) {
        lock.lock();
        try {
            return activity.stream().filter(a -> line < 0 || lineOf(a) == line).toList();
        } finally {
            lock.unlock();
        }
    }

    /** The line an activity is about, or -1 for the device as a whole. */
    static int lineOf(Activity a) {
        return switch (a) {
            case Activity.Request r -> r.line();
            case Activity.Interrupt i -> i.line();
            case Activity.Unmask u -> u.line();
            case Activity.Edge e -> e.line();
            case Activity.Driven d -> d.line();
            case Activity.Filtered f -> f.line();
            case Activity.LineChanged c -> c.line().offset();
            case Activity.StimulusChanged c -> c.line();
            case Activity.Reset r -> -1;
            case Activity.Detached d -> -1;
            case Activity.Dropped d -> -1;
        };
    }

    List<Edge> edges(int line) {
        lock.lock();
        try {
            return List.copyOf(lines[line].edges);
        } finally {
            lock.unlock();
        }
    }

    /** Records the monitor lost since the test started. */
    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until line {@code line}'s view passes {@code test}: the view now, or any view the monitor reports
     * before {@code timeout} is over.
     */
    Outcome await(int line, Predicate<LineView> test, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long droppedBefore;
        Waiter w = new Waiter(line, test);
        boolean interrupted = false;
        lock.lock();
        try {
            droppedBefore = dropped;
            w.offer(device.line(line));
            waiters.add(w);
            try {
                while (w.matched == null && w.failure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        changed.awaitNanos(Math.min(left, RECHECK_NANOS));
                    } catch (InterruptedException e) {
                        interrupted = true;
                        break;
                    }
                    w.offer(device.line(line));
                }
            } finally {
                waiters.remove(w);
            }
            if (w.failure != null) {
                throw w.failure;
            }
            return new Outcome(start, w.matched, device.line(line), viewsSince(line, start), dropped - droppedBefore,
                    interrupted);
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits until line {@code line} has gone through {@code count} edges since the test started.
     *
     * @return the outcome (its {@code matched} view is non-null if enough came)
     */
    Outcome awaitEdges(int line, int count, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        boolean interrupted = false;
        lock.lock();
        try {
            long droppedBefore = dropped;
            LineLog l = lines[line];
            while (l.edgeCount < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    changed.awaitNanos(Math.min(left, RECHECK_NANOS));
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            LineView now = device.line(line);
            return new Outcome(start, l.edgeCount >= count ? now : null, now, viewsSince(line, start),
                    dropped - droppedBefore, interrupted);
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many edges line {@code line} went through since the test started (also those no longer kept). */
    long edgeCount(int line) {
        lock.lock();
        try {
            return lines[line].edgeCount;
        } finally {
            lock.unlock();
        }
    }

    private List<Activity.LineChanged> viewsSince(int line, long start) {
        return lines[line].views.stream().filter(c -> c.nanos() >= start).toList();
    }

    /**
     * Waits (at most {@code max}) until the monitor has handed over a drive of line {@code line} made at or after
     * {@code since}: from then on the line's edges and view include it.
     */
    void awaitDriven(int line, long since, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        lock.lock();
        try {
            while (lines[line].lastDriven < since) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return; // the record was lost (the ring was full): the drive happened all the same
                }
                changed.awaitNanos(Math.min(left, RECHECK_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits (at most {@code max}) until the monitor has handed over what the device recorded up to now
     * ({@link Monitor#awaitHandedOver}).
     */
    void settle(Monitor monitor, Duration max) {
        try {
            monitor.awaitHandedOver(max);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
