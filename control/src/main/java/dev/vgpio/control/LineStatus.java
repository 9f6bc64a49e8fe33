package dev.vgpio.control;

import dev.vgpio.lines.Edge;
import dev.vgpio.protocol.Direction;

/**
 * A line as the host sees it: the level on the wire, the direction the guest configured, the level the host drives
 * into it (what an input senses), and the edge detection the guest enabled.
 */
public record LineStatus(int offset, String name, Direction direction, int level, int driven, Edge edge) {
    /** One human-readable line, e.g. {@code line 2 "BUTTON_A": level=1 direction=input driven=1 edge=both}. */
    public String describe() {
        String dir = switch (direction) {
            case NONE -> "released";
            case IN -> "input";
            case OUT -> "output";
        };
        return String.format("line %d%s: level=%d direction=%s driven=%d edge=%s", offset,
                name.isEmpty() ? "" : " \"" + name + "\"", level, dir, driven, edge.name().toLowerCase());
    }
}
