package dev.vgpio.control;

import dev.vgpio.lines.Edge;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import java.util.Objects;

/**
 * A line as the host sees it: the level on the wire, the direction the guest configured, who drives the level, the
 * edge detection the guest enabled, and the settings the guest gave it (docs/line-config.md).
 *
 * @param debounceMicros the debounce period, 0 when off
 */
public record LineStatus(int offset, String name, Direction direction, int level, Driver driver, Edge edge,
        Bias bias, Drive drive, int debounceMicros) {
    /** Who sets the level of a line. */
    public enum Driver {
        /** The guest: the line is its output. */
        GUEST,
        /** The host: {@code vgpio ctl} (or the configuration) holds the level the line senses. */
        HOST,
        /** Neither: the line is not an output and nothing holds it (it reads its pull, or where it was left). */
        NOBODY
    }

    public LineStatus {
        Objects.requireNonNull(bias, "bias");
        Objects.requireNonNull(drive, "drive");
    }

    /** A line with the default settings (bias as-is, push-pull, no debouncing). */
    public LineStatus(int offset, String name, Direction direction, int level, Driver driver, Edge edge) {
        this(offset, name, direction, level, driver, edge, Bias.AS_IS, Drive.PUSH_PULL, 0);
    }

    /** The one word {@code ctl} prints for a direction: {@code input}, {@code output} or {@code released}. */
    public static String word(Direction direction) {
        return switch (direction) {
            case NONE -> "released";
            case IN -> "input";
            case OUT -> "output";
        };
    }

    /**
     * One human-readable line, e.g. {@code line 2 "BUTTON_A": level=1 direction=input driver=host edge=both}; the
     * settings that are not the defaults follow ({@code bias=pull-up drive=open-drain debounce=10000us}).
     */
    public String describe() {
        return String.format("line %d%s: level=%d direction=%s driver=%s edge=%s%s%s%s", offset,
                name.isEmpty() ? "" : " \"" + name + "\"", level, word(direction), driver.name().toLowerCase(),
                edge.name().toLowerCase(), bias == Bias.AS_IS ? "" : " bias=" + bias.label(),
                drive == Drive.PUSH_PULL ? "" : " drive=" + drive.label(),
                debounceMicros == 0 ? "" : " debounce=" + debounceMicros + "us");
    }
}
