package dev.vgpio.virtio;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.virtqueue.QueueConfig;
import java.time.Duration;

/**
 * The driver side of the contract: how a driver reaches a virtio device — feature negotiation, the configuration
 * space, memory the driver owns and the device can see, and per-queue notifications in both directions.
 * Implementations: the vhost-user front end, and {@link InProcessTransport}. Failures are {@link VirtioException}s
 * with a reason.
 */
public interface VirtioTransport extends AutoCloseable {
    /** The virtio feature bits the device offers (device-specific and transport bits). */
    long offeredFeatures();

    /** Acknowledges {@code features}, a subset of {@link #offeredFeatures()}; returns what was accepted. */
    long negotiate(long features) throws VirtioException;

    /** Reads {@code length} bytes of the device configuration space at {@code offset}. */
    byte[] readConfig(int offset, int length) throws VirtioException;

    /** Memory shared with the device: rings and buffers live here. */
    GuestMemory memory();

    /**
     * Reserves {@code size} bytes of {@link #memory()} aligned to {@code align} (never freed until close).
     *
     * @throws IllegalStateException if the shared memory is exhausted
     */
    long allocate(long size, long align);

    /** Hands queue {@code index} to the device (after {@link #negotiate}). */
    void startQueue(int index, QueueConfig config) throws VirtioException;

    /** Tells the device that queue {@code index} has new available buffers (a kick). */
    void notifyDevice(int index) throws VirtioException;

    /**
     * Waits until the device signals queue {@code index} or {@code timeout} passes.
     *
     * @return true if signalled, false on timeout
     */
    boolean awaitNotification(int index, Duration timeout) throws VirtioException, InterruptedException;

    /** A short name for messages, e.g. the socket path. */
    String describe();

    /** Stops the queues and releases everything; never throws. */
    @Override
    void close();
}
