package dev.vgpio.vhostuser;

/** The front end broke the vhost-user protocol; the connection is closed, the device and its lines are kept. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
