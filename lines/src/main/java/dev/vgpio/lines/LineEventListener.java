package dev.vgpio.lines;

/**
 * Receives edges from {@link GpioLines}' input lines that have edge detection enabled. Called on whatever thread
 * the lines detect the edge on; implementations hand the event over to their own thread and return quickly.
 */
@FunctionalInterface
public interface LineEventListener {
    /**
     * @param offset the line
     * @param rising true for a low-to-high edge, false for high-to-low
     * @param timestampNanos when the edge happened, on the lines' monotonic clock
     */
    void onEdge(int offset, boolean rising, long timestampNanos);
}
