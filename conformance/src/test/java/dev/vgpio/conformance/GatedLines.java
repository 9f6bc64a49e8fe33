package dev.vgpio.conformance;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A simulated chip whose {@link #getValue} of one line can be held: once {@link #arm armed}, the next read of that
 * line (on the device's serving thread) says it {@link Gate#arrived() arrived} and waits until the test
 * {@link Gate#release() releases} it. That keeps a request "kicked and not yet answered" for as long as the test
 * needs, for instance while it kills the front end that sent it.
 */
final class GatedLines implements GpioLines {
    /** One held read. */
    record Gate(CountDownLatch arrived, CountDownLatch released) {
        void release() {
            released.countDown();
        }

        boolean awaitArrival() throws InterruptedException {
            return arrived.await(10, TimeUnit.SECONDS);
        }
    }

    private final SimulatedChip sim;
    private final int line;
    private volatile Gate gate;

    GatedLines(SimulatedChip sim, int line) {
        this.sim = sim;
        this.line = line;
    }

    /** The next GET_VALUE of the gated line waits for {@link Gate#release()}. */
    Gate arm() {
        Gate g = new Gate(new CountDownLatch(1), new CountDownLatch(1));
        gate = g;
        return g;
    }

    @Override
    public int getValue(int offset) throws LineException {
        Gate g = gate;
        if (offset == line && g != null) {
            gate = null;
            g.arrived().countDown();
            try {
                if (!g.released().await(30, TimeUnit.SECONDS)) {
                    throw new LineException("the gate of line " + line + " was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LineException("interrupted at the gate of line " + line);
            }
        }
        return sim.getValue(offset);
    }

    @Override
    public String label() {
        return sim.label();
    }

    @Override
    public int lineCount() {
        return sim.lineCount();
    }

    @Override
    public List<String> lineNames() {
        return sim.lineNames();
    }

    @Override
    public Direction getDirection(int offset) throws LineException {
        return sim.getDirection(offset);
    }

    @Override
    public void setDirection(int offset, Direction d, int outputValue) throws LineException {
        sim.setDirection(offset, d, outputValue);
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        sim.setValue(offset, value);
    }

    @Override
    public boolean supportsEdgeEvents() {
        return sim.supportsEdgeEvents();
    }

    @Override
    public void setEdgeDetection(int offset, Edge edge) throws LineException {
        sim.setEdgeDetection(offset, edge);
    }

    @Override
    public void setEventListener(LineEventListener listener) {
        sim.setEventListener(listener);
    }

    @Override
    public void close() {
        sim.close();
    }
}
