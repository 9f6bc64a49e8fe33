package dev.vgpio.junit;

import dev.vgpio.control.LineStatus;
import dev.vgpio.lines.LineException;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.DriveException;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.Stimulus;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.opentest4j.AssertionFailedError;

/**
 * A test's handle to one line of the device {@link VgpioExtension} serves. As the host, the test drives the level
 * a simulated input senses ({@link #press}, {@link #release}, {@link #pulse}, {@link #stimulate}); it reads the
 * line ({@link #level}, {@link #direction}, {@link #status}, {@link #view}); and it awaits what the guest does with
 * it ({@link #awaitOutput}, {@link #awaitLevel}, {@link #awaitArmed}, {@link #awaitEdges}, {@link #await}). A
 * handle stays valid for as long as the extension lives, across the tests of a class whose device is shared.
 *
 * <p>Reads come in two kinds. {@link #level}, {@link #direction}, {@link #driver} and {@link #status} read the
 * simulated line itself: exact at the moment of the call, also right after the guest's request returned.
 * {@link #view}, {@link #edges}, {@link #activity} and the waits come from the device's monitor, which reads the
 * device's activity a couple of milliseconds behind it; the host's own drives are always in them when a drive
 * returns, and what the guest does is in them by the time a wait for it returns.
 *
 * <p>A wait passes as soon as the line's view shows what is awaited: the view when the wait begins, or any view
 * the monitor reports before the time is up (so a short blip of the guest's output is not missed). When the time
 * is up it fails with an {@link AssertionFailedError} that says what was awaited, the line's view at the deadline
 * (its direction, level, who drives it, its interrupt), the changes seen while waiting, and whether a front end
 * was connected at all.
 */
public final class Line {
    /** How long a drive waits at most for the monitor to hand it over (its record could only be lost). */
    private static final Duration DRIVE_SEEN = Duration.ofSeconds(1);

    private final VgpioExtension extension;
    private final int offset;
    private final String name;

    Line(VgpioExtension extension, int offset, String name) {
        this.extension = extension;
        this.offset = offset;
        this.name = name;
    }

    /** The line's offset on the device. */
    public int offset() {
        return offset;
    }

    /** The line's name ({@code ""} for an unnamed line). */
    public String name() {
        return name;
    }

    /**
     * Drives the line to 1 as the host: the level a simulated input senses, like pressing a button that pulls the
     * line high. An edge reaches the guest if it asked for one. Returns once the monitor has seen it.
     *
     * @throws DriveException {@link DriveException.Reason#GUEST_OUTPUT GUEST_OUTPUT} if the guest holds the line as
     *                        an output (the guest drives its level), {@link DriveException.Reason#BUSY BUSY} if a
     *                        {@link #stimulate stimulus} runs on it
     */
    public void press() throws DriveException {
        drive(1);
    }

    /**
     * Drives the line to 0 as the host (the button let go).
     *
     * @throws DriveException as {@link #press()} does
     */
    public void release() throws DriveException {
        drive(0);
    }

    /**
     * Drives the line to {@code level} (0 or 1) as the host; nothing happens if it is driven there already.
     *
     * @throws DriveException as {@link #press()} does, and {@link DriveException.Reason#INVALID INVALID} for
     *                        another level
     */
    public void drive(int level) throws DriveException {
        Served s = extension.served();
        checkNoStimulus(s);
        long before = System.nanoTime();
        boolean changes = drivenLevel(s) != level;
        s.device.drive(offset, level);
        if (changes) {
            s.hub.awaitDriven(offset, before, DRIVE_SEEN);
        }
    }

