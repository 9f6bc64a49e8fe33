package dev.vgpio.lines;

import dev.vgpio.protocol.Direction;

/** Host-side observer of a simulated line: called after the guest changes a line's direction or output level. */
@FunctionalInterface
public interface LineStateListener {
    void onLineChanged(int offset, Direction direction, int level);
}
