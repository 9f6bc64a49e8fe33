package dev.vgpio.lines;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.LineNames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A chip of simulated lines. The guest side (through {@link LineBackend}) configures directions and drives
 * outputs; the host side (a test, the CLI, a control API) {@link #drive drives} the level that an input line
 * senses and {@link #observe observes} what the guest drives. Edges of driven inputs are reported to the
 * event listener when edge detection is on. Thread-safe: host and guest sides may run on different threads.
 */
public final class SimulatedChip implements LineBackend {
    private final String label;
    private final List<String> names;
    private final Direction[] direction;
    private final int[] output;
    private final int[] external;
    private final Edge[] edge;
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
        int n = names.size();
        direction = new Direction[n];
        output = new int[n];
        external = new int[n];
        edge = new Edge[n];
        java.util.Arrays.fill(direction, Direction.NONE);
        java.util.Arrays.fill(edge, Edge.NONE);
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
    public synchronized Direction getDirection(int offset) throws LineException {
        check(offset);
        return direction[offset];
    }

    @Override
    public void setDirection(int offset, Direction dir, int outputValue) throws LineException {
        check(offset);
        int level;
        synchronized (this) {
            direction[offset] = dir;
            if (dir == Direction.OUT) {
                output[offset] = outputValue != 0 ? 1 : 0;
            } else {
                edge[offset] = dir == Direction.NONE ? Edge.NONE : edge[offset];
                output[offset] = 0;
            }
            level = levelOf(offset);
        }
        fireState(offset, dir, level);
    }

    @Override
    public synchronized int getValue(int offset) throws LineException {
        check(offset);
        return levelOf(offset);
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        check(offset);
        synchronized (this) {
            if (direction[offset] != Direction.OUT) {
                throw new LineException("line " + offset + " is not an output");
            }
            output[offset] = value != 0 ? 1 : 0;
        }
        fireState(offset, Direction.OUT, value != 0 ? 1 : 0);
    }

    @Override
    public boolean supportsEdgeEvents() {
        return true;
    }

    @Override
    public synchronized void setEdgeDetection(int offset, Edge e) throws LineException {
        check(offset);
        if (e != Edge.NONE && direction[offset] != Direction.IN) {
            throw new LineException("edge detection needs line " + offset + " to be an input, it is "
                    + direction[offset]);
        }
        edge[offset] = e;
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
        check(offset);
        int newLevel = level != 0 ? 1 : 0;
        boolean report;
        synchronized (this) {
            int old = external[offset];
            external[offset] = newLevel;
            report = old != newLevel && direction[offset] == Direction.IN && edge[offset].matches(newLevel);
        }
        LineEventListener l = eventListener;
        if (report && l != null) {
            l.onEdge(offset, newLevel == 1, System.nanoTime());
        }
    }

    /** Host side: the level on the line as the outside world sees it (an output's driven value, or the input). */
    public synchronized int observe(int offset) throws LineException {
        check(offset);
        return levelOf(offset);
    }

    /** Host side: the level the outside world presents to the line, whatever its direction. */
    public synchronized int drivenLevel(int offset) throws LineException {
        check(offset);
        return external[offset];
    }

    /** The edge detection currently set on a line. */
    public synchronized Edge edgeDetection(int offset) throws LineException {
        check(offset);
        return edge[offset];
    }

    @Override
    public synchronized void close() {
        java.util.Arrays.fill(direction, Direction.NONE);
        java.util.Arrays.fill(edge, Edge.NONE);
        java.util.Arrays.fill(output, 0);
    }

    private int levelOf(int offset) {
        return direction[offset] == Direction.OUT ? output[offset] : external[offset];
    }

    private void fireState(int offset, Direction dir, int level) {
        for (LineStateListener l : stateListeners) {
            l.onLineChanged(offset, dir, level);
        }
    }

    private void check(int offset) throws LineException {
        if (offset < 0 || offset >= names.size()) {
            throw new LineException("line " + offset + " does not exist on " + label + " (it has " + names.size()
                    + " lines)");
        }
    }
}
