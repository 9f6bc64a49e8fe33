package dev.vgpio.lines;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.LineNames;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
 */
public final class SimulatedChip implements GpioLines {
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    private static final Direction[] DIRECTIONS = Direction.values();
    private static final Edge[] EDGES = Edge.values();
    /** Bits of a line's state: direction ordinal (2 bits), output value, outside level, edge ordinal (2 bits). */
    private static final int DIRECTION_MASK = 0b11;
    private static final int OUTPUT = 1 << 2;
    private static final int EXTERNAL = 1 << 3;
    private static final int EDGE_SHIFT = 4;
    private static final int EDGE_MASK = 0b11 << EDGE_SHIFT;
    private static final int RELEASED = Direction.NONE.ordinal() | Edge.NONE.ordinal() << EDGE_SHIFT;

    private final String label;
    private final List<String> names;
    private final int[] state;
    private final List<LineStateListener> stateListeners = new CopyOnWriteArrayList<>();
    private volatile LineEventListener eventListener;

    /**
     * A chip with one line per name ({@code ""} for an unnamed line).
     *
     * @throws dev.vgpio.protocol.InvalidLineNamesException if names repeat, are not 7-bit ASCII or hold a NUL
     */
    public SimulatedChip(String label, List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a chip needs at least one line");
        }
        LineNames.validate(names);
        this.label = label;
        this.names = List.copyOf(names.stream().map(n -> n == null ? "" : n).toList());
        this.state = new int[names.size()];
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
                next &= ~EDGE_MASK; // Edge.NONE
            }
        } while (!swap(offset, old, next));
        fireState(offset, dir, levelOf(next));
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
        fireState(offset, Direction.OUT, value != 0 ? 1 : 0);
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

    /** Adds a host-side observer of guest-made changes. */
    public void addStateListener(LineStateListener listener) {
        stateListeners.add(listener);
    }

    public void removeStateListener(LineStateListener listener) {
        stateListeners.remove(listener);
    }

    /**
     * Host side: sets the level the outside world presents to line {@code offset}. An input line senses it at
     * once and reports the edge if its edge detection matches; an output line keeps driving its own value.
     */
    public void drive(int offset, int level) throws LineException {
        int old;
        int next;
        do {
            old = read(offset);
            next = level != 0 ? old | EXTERNAL : old & ~EXTERNAL;
        } while (!swap(offset, old, next));
        int newLevel = level != 0 ? 1 : 0;
        boolean report = old != next && directionOf(next) == Direction.IN && edgeOf(next).matches(newLevel);
        if (old != next) {
            for (LineStateListener s : stateListeners) {
                s.onDriven(offset, newLevel);
            }
        }
        LineEventListener l = eventListener;
        if (report && l != null) {
            l.onEdge(offset, newLevel == 1, System.nanoTime());
        }
    }

    /** Host side: the level on the line as the outside world sees it (an output's driven value, or the input). */
    public int observe(int offset) throws LineException {
        return levelOf(read(offset));
    }

    /** Host side: the level the outside world presents to the line, whatever its direction. */
    public int drivenLevel(int offset) throws LineException {
        return (read(offset) & EXTERNAL) != 0 ? 1 : 0;
    }

    /** The edge detection currently set on a line. */
    public Edge edgeDetection(int offset) throws LineException {
        return edgeOf(read(offset));
    }

    /** Releases every line (direction NONE, no edge detection, output 0); the outside levels stay. */
    @Override
    public void close() {
        for (int offset = 0; offset < state.length; offset++) {
            int old;
            do {
                old = (int) STATE.getAcquire(state, offset);
            } while (!swap(offset, old, (old & EXTERNAL) | RELEASED));
        }
    }

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

    private static int levelOf(int s) {
        return directionOf(s) == Direction.OUT ? (s & OUTPUT) >>> 2 : (s & EXTERNAL) >>> 3;
    }

    private void fireState(int offset, Direction dir, int level) {
        for (LineStateListener l : stateListeners) {
            l.onLineChanged(offset, dir, level);
        }
    }
}