    /**
     * Drives the line to the opposite of the level the host drives on it for {@code width}, then back: a button
     * pressed and let go. Blocks for {@code width}.
     *
     * @throws DriveException as {@link #press()} does, also when the guest took the line as an output meanwhile
     *                        (then the line stays where the guest drives it)
     */
    public void pulse(Duration width) throws DriveException {
        Objects.requireNonNull(width, "width");
        if (width.isNegative()) {
            throw new IllegalArgumentException("a pulse lasts 0 or more, not " + width);
        }
        Served s = extension.served();
        checkNoStimulus(s);
        int idle = drivenLevel(s);
        long start = System.nanoTime();
        s.device.drive(offset, 1 - idle);
        long end = start + width.toNanos();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
        s.device.drive(offset, idle);
        s.hub.awaitDriven(offset, end, DRIVE_SEEN);
    }

    /**
     * Starts a stimulus on the line, run by the monitor in the background: pulses, bursts of toggles, square
     * waves ({@link Stimulus}). It stops at its end, on {@link #stopStimulus()}, when the test ends, or when the
     * guest makes the line an output. Await its effect with {@link #awaitEdges}.
     *
     * @throws DriveException as {@link #press()} does
     */
    public void stimulate(Stimulus stimulus) throws DriveException {
        Served s = extension.served();
        s.monitor.stimuli().start(s.device, offset, stimulus);
    }

    /** Stops the stimulus running on the line (a pulse that is on goes back); whether one was running. */
    public boolean stopStimulus() {
        Served s = extension.served();
        return s.monitor.stimuli().stop(s.device, offset);
    }

    private void checkNoStimulus(Served s) throws DriveException {
        Stimulus running = s.monitor.stimuli().running(s.device, offset).orElse(null);
        if (running != null) {
            throw new DriveException(DriveException.Reason.BUSY, "a " + running.kind() + " already drives "
                    + describe() + "; stop it first (stopStimulus)");
        }
    }

