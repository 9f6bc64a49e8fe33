package dev.vgpio.protocol;

/**
 * A line's bias, the argument of SET_LINE_CONFIG's {@link LineConfig.Param#BIAS} (vgpio's extension,
 * docs/line-config.md). The names are libgpiod's.
 */
public enum Bias {
    /** Whatever the line had before any driver configured it (what SET_DIRECTION(NONE) goes back to). */
    AS_IS(0, "as-is", 0),
    /** No pull: an undriven input floats. */
    DISABLED(1, "disabled", LineCaps.BIAS_DISABLED),
    PULL_UP(2, "pull-up", LineCaps.PULL_UP),
    PULL_DOWN(3, "pull-down", LineCaps.PULL_DOWN);

    private static final Bias[] BY_CODE = values();

    private final int code;
    private final String label;
    private final int cap;

    Bias(int code, String label, int cap) {
        this.code = code;
        this.label = label;
        this.cap = cap;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** libgpiod's word for it ({@code pull-up}). */
    public String label() {
        return label;
    }

    /** The {@link LineCaps} bit a line needs to take it; 0 for {@link #AS_IS}, which every line takes. */
    public int cap() {
        return cap;
    }

    /** The bias with this wire value, or {@code null}. Allocates nothing. */
    public static Bias fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /** The bias libgpiod calls {@code label} ({@code as-is}, {@code disabled}, {@code pull-up}, {@code pull-down}). */
    public static Bias fromLabel(String label) {
        for (Bias b : BY_CODE) {
            if (b.label.equals(label)) {
                return b;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not a bias: give as-is, disabled, pull-up or pull-down");
    }
}
