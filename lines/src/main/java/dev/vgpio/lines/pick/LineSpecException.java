package dev.vgpio.lines.pick;

/**
 * A device's lines cannot be written or picked as given: the message says what is wrong in words a user can act
 * on (the token, the chip, the lines concerned), and {@link #reason()} says which rule was broken, for tests and
 * callers that react to one kind of problem.
 */
public final class LineSpecException extends IllegalArgumentException {
    /** Which rule a spec or a pick broke. */
    public enum Reason {
        /** The spec has no token at all, or picks no line (a whole chip of no lines). */
        EMPTY,
        /** A token is not in the grammar (a malformed offsets list, offsets after no chip, a bad sim chip). */
        SYNTAX,
        /** A range of offsets written backwards ({@code 7-5}). */
        BACKWARDS_RANGE,
        /** An offset above 65534, the last one a device of 65535 lines can have. */
        OFFSET_TOO_LARGE,
        /** More than 65535 lines in one device. */
        TOO_MANY_LINES,
        /** No host chip is called so (by name, path or label). */
        UNKNOWN_CHIP,
        /** A label that several host chips have. */
        AMBIGUOUS_CHIP,
        /** A host chip that the spec needs could not be opened or read. */
        UNREADABLE_CHIP,
        /** An offset beyond the last line of its chip. */
        OFFSET_OUT_OF_RANGE,
        /** A host line name that no line of a readable chip has. */
        UNKNOWN_LINE,
        /** A host line name that several lines have. */
        AMBIGUOUS_LINE,
        /** The same host line picked twice for one device. */
        LINE_TWICE,
        /** More renames than the device has lines. */
        TOO_MANY_NAMES,
        /** Two lines of one device that the guest would see under the same name. */
        DUPLICATE_NAME,
        /** A name that is not a valid virtio-gpio line name (not 7-bit ASCII, or holding a NUL). */
        INVALID_NAME,
        /** Two devices that pick the same host line. */
        SHARED_LINE
    }

    private final Reason reason;

    /**
     * A refusal.
     *
     * @param reason the rule broken
     * @param message what is wrong, for the user
     */
    public LineSpecException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * A refusal because of another problem.
     *
     * @param reason the rule broken
     * @param message what is wrong, for the user
     * @param cause the problem underneath (an I/O error, invalid names)
     */
    public LineSpecException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Which rule was broken. */
    public Reason reason() {
        return reason;
    }
}