    private int drivenLevel(Served s) {
        try {
            return s.chip.drivenLevel(offset);
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The level on the line now: the guest's output value, or the level the host presents to it. */
    public int level() {
        return status().level();
    }

    /** The direction the guest set, now ({@link Direction#NONE NONE}: released, or never requested). */
    public Direction direction() {
        return status().direction();
    }

    /** Who drives the line now: the guest (its output), the host (it drove the input) or nobody. */
    public LineStatus.Driver driver() {
        return status().driver();
    }

    /** The line as the host sees it now: level, direction, driver and the edge detection the guest set. */
    public LineStatus status() {
        Served s = extension.served();
        try {
            return s.control.status(offset);
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The line as the monitor sees it: direction, level, driver, interrupt type, masked or armed, and the counts
     * of requests, refusals, edges and interrupts since the device started.
     */
    public LineView view() {
        return extension.served().device.line(offset);
    }

    /**
     * The edges the line went through since the test started, oldest first (the latest 65536): each change of its
     * level the monitor saw, whoever caused it, with its monotonic time ({@link System#nanoTime()}).
     */
    public List<Edge> edges() {
        return extension.served().hub.edges(offset);
    }

    /**
     * The device's activity on this line since the test started, oldest first (the latest 65536 records of the
     * device): the guest's requests and their answers, interrupts, unmasks, edges, the host's drives, and each
     * change of the line's view.
     */
    public List<Activity> activity() {
        return extension.served().hub.activity(offset);
    }

    /**
     * Waits until the guest holds the line as an output at {@code value}.
     *
     * @return the view that showed it
     * @throws AssertionFailedError if it does not within {@code timeout}
     */
    public LineView awaitOutput(int value, Duration timeout) {
        checkLevel(value);
        return await(v -> v.direction() == Direction.OUT && v.level() == value,
                "the guest to hold it as an output at " + value, timeout);
    }

    /**
     * Waits until the line is at {@code level}, whoever drives it.
     *
     * @return the view that showed it
     * @throws AssertionFailedError if it is not within {@code timeout}
     */
    public LineView awaitLevel(int level, Duration timeout) {
        checkLevel(level);
        return await(v -> v.level() == level, "level " + level, timeout);
    }

    /**
     * Waits until the guest has set the line's direction to {@code direction} ({@link Direction#NONE NONE}: it
     * released the line).
     *
     * @return the view that showed it
     * @throws AssertionFailedError if it has not within {@code timeout}
     */
    public LineView awaitDirection(Direction direction, Duration timeout) {
        Objects.requireNonNull(direction, "direction");
        return await(v -> v.direction() == direction, "the guest to make it " + switch (direction) {
            case IN -> "an input";
            case OUT -> "an output";
            case NONE -> "released";
        }, timeout);
    }

    /**
     * Waits until the guest listens for interrupts on the line: it enabled an interrupt type and holds a buffer for
     * it (the line is unmasked), so that the next matching edge reaches it. Await it before a press that the guest
     * must see, instead of sleeping for the guest's tool to start.
     *
     * @return the view that showed it
     * @throws AssertionFailedError if it does not within {@code timeout}
     */
    public LineView awaitArmed(Duration timeout) {
        return await(v -> v.irqType() != IrqType.NONE && !v.masked(), "the guest to arm an interrupt on it",
                timeout);
    }

    /**
     * Waits until the line has gone through {@code count} edges since the test started ({@link #edges()}).
     *
     * @return the edges by then
     * @throws AssertionFailedError if fewer come within {@code timeout}
     */
    public List<Edge> awaitEdges(int count, Duration timeout) {
        if (count < 0) {
            throw new IllegalArgumentException("an edge count is 0 or more, not " + count);
        }
        Served s = extension.served();
        Hub.Outcome o = s.hub.awaitEdges(offset, count, timeout);
        if (o.matched() == null) {
            long seen = s.hub.edgeCount(offset);
            throw failure(s, count + (count == 1 ? " edge" : " edges") + " since the test started", timeout, o,
                    "; it went through " + seen + (seen == 1 ? " edge" : " edges"));
        }
        return edges();
    }

    /**
     * Waits until the line's view passes {@code condition}, as the other waits do; the condition runs on the
     * monitor's thread too, so it must be quick and must not block.
     *
     * @param what what is awaited, in words, for the failure's message ("the guest to arm a rising edge")
     * @return the view that passed
     * @throws AssertionFailedError if none does within {@code timeout}
     */
    public LineView await(Predicate<LineView> condition, String what, Duration timeout) {
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(timeout, "timeout");
        Served s = extension.served();
        Hub.Outcome o = s.hub.await(offset, condition, timeout);
        if (o.matched() == null) {
            throw failure(s, what, timeout, o, "");
        }
        return o.matched();
    }

    private AssertionFailedError failure(Served s, String what, Duration timeout, Hub.Outcome o, String more) {
        StringBuilder m = new StringBuilder(describe()).append(": awaited ").append(what).append(" for ")
                .append(Words.duration(timeout));
        if (o.interrupted()) {
            m.append(", but the wait was interrupted; the line was ");
        } else {
            m.append(", but at the deadline it was ");
        }
        m.append(Words.view(o.last())).append(more);
        List<Activity.LineChanged> during = o.during();
        if (during.isEmpty()) {
            m.append("; it did not change while waiting");
        } else {
            m.append("; while waiting it was ");
            for (int i = 0; i < during.size(); i++) {
                Activity.LineChanged c = during.get(i);
                m.append(i == 0 ? "" : ", then ").append(Words.view(c.line())).append(" (")
                        .append(Words.after(Math.max(0, c.nanos() - o.start()))).append(')');
            }
        }
        if (o.dropped() > 0) {
            m.append("; the monitor lost ").append(o.dropped()).append(" records of the device meanwhile");
        }
        String frontEnd = s.frontEnd();
        if (!frontEnd.isEmpty()) {
            m.append(" (").append(frontEnd).append(')');
        }
        return new AssertionFailedError(m.toString());
    }

    private static void checkLevel(int level) {
        if (level != 0 && level != 1) {
            throw new IllegalArgumentException("a level is 0 or 1, not " + level);
        }
    }

    /** {@code line 0 "LED" of gpio0}. */
    String describe() {
        return Words.line(offset, name, extension.name());
    }

    /** {@code line 0 "LED" of gpio0}. */
    @Override
    public String toString() {
        return describe();
    }
}
