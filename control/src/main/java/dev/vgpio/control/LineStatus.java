package dev.vgpio.control;

import dev.vgpio.lines.Edge;
import dev.vgpio.protocol.Direction;

/**
 * A line as the host sees it: the level on the wire, the direction the guest configured, who drives the level, and
 * the edge detection the guest enabled.
 */
public record LineStatus(int offset, String name, Direction direction, int level, Driver driver, Edge edge) {
    /** Who sets the level of a line. */
    public enum Driver {
        /** The guest: the line is its output. */
        GUEST,
        /** The host: {@code vgpio ctl} (or the configuration) drives the level the line senses. */
        HOST,
        /** Neither: the line is not an output and the host never drove it (it reads 0). */
        NOBODY
    }

    /** The one word {@code ctl} prints for a direction: {@code input}, {@code output} or {@code released}. */
    public static String word(Direction direction) {
        return switch (direction) {
            case NONE -> "released";
            case IN -> "input";
            case OUT -> "output";
        };
    }

    /** One human-readable line, e.g. {@code line 2 "BUTTON_A": level=1 direction=input driver=host edge=both}. */
    public String describe() {
        return String.format("line %d%s: level=%d direction=%s driver=%s edge=%s", offset,
                name.isEmpty() ? "" : " \"" + name + "\"", level, word(direction), driver.name().toLowerCase(),
                edge.name().toLowerCase());
    }
}
