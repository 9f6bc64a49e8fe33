package dev.vgpio.protocol;

/**
 * The {@code status} field of an eventq response: {@link #VALID} reports an interrupt, {@link #INVALID} returns the
 * buffers unused (interrupt disabled, or the line was never enabled). Either way the line is masked again.
 */
public enum IrqStatus {
    INVALID(0),
    VALID(1);

    private final int code;

    IrqStatus(int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** The status with this wire value, or {@code null} if none has it. Allocates nothing. */
    public static IrqStatus fromCode(long code) {
        return code == 0 ? INVALID : code == 1 ? VALID : null;
    }
}
