package dev.vgpio.channel;

import java.io.IOException;

/**
 * The peer broke the channel protocol, or this side must end the session: the error a peer is told in an ERROR
 * frame ({@link #error()}), and a message a user can act on.
 */
public final class ChannelException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient ChannelError error;

    public ChannelException(ChannelError error, String message) {
        super(message);
        this.error = error;
    }

    /** What the ERROR frame says. */
    public ChannelError error() {
        return error;
    }
}
