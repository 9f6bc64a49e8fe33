package dev.vgpio.lines;

import dev.vgpio.protocol.Direction;

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
}
