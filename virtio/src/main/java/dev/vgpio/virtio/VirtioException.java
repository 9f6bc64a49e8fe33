package dev.vgpio.virtio;

import java.io.IOException;
import java.util.Objects;

/**
 * A virtio device, or the transport that reaches it, failed or broke the rules: the message says what happened in
 * words a user can act on, and {@link #reason()} says which kind of failure it was, so that a program never has to
 * match the message text.
 */
public class VirtioException extends IOException {
    /** What kind of failure it was. */
    public enum Reason {
        /** Nothing answers at the address: no socket there, or nobody accepts connections on it. */
        UNREACHABLE,
        /** The other side closed the connection, or this side (the transport, the chip) was closed. */
        CLOSED,
        /** The other side did not answer within the time allowed. */
        TIMED_OUT,
        /** The other side broke the transport protocol or the device specification. */
        PROTOCOL_VIOLATION,
        /** The other side refused a request (a vhost-user REPLY_ACK failure, a device's error status). */
        REFUSED,
        /** The other side lacks something this side needs (virtio 1.x, vhost-user's configuration messages). */
        UNSUPPORTED,
        /** This side could not do its part: a system call failed, shared memory ran out, the thread was interrupted. */
        LOCAL_FAILURE
    }

    private final Reason reason;

    public VirtioException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public VirtioException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public final Reason reason() {
        return reason;
    }
}
