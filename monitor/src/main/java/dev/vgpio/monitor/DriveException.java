package dev.vgpio.monitor;

/** The host may not drive that line, or there is no such line; {@link #reason()} says which. */
public final class DriveException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a drive was refused. */
    public enum Reason {
        /** The device has no such line. */
        NO_SUCH_LINE,
        /** A real host line: its level comes from the hardware, not from vgpio. */
        NOT_SIMULATED,
        /** The guest holds the line as an output: it drives the level. */
        GUEST_OUTPUT,
        /** A stimulus already drives the line; stop it first. */
        BUSY,
        /** The value is not one the host can apply (a level other than 0 or 1, a period out of range). */
        INVALID
    }

    private final Reason reason;

    public DriveException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
