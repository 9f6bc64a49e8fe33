package dev.vgpio.vhostuser;

import dev.vgpio.virtio.VirtioException;

/**
 * The peer broke the vhost-user protocol (reason {@link VirtioException.Reason#PROTOCOL_VIOLATION}). On the back end
 * the connection is closed, and the device keeps its state.
 */
public final class ProtocolException extends VirtioException {
    public ProtocolException(String message) {
        super(Reason.PROTOCOL_VIOLATION, message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(Reason.PROTOCOL_VIOLATION, message, cause);
    }
}
