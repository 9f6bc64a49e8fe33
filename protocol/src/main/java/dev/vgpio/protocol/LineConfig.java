package dev.vgpio.protocol;

/**
 * The value of a SET_LINE_CONFIG request (vgpio's extension, docs/line-config.md): a parameter in bits 0-7 and
 * its argument in bits 8-31, the packing of Linux's pin configuration ({@code pinconf_to_config_packed}). Methods
 * take the raw 32-bit wire value apart without allocating.
 */
public final class LineConfig {
    /** The longest debounce period, in microseconds: the 24 bits the argument has. */
    public static final int MAX_DEBOUNCE_US = 0xff_ffff;

    /** The parameter a SET_LINE_CONFIG request sets. */
    public enum Param {
        /** Argument: a {@link Bias} code. */
        BIAS(1),
        /** Argument: a {@link Drive} code. */
        DRIVE(2),
        /** Argument: the input debounce period in microseconds; 0 turns debouncing off. */
        DEBOUNCE(3);

        private final int code;

        Param(int code) {
            this.code = code;
        }

        /** The wire value. */
        public int code() {
            return code;
        }

        /** The parameter with this wire value, or {@code null}. Allocates nothing. */
        public static Param fromCode(int code) {
            return switch (code) {
                case 1 -> BIAS;
                case 2 -> DRIVE;
                case 3 -> DEBOUNCE;
                default -> null;
            };
        }
    }

    private LineConfig() {
    }

    /** The parameter code of a request value (bits 0-7). */
    public static int param(long value) {
        return (int) value & 0xff;
    }

    /** The argument of a request value (bits 8-31). */
    public static int argument(long value) {
        return (int) (value >>> 8) & MAX_DEBOUNCE_US;
    }

    /**
     * The request value that sets {@code param} to {@code argument}.
     *
     * @throws IllegalArgumentException if the argument does not fit in 24 bits
     */
    public static long pack(Param param, int argument) {
        if (argument < 0 || argument > MAX_DEBOUNCE_US) {
            throw new IllegalArgumentException("a line setting's argument is 0.." + MAX_DEBOUNCE_US + ", not "
                    + argument);
        }
        return param.code() | (long) argument << 8;
    }

    public static long bias(Bias bias) {
        return pack(Param.BIAS, bias.code());
    }

    public static long drive(Drive drive) {
        return pack(Param.DRIVE, drive.code());
    }

    /** The request value that sets the debounce period ({@code 0}: off). */
    public static long debounce(int periodMicros) {
        return pack(Param.DEBOUNCE, periodMicros);
    }
}
