package dev.vgpio.protocol;

/**
 * How an output drives its line, the argument of SET_LINE_CONFIG's {@link LineConfig.Param#DRIVE} (vgpio's
 * extension, docs/line-config.md). The names are libgpiod's.
 */
public enum Drive {
    /** Drives both levels (what SET_DIRECTION(NONE) goes back to). */
    PUSH_PULL(0, "push-pull", 0),
    /** Drives 0; for 1 it lets go, and the line takes the level of its bias or of whatever else drives it. */
    OPEN_DRAIN(1, "open-drain", LineCaps.OPEN_DRAIN),
    /** Drives 1; for 0 it lets go. */
    OPEN_SOURCE(2, "open-source", LineCaps.OPEN_SOURCE);

    private static final Drive[] BY_CODE = values();

    private final int code;
    private final String label;
    private final int cap;

    Drive(int code, String label, int cap) {
        this.code = code;
        this.label = label;
        this.cap = cap;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** libgpiod's word for it ({@code open-drain}). */
    public String label() {
        return label;
    }

    /** The {@link LineCaps} bit a line needs to take it; 0 for {@link #PUSH_PULL}, which every line takes. */
    public int cap() {
        return cap;
    }

    /** The drive with this wire value, or {@code null}. Allocates nothing. */
    public static Drive fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /** The drive libgpiod calls {@code label} ({@code push-pull}, {@code open-drain}, {@code open-source}). */
    public static Drive fromLabel(String label) {
        for (Drive d : BY_CODE) {
            if (d.label.equals(label)) {
                return d;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not a drive: give push-pull, open-drain or open-source");
    }
}
