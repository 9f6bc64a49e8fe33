package dev.vgpio.virtqueue;

/**
 * The queue as a whole cannot be used: its rings are not in guest memory, or the driver moved the available
 * index further than the queue size. The device should stop using the queue until it is set up again.
 */
public final class BrokenQueueException extends VirtqueueException {
    public BrokenQueueException(String message) {
        super(message, null);
    }

    public BrokenQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
