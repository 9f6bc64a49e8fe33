package dev.vgpio.driver;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link LineRequest} configures its lines, like libgpiod's line settings: a direction, the initial value of
 * an output, for an input the interrupt trigger (edges or levels; NONE for no events), and the line settings of
 * vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension: bias, drive and debounce period.
 *
 * <p>The defaults ({@link Bias#AS_IS}, {@link Drive#PUSH_PULL}, no debounce) are libgpiod's and need nothing from
 * the device; any other setting needs a device that negotiated the extension and a line whose caps have it (see
 * {@link GpioChip#lineCaps}). The combinations allowed are those a libgpiod request is allowed on Linux, where
 * libgpiod passes its settings on and the kernel's uAPI checks them: a drive other than push-pull only for an
 * output (the kernel refuses it otherwise), a bias for an input or an output, and a trigger only for an input. A
 * debounce period is for inputs only: Linux accepts one on an output and ignores it; vgpio refuses it rather than
 * send a setting that has no effect.
 *
 * @param direction   {@link Direction#IN} or {@link Direction#OUT}
 * @param outputValue the level an output starts at (0 or 1); 0 for an input
 * @param trigger     the interrupt an input reports ({@link IrqType#NONE}: none); NONE for an output
 * @param bias        the line's bias ({@link Bias#AS_IS}: leave it as it is, as libgpiod does)
 * @param drive       how an output drives the line ({@link Drive#PUSH_PULL}: both levels)
 * @param debounce    an input's debounce period, whole microseconds from 0 (off) to
 *                    {@link LineConfig#MAX_DEBOUNCE_US}
 */
public record LineSettings(Direction direction, int outputValue, IrqType trigger, Bias bias, Drive drive,
        Duration debounce) {
    public LineSettings {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(bias, "bias");
        Objects.requireNonNull(drive, "drive");
        Objects.requireNonNull(debounce, "debounce");
        if (direction == Direction.NONE) {
            throw new IllegalArgumentException("a requested line is an input or an output; release it to get NONE");
        }
        if (outputValue != 0 && outputValue != 1) {
            throw new IllegalArgumentException("an output value is 0 or 1, not " + outputValue);
        }
        if (direction == Direction.OUT && trigger != IrqType.NONE) {
            throw new IllegalArgumentException("an output line cannot have interrupts (" + trigger + ")");
        }
        if (direction == Direction.IN && drive != Drive.PUSH_PULL) {
            throw new IllegalArgumentException("drive " + drive.label() + " is for an output; an input does not"
                    + " drive its line (Linux refuses a drive flag without the output flag too)");
        }
        debounceMicros(debounce);
        if (direction == Direction.OUT && !debounce.isZero()) {
            throw new IllegalArgumentException("a debounce period is for an input; an output has nothing to"
                    + " debounce");
        }
    }

    /** Settings with the default bias, drive and debounce period (as-is, push-pull, off). */
    public LineSettings(Direction direction, int outputValue, IrqType trigger) {
        this(direction, outputValue, trigger, Bias.AS_IS, Drive.PUSH_PULL, Duration.ZERO);
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

    /** These settings with output value {@code value} (an output's). */
    public LineSettings withOutputValue(int value) {
        return new LineSettings(direction, value, trigger, bias, drive, debounce);
    }

    /** These settings with trigger {@code t} (an input's; {@link IrqType#NONE}: no events). */
    public LineSettings withTrigger(IrqType t) {
        return new LineSettings(direction, outputValue, t, bias, drive, debounce);
    }

    /** These settings with bias {@code b}. */
    public LineSettings withBias(Bias b) {
        return new LineSettings(direction, outputValue, trigger, b, drive, debounce);
    }

    /** These settings with drive {@code d} (an output's). */
    public LineSettings withDrive(Drive d) {
        return new LineSettings(direction, outputValue, trigger, bias, d, debounce);
    }

    /** These settings with debounce period {@code period} (an input's; {@link Duration#ZERO}: off). */
    public LineSettings withDebounce(Duration period) {
        return new LineSettings(direction, outputValue, trigger, bias, drive, period);
    }

    /** These settings with a debounce period of {@code micros} microseconds (0: off). */
    public LineSettings withDebounceMicros(long micros) {
        if (micros < 0 || micros > LineConfig.MAX_DEBOUNCE_US) {
            throw new IllegalArgumentException(outOfRange(micros + " microseconds"));
        }
        return withDebounce(Duration.ofNanos(micros * 1000));
    }

    /** The debounce period in microseconds, as SET_LINE_CONFIG carries it (0: off). */
    public int debounceMicros() {
        return debounceMicros(debounce);
    }

    /** Whether every line setting is the default, so that applying these settings sends no SET_LINE_CONFIG. */
    public boolean hasDefaultLineConfig() {
        return bias == Bias.AS_IS && drive == Drive.PUSH_PULL && debounce.isZero();
    }

    private static int debounceMicros(Duration d) {
        if (d.isNegative() || d.compareTo(Duration.ofNanos(LineConfig.MAX_DEBOUNCE_US * 1000L)) > 0) {
            throw new IllegalArgumentException(outOfRange(d.toString()));
        }
        if (d.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("a debounce period is a whole number of microseconds, not " + d);
        }
        return (int) (d.toNanos() / 1000);
    }

    private static String outOfRange(String period) {
        return "a debounce period is 0 (off) to " + LineConfig.MAX_DEBOUNCE_US + " microseconds (16.777215 s), not "
                + period;
    }
}
