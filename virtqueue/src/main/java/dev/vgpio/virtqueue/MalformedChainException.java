package dev.vgpio.virtqueue;

/**
 * A descriptor chain the driver made available breaks the split ring's rules (a loop, a chain longer than the
 * queue, a nested indirect table, a zero-length or unmapped buffer, a readable buffer after a writable one...).
 * The chain has been taken off the available ring; the queue itself stays usable. If {@link #returnable()} the
 * device should still put {@link #head()} on the used ring (with length 0) so the driver gets its descriptors back.
 */
public final class MalformedChainException extends VirtqueueException {
    private final int head;
    private final boolean returnable;

    MalformedChainException(int head, boolean returnable, String message, Throwable cause) {
        super(message, cause);
        this.head = head;
        this.returnable = returnable;
    }

    /** The head descriptor index the available ring named. */
    public int head() {
        return head;
    }

    /** Whether {@link #head()} is a valid descriptor index that can be returned on the used ring. */
    public boolean returnable() {
        return returnable;
    }
}
