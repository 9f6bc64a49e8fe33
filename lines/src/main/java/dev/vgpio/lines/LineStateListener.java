package dev.vgpio.lines;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;

/**
 * Host-side observer of a simulated line: called after the guest changes a line's direction, output level or edge
 * detection, and after the host drives the level it senses.
 */
@FunctionalInterface
public interface LineStateListener {
    void onLineChanged(int offset, Direction direction, int level);

    /**
     * Called after the guest changes a line's edge detection to {@code edge} (not when releasing the line clears
     * it: {@link #onLineChanged} reports the release). Does nothing unless a listener overrides it.
     */
    default void onEdgeDetectionChanged(int offset, Edge edge) {
    }

    /**
     * Called, on the host's thread, after the host changed the level the outside world presents to a line
     * ({@link SimulatedChip#drive}). Does nothing unless a listener overrides it; must not block.
     */
    default void onDriven(int offset, int level) {
    }

    /**
     * Called after the guest changed a line's settings (vgpio's line-configuration extension), or released the line
     * and with it its settings. Does nothing unless a listener overrides it.
     *
     * @param debounceMicros the debounce period, 0 when off
     */
    default void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
    }

    /**
     * Called when a debounced input came back to its settled level before its period was over: a pulse of
     * {@code level} lasting {@code widthNanos} was filtered (the guest saw neither edge). Called on the thread that
     * changed the level; must not block.
     */
    default void onFiltered(int offset, int level, long widthNanos) {
    }
}
