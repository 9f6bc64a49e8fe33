package dev.vgpio.driver;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import java.util.Objects;

/**
 * How a {@link LineRequest} configures its lines, like libgpiod's line settings: a direction, the initial value of
 * an output, and for an input the interrupt trigger (edges or levels; NONE for no events).
 */
public record LineSettings(Direction direction, int outputValue, IrqType trigger) {
    public LineSettings {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(trigger, "trigger");
        if (direction == Direction.NONE) {
            throw new IllegalArgumentException("a requested line is an input or an output; release it to get NONE");
        }
        if (outputValue != 0 && outputValue != 1) {
            throw new IllegalArgumentException("an output value is 0 or 1, not " + outputValue);
        }
        if (direction == Direction.OUT && trigger != IrqType.NONE) {
            throw new IllegalArgumentException("an output line cannot have interrupts (" + trigger + ")");
        }
    }

    public static LineSettings input() {
        return new LineSettings(Direction.IN, 0, IrqType.NONE);
    }

    /** An input that reports events of {@code trigger}. */
    public static LineSettings input(IrqType trigger) {
        return new LineSettings(Direction.IN, 0, trigger);
    }

    public static LineSettings output(int value) {
        return new LineSettings(Direction.OUT, value, IrqType.NONE);
    }
}
