package dev.vgpio.web;

/**
 * A request the API cannot serve as sent: the HTTP status (4xx), a message saying what to change, and a reason a
 * program can test (the {@code reason} of the JSON error: {@code NO_SUCH_DEVICE}, {@code NOT_JSON}, ...).
 */
public final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;

    public BadRequest(int status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
    }

    /** A 400 whose body could not be used ({@code BAD_REQUEST}). */
    public BadRequest(String message) {
        this(400, "BAD_REQUEST", message);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
