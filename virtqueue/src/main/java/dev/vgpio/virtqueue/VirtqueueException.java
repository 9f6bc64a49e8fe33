package dev.vgpio.virtqueue;

/** Something a virtqueue's peer put in guest memory is wrong. */
public sealed class VirtqueueException extends Exception permits MalformedChainException, BrokenQueueException {
    VirtqueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
