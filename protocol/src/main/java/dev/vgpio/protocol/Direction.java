package dev.vgpio.protocol;

/** A line's direction, as carried by GET_DIRECTION responses and SET_DIRECTION requests. */
public enum Direction {
    /** Not in use; setting it deactivates the line and the device discards the line's state. */
    NONE(0),
    OUT(1),
    IN(2);

    private static final Direction[] BY_CODE = {NONE, OUT, IN};

    private final int code;

    Direction(int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** The direction with this wire value, or {@code null} if none has it. Allocates nothing. */
    public static Direction fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}
