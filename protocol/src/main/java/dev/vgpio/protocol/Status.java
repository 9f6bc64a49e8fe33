package dev.vgpio.protocol;

/** The {@code status} field of a requestq response. */
public enum Status {
    OK(0),
    ERR(1);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** The status with this wire value, or {@code null} if none has it. Allocates nothing. */
    public static Status fromCode(long code) {
        return code == 0 ? OK : code == 1 ? ERR : null;
    }
}
