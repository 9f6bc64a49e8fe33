package dev.vgpio.web;

/** A request the API cannot serve as sent: the HTTP status (4xx) and a message saying what to change. */
public final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    public BadRequest(int status, String message) {
        super(message);
        this.status = status;
    }

    public BadRequest(String message) {
        this(400, message);
    }

    public int status() {
        return status;
    }
}
