package dev.vgpio.lines;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.LineNames;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A chip of simulated lines. The guest side (through {@link GpioLines}) configures directions and drives
 * outputs; the host side (a test, the CLI, a control API) {@link #drive drives} the level that an input line
 * senses and {@link #observe observes} what the guest drives. Edges of driven inputs are reported to the
 * event listener when edge detection is on. Thread-safe: host and guest sides may run on different threads.
 *
 * <p>Each line's whole state (direction, output value, the level presented from outside, edge detection) is one
 * {@code int}, read with acquire semantics and changed by compare-and-set: reading a line takes no lock, and a
 * change is atomic per line, so the guest's requests on the device thread and the host's {@link #drive} never wait
 * for each other.
 *
 * <p>Line settings (docs/line-config.md) are modelled as a board would have them. The outside world either
 * {@link #drive holds} a line at a level or {@link #release lets it go}; a line nobody drives takes the level of
 * its bias (pull-up 1, pull-down 0; with no pull it stays where it was). An open-drain output drives 0 and lets go
 * for 1 (open-source: drives 1, lets go for 0), so a let-go output reads the bias or what the host holds it at. A
 * debounced input passes a change on (to {@link #getValue} and as an edge) only once the level has held for the
 * period; a shorter pulse is filtered, and {@link LineStateListener#onFiltered} says so. By default every line
 * takes every setting ({@link LineCaps#ALL}).
 */
public final class SimulatedChip implements GpioLines {
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final Edge[] EDGES = Edge.values();
    /**
     * Bits of a line's state: direction ordinal (2 bits), output value, outside level, edge ordinal (2 bits), bias
     * code (2 bits), drive code (2 bits), whether the outside world holds the level, the debounced input level, whether the line debounces.
     */
    private static final int DIRECTION_MASK = 0b11;
    private static final int OUTPUT = 1 << 2;
    private static final int EXTERNAL = 1 << 3;
    private static final int EDGE_SHIFT = 4;
    private static final int EDGE_MASK = 0b11 << EDGE_SHIFT;
    private static final int BIAS_SHIFT = 6;
    private static final int BIAS_MASK = 0b11 << BIAS_SHIFT;
    private static final int DRIVE_SHIFT = 8;
    private static final int DRIVE_MASK = 0b11 << DRIVE_SHIFT;
    private static final int HELD = 1 << 10;
    private static final int DEBOUNCED = 1 << 11;
    private static final int DEBOUNCING = 1 << 12;
    private static final int RELEASED = Direction.NONE.ordinal() | Edge.NONE.ordinal() << EDGE_SHIFT;
    private static final int PULL_UP = Bias.PULL_UP.code() << BIAS_SHIFT;
    private static final int PULL_DOWN = Bias.PULL_DOWN.code() << BIAS_SHIFT;
    private static final int OPEN_DRAIN = Drive.OPEN_DRAIN.code() << DRIVE_SHIFT;
    private static final int OPEN_SOURCE = Drive.OPEN_SOURCE.code() << DRIVE_SHIFT;

    private final String label;
    private final List<String> names;
    private final int[] state;
    private final byte[] caps;
    /** Per line: the debounce period in microseconds (0: off); changed under {@link #debounceLock}. */
    private final int[] debounceMicros;
    /** Per line: when the input last left its debounced level, or 0 when it is at it; under the lock. */
    private final long[] pendingSince;
    /** Per line: counts debounce checks, so that a check overtaken by a newer change does nothing; under the lock. */
    private final long[] debounceRound;
    /** Per line: the debounce check waiting to run, or {@code null}; under the lock. */
    private final ScheduledFuture<?>[] debounceCheck;
    private final Object debounceLock = new Object();
    private final List<LineStateListener> stateListeners = new CopyOnWriteArrayList<>();
    private volatile LineEventListener eventListener;
    /** Runs the debounce checks; made when a line first debounces. */
    private ScheduledThreadPoolExecutor debouncer;

    /**
     * A chip with one line per name ({@code ""} for an unnamed line) whose lines take every setting.
     *
     * @throws dev.vgpio.protocol.InvalidLineNamesException if names repeat, are not 7-bit ASCII or hold a NUL
     */
    public SimulatedChip(String label, List<String> names) {
        this(label, names, null);
    }

    /**
     * A chip with one line per name whose line {@code i} takes only the settings of {@code capsPerLine[i]}
     * ({@link LineCaps} bits); {@code null}: every line takes every setting.
     *
     * @throws IllegalArgumentException if {@code capsPerLine} has another length or undefined bits
     * @throws dev.vgpio.protocol.InvalidLineNamesException if names repeat, are not 7-bit ASCII or hold a NUL
     */
    public SimulatedChip(String label, List<String> names, int[] capsPerLine) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a chip needs at least one line");
        }
        LineNames.validate(names);
        this.label = label;
        this.names = List.copyOf(names.stream().map(n -> n == null ? "" : n).toList());
        this.state = new int[names.size()];
        this.caps = new byte[names.size()];
        if (capsPerLine != null && capsPerLine.length != names.size()) {
            throw new IllegalArgumentException("capabilities for " + capsPerLine.length + " lines, the chip has "
                    + names.size());
        }
        for (int i = 0; i < caps.length; i++) {
            int c = capsPerLine == null ? LineCaps.ALL : capsPerLine[i];
            if ((c & ~LineCaps.ALL) != 0) {
                throw new IllegalArgumentException("line " + i + ": undefined capability bits " + c);
            }
            caps[i] = (byte) c;
        }
        this.debounceMicros = new int[names.size()];
        this.pendingSince = new long[names.size()];
        this.debounceRound = new long[names.size()];
        this.debounceCheck = new ScheduledFuture<?>[names.size()];
        Arrays.fill(state, RELEASED);
        VarHandle.releaseFence();
    }

    /** A chip of {@code count} lines named {@code prefix0}, {@code prefix1}, ... */
    public static SimulatedChip withLines(String label, int count, String prefix) {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(prefix + i);
        }
        return new SimulatedChip(label, names);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int lineCount() {
        return names.size();
    }

    @Override
    public List<String> lineNames() {
        return names;
    }

    /** The offset of the line called {@code name}, or -1. */
    public int offsetOf(String name) {
        return name.isEmpty() ? -1 : names.indexOf(name);
    }

    @Override
    public Direction getDirection(int offset) throws LineException {
        return directionOf(read(offset));
    }

    @Override
    public void setDirection(int offset, Direction dir, int outputValue) throws LineException {
        int next;
        int old;
        do {
            old = read(offset);
            next = (old & ~(DIRECTION_MASK | OUTPUT)) | dir.ordinal();
            if (dir == Direction.OUT) {
                next |= outputValue != 0 ? OUTPUT : 0;
            } else if (dir == Direction.NONE) {
                next &= ~(EDGE_MASK | BIAS_MASK | DRIVE_MASK); // Edge.NONE, Bias.AS_IS, Drive.PUSH_PULL
                if ((next & HELD) == 0) {
                    next = withExternal(next, outside(old)); // a floating line stays where its pull left it
                }
            }
        } while (!swap(offset, old, next));
        boolean hadSettings = dir == Direction.NONE && ((old & (BIAS_MASK | DRIVE_MASK)) != 0
                || debounceOf(offset) != 0);
        if (dir == Direction.NONE) {
            stopDebouncing(offset);
        } else if (dir == Direction.IN && directionOf(old) != Direction.IN) {
            restartDebounce(offset); // an input made again keeps its settled level and a change it waits on
        }
        fireState(offset, dir, levelOf(next));
        if (hadSettings) {
            fireConfig(offset);
        }
    }

    @Override
    public int getValue(int offset) throws LineException {
        return levelOf(read(offset));
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        int old;
        do {
            old = read(offset);
            if (directionOf(old) != Direction.OUT) {
                throw new LineException("line " + offset + " is not an output");
            }
        } while (!swap(offset, old, value != 0 ? old | OUTPUT : old & ~OUTPUT));
        fireState(offset, Direction.OUT, physical(value != 0 ? old | OUTPUT : old & ~OUTPUT));
    }

    @Override
    public boolean supportsEdgeEvents() {
        return true;
    }

    @Override
    public void setEdgeDetection(int offset, Edge e) throws LineException {
        int old;
        do {
            old = read(offset);
            if (e != Edge.NONE && directionOf(old) != Direction.IN) {
                throw new LineException("edge detection needs line " + offset + " to be an input, it is "
                        + directionOf(old));
            }
        } while (!swap(offset, old, (old & ~EDGE_MASK) | e.ordinal() << EDGE_SHIFT));
        if (edgeOf(old) != e) {
            for (LineStateListener l : stateListeners) {
                l.onEdgeDetectionChanged(offset, e);
            }
        }
    }

    @Override
    public void setEventListener(LineEventListener listener) {
        this.eventListener = listener;
    }

    // ---- line settings

    @Override
    public int lineCaps(int offset) throws LineException {
        read(offset);
        return caps[offset];
    }

    @Override
    public boolean supportsLineConfig() {
        for (byte c : caps) {
            if (c != 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void setBias(int offset, Bias bias) throws LineException {
        requireCap(offset, bias.cap(), "bias " + bias.label());
        if ((read(offset) & DEBOUNCING) != 0) {
            synchronized (debounceLock) {
                setBiasNow(offset, bias);
            }
        } else {
            setBiasNow(offset, bias);
        }
    }

    private void setBiasNow(int offset, Bias bias) throws LineException {
        int old;
        int next;
        do {
            old = read(offset);
            next = (old & ~BIAS_MASK) | bias.code() << BIAS_SHIFT;
            if ((old & HELD) == 0) {
                next = withExternal(next, outside(old)); // a line that loses its pull stays where it was
            }
        } while (!swap(offset, old, next));
        if (old != next) {
            outsideChanged(offset, old, next);
            fireConfig(offset);
        }
    }

    @Override
    public void setDrive(int offset, Drive drive) throws LineException {
        requireCap(offset, drive.cap(), drive.label() + " drive");
        int old;
        int next;
        do {
            old = read(offset);
            next = (old & ~DRIVE_MASK) | drive.code() << DRIVE_SHIFT;
        } while (!swap(offset, old, next));
        if (old != next) {
            if (directionOf(next) == Direction.OUT && physical(old) != physical(next)) {
                fireState(offset, Direction.OUT, physical(next));
            }
            fireConfig(offset);
        }
    }

    @Override
    public void setDebounce(int offset, int periodMicros) throws LineException {
        if (periodMicros < 0 || periodMicros > LineConfig.MAX_DEBOUNCE_US) {
            throw new LineException("a debounce period is 0 to " + LineConfig.MAX_DEBOUNCE_US + " µs, not "
                    + periodMicros);
        }
        requireCap(offset, periodMicros == 0 ? 0 : LineCaps.DEBOUNCE, "debouncing");
        int before;
        synchronized (debounceLock) {
            before = debounceMicros[offset];
            debounceMicros[offset] = periodMicros;
        }
        if (before == periodMicros) {
            return;
        }
        if (periodMicros == 0) {
            int s = read(offset);
            int was = (s & DEBOUNCED) != 0 ? 1 : 0;
            stopDebouncing(offset);
            if (directionOf(s) == Direction.IN && outside(s) != was) {
                reportEdge(offset, s, outside(s)); // a change the period was holding back goes through now
            }
        } else if (before == 0) {
            restartDebounce(offset);
        } else {
            rescheduleDebounce(offset); // the settled level stays; a change it waits on waits the new period
        }
        fireConfig(offset);
    }

    /** Host side: the bias the guest set on a line. */
    public Bias bias(int offset) throws LineException {
        return Bias.fromCode((read(offset) & BIAS_MASK) >>> BIAS_SHIFT);
    }

    /** Host side: how the guest made a line drive its output. */
    public Drive drive(int offset) throws LineException {
        return Drive.fromCode((read(offset) & DRIVE_MASK) >>> DRIVE_SHIFT);
    }

    /** Host side: the debounce period the guest set on a line, in microseconds (0: off). */
    public int debounce(int offset) throws LineException {
        read(offset);
        return debounceOf(offset);
    }

    private int debounceOf(int offset) {
        synchronized (debounceLock) {
            return debounceMicros[offset];
        }
    }

    private void requireCap(int offset, int cap, String what) throws LineException {
        read(offset);
        if ((caps[offset] & cap) != cap) {
            throw new LineException("line " + offset + " of " + label + " cannot take " + what + " (it takes "
                    + LineCaps.describe(caps[offset]) + ")");
        }
    }

    /** Adds a host-side observer of guest-made changes. */
    public void addStateListener(LineStateListener listener) {
        stateListeners.add(listener);
    }

    public void removeStateListener(LineStateListener listener) {
        stateListeners.remove(listener);
    }

    /**
     * Host side: holds line {@code offset} at {@code level} from outside. An input senses it at once (after its
     * debounce period, if it has one) and reports the edge if its edge detection matches; an output keeps driving
     * its own value, except that an open-drain or open-source output that lets go reads it.
     */
    public void drive(int offset, int level) throws LineException {
        if ((read(offset) & DEBOUNCING) != 0) {
            synchronized (debounceLock) { // the change and its debounce step in one, so no check runs between
                driveNow(offset, level);
            }
        } else {
            driveNow(offset, level);
        }
    }

    private void driveNow(int offset, int level) throws LineException {
        int old;
        int next;
        do {
            old = read(offset);
            next = withExternal(old, level) | HELD;
        } while (!swap(offset, old, next));
        if (next != old) {
            int newLevel = level != 0 ? 1 : 0;
            for (LineStateListener s : stateListeners) {
                s.onDriven(offset, newLevel);
            }
            outsideChanged(offset, old, next);
        }
    }

    /**
     * Host side: stops holding line {@code offset}: nothing outside drives it any more, and it takes the level of its
     * bias (pull-up 1, pull-down 0; with no pull it stays where it was).
     */
    public void release(int offset) throws LineException {
        if ((read(offset) & DEBOUNCING) != 0) {
            synchronized (debounceLock) {
                releaseNow(offset);
            }
        } else {
            releaseNow(offset);
        }
    }

    private void releaseNow(int offset) throws LineException {
        int old;
        int next;
        do {
            old = read(offset);
            next = old & ~HELD;
        } while (!swap(offset, old, next));
        if (old != next) {
            int level = outside(next);
            for (LineStateListener s : stateListeners) {
                s.onDriven(offset, level);
            }
            outsideChanged(offset, old, next);
        }
    }

    /**
     * Host side: the value the guest set an output to drive (0 or 1; what an open-drain output "drives" when it lets
     * go reads as 1 here), whatever the line's direction.
     */
    public int outputValue(int offset) throws LineException {
        return (read(offset) & OUTPUT) != 0 ? 1 : 0;
    }

    /** Host side: whether the outside world holds line {@code offset} at a level ({@link #drive}). */
    public boolean isHeld(int offset) throws LineException {
        return (read(offset) & HELD) != 0;
    }

    /** Host side: the level on the line as the outside world sees it (what an output puts on it, or the input). */
    public int observe(int offset) throws LineException {
        return physical(read(offset));
    }

    /**
     * Host side: the level the outside world presents to the line, whatever its direction: the level it holds the
     * line at, or the pull's level when nothing holds it.
     */
    public int drivenLevel(int offset) throws LineException {
        return outside(read(offset));
    }

    /** The edge detection currently set on a line. */
    public Edge edgeDetection(int offset) throws LineException {
        return edgeOf(read(offset));
    }

    /**
     * Releases every line (direction NONE, no edge detection, output 0, settings back to their defaults); what
     * the outside world holds the lines at stays.
     */
    @Override
    public void close() {
        for (int offset = 0; offset < state.length; offset++) {
            int old;
            int next;
            do {
                old = (int) STATE.getAcquire(state, offset);
                next = (old & (HELD | EXTERNAL)) | RELEASED;
                if ((old & HELD) == 0) {
                    next = withExternal(next, outside(old));
                }
            } while (!swap(offset, old, next));
        }
        synchronized (debounceLock) {
            Arrays.fill(debounceMicros, 0);
            Arrays.fill(pendingSince, 0);
            if (debouncer != null) {
                debouncer.shutdownNow();
                debouncer = null;
            }
        }
    }

    // ---- how a line's level follows from its state

    /** The state of line {@code offset}, read with acquire semantics. */
    private int read(int offset) throws LineException {
        if (offset < 0 || offset >= state.length) {
            throw new LineException("line " + offset + " does not exist on " + label + " (it has " + state.length
                    + " lines)");
        }
        return (int) STATE.getAcquire(state, offset);
    }

    private boolean swap(int offset, int expected, int next) {
        return STATE.compareAndSet(state, offset, expected, next);
    }

    private static Direction directionOf(int s) {
        return DIRECTIONS[s & DIRECTION_MASK];
    }

    private static Edge edgeOf(int s) {
        return EDGES[(s & EDGE_MASK) >>> EDGE_SHIFT];
    }

    private static int withExternal(int s, int level) {
        return level != 0 ? s | EXTERNAL : s & ~EXTERNAL;
    }

    /** The level the outside presents: what holds the line, else its pull, else where it was left. */
    private static int outside(int s) {
        if ((s & HELD) == 0) {
            int bias = s & BIAS_MASK;
            if (bias == PULL_UP) {
                return 1;
            }
            if (bias == PULL_DOWN) {
                return 0;
            }
        }
        return (s & EXTERNAL) >>> 3;
    }

    /** The level on the wire: an output's drive (or the outside's where it lets go), else the outside's. */
    private static int physical(int s) {
        if (directionOf(s) != Direction.OUT) {
            return outside(s);
        }
        int out = (s & OUTPUT) >>> 2;
        int drive = s & DRIVE_MASK;
        if (drive == OPEN_DRAIN && out == 1 || drive == OPEN_SOURCE && out == 0) {
            return outside(s);
        }
        return out;
    }

    /** The level the guest reads: the wire's, or for a debounced input the level that lasted the period. */
    private static int levelOf(int s) {
        return directionOf(s) == Direction.IN && (s & DEBOUNCING) != 0 ? (s & DEBOUNCED) >>> 11 : physical(s);
    }

    private static int withDebounced(int s, int level) {
        return level != 0 ? s | DEBOUNCED : s & ~DEBOUNCED;
    }

    /**
     * After the outside level (or the pull) of a line changed from {@code old} to {@code next}: an output that lets
     * go shows the new level, an input reports its edge, or a debounced one starts or ends a wait.
     */
    private void outsideChanged(int offset, int old, int next) {
        Direction d = directionOf(next);
        if (d == Direction.OUT) {
            if (physical(old) != physical(next)) {
                fireState(offset, Direction.OUT, physical(next));
            }
        } else if (d == Direction.IN) {
            if ((next & DEBOUNCING) != 0) {
                debounceStep(offset);
            } else if (outside(old) != outside(next)) {
                reportEdge(offset, next, outside(next));
            }
        }
    }

    private void reportEdge(int offset, int s, int level) {
        LineEventListener l = eventListener;
        if (l != null && edgeOf(s).matches(level)) {
            l.onEdge(offset, level == 1, System.nanoTime());
        }
    }

    /**
     * A debounced input's outside level changed: if it left the settled level, a check runs once the period is
     * over (a newer change makes it do nothing); if it came back before that, the pulse was filtered.
     */
    private void debounceStep(int offset) {
        long now = System.nanoTime();
        int filteredLevel = -1;
        long width = 0;
        synchronized (debounceLock) {
            int s = (int) STATE.getAcquire(state, offset);
            int period = debounceMicros[offset];
            if (period == 0 || (s & DEBOUNCING) == 0) {
                return;
            }
            int raw = outside(s);
            int settled = (s & DEBOUNCED) != 0 ? 1 : 0;
            if (raw != settled) {
                if (pendingSince[offset] == 0) {
                    pendingSince[offset] = now;
                }
                schedule(offset, TimeUnit.MICROSECONDS.toNanos(period));
            } else if (pendingSince[offset] != 0) {
                filteredLevel = 1 - settled;
                width = now - pendingSince[offset];
                pendingSince[offset] = 0;
                cancelCheck(offset);
            }
        }
        if (filteredLevel >= 0) {
            for (LineStateListener l : stateListeners) {
                l.onFiltered(offset, filteredLevel, width);
            }
        }
    }

    /** The period since the last change is over: the input settles at its outside level and reports the edge. */
    private void settle(int offset, long round) {
        int s;
        int next;
        synchronized (debounceLock) {
            if (debounceRound[offset] != round) {
                return;
            }
            debounceCheck[offset] = null;
            pendingSince[offset] = 0;
            do {
                s = (int) STATE.getAcquire(state, offset);
                if ((s & DEBOUNCING) == 0) {
                    return;
                }
                next = withDebounced(s, outside(s));
            } while (!swap(offset, s, next));
        }
        if (next != s && directionOf(next) == Direction.IN) {
            reportEdge(offset, next, outside(next));
        }
    }

    /** Runs a debounce check of line {@code offset} in {@code nanos}, instead of any it had; under the lock. */
    private void schedule(int offset, long nanos) {
        cancelCheck(offset);
        long round = debounceRound[offset];
        debounceCheck[offset] = debouncer().schedule(() -> settle(offset, round), Math.max(0, nanos),
                TimeUnit.NANOSECONDS);
    }

    /** Drops line {@code offset}'s waiting debounce check (a newer round makes a running one do nothing). */
    private void cancelCheck(int offset) {
        debounceRound[offset]++;
        ScheduledFuture<?> f = debounceCheck[offset];
        if (f != null) {
            f.cancel(false);
            debounceCheck[offset] = null;
        }
    }

    /** The period changed from one length to another: a change waiting to settle waits the new one from its start. */
    private void rescheduleDebounce(int offset) {
        synchronized (debounceLock) {
            if (pendingSince[offset] != 0) {
                schedule(offset, pendingSince[offset] + TimeUnit.MICROSECONDS.toNanos(debounceMicros[offset])
                        - System.nanoTime());
            }
        }
    }

    /** Starts debouncing afresh (or stops, with no period): the settled level is the outside level now. */
    private void restartDebounce(int offset) {
        synchronized (debounceLock) {
            int period = debounceMicros[offset];
            pendingSince[offset] = 0;
            cancelCheck(offset);
            int s;
            int next;
            do {
                s = (int) STATE.getAcquire(state, offset);
                next = period == 0 ? s & ~(DEBOUNCING | DEBOUNCED) : withDebounced(s | DEBOUNCING, outside(s));
            } while (!swap(offset, s, next));
        }
    }

    private void stopDebouncing(int offset) {
        synchronized (debounceLock) {
            debounceMicros[offset] = 0;
        }
        restartDebounce(offset);
    }

    /** The thread that runs debounce checks, made on first use; called under {@link #debounceLock}. */
    private ScheduledThreadPoolExecutor debouncer() {
        if (debouncer == null) {
            debouncer = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "vgpio-debounce-" + label);
                t.setDaemon(true);
                return t;
            });
            debouncer.setRemoveOnCancelPolicy(true);
        }
        return debouncer;
    }

    private void fireState(int offset, Direction dir, int level) {
        for (LineStateListener l : stateListeners) {
            l.onLineChanged(offset, dir, level);
        }
    }

    private void fireConfig(int offset) throws LineException {
        if (stateListeners.isEmpty()) {
            return;
        }
        Bias b = bias(offset);
        Drive d = drive(offset);
        int period = debounceOf(offset);
        for (LineStateListener l : stateListeners) {
            l.onConfigChanged(offset, b, d, period);
        }
    }
}
