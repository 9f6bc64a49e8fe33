package dev.vgpio.device;

/**
 * Where {@link GpioController} returns interrupt buffers: the token a transport passed to
 * {@link GpioController#unmask} comes back with {@code VALID} when the interrupt fires, or {@code INVALID} when it
 * was disabled or refused.
 */
@FunctionalInterface
public interface IrqSink {
    /**
     * @param token the transport's token for the buffer pair (for a virtqueue, its head index)
     * @param gpio the line the buffer pair was queued for
     * @param status an {@link dev.vgpio.protocol.IrqStatus} code
     */
    void complete(int token, int gpio, int status);
}
