package dev.vgpio.device;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.virtqueue.DeviceQueue;
import java.lang.foreign.MemorySegment;

/**
 * What a transport (vhost-user, in-process, a remote processor's mailbox) needs from a virtio device: its identity,
 * features and configuration space, and queues to serve. All calls come from the transport's one thread, except
 * the wakeup, which the device may run from any thread to ask for {@link #onWakeup()}.
 */
public interface VirtioDevice {
    /** Signals the driver: used buffers on a queue, or a queue error. */
    @FunctionalInterface
    interface Notifier {
        void notifyDriver();
    }

    /** The virtio device ID (41 for GPIO). */
    int deviceId();

    /** How many virtqueues the device has at most. */
    int queueCount();

    /** Device-specific feature bits (0..23) the device offers; ring and transport bits are the transport's. */
    long deviceFeatures();

    /** The feature bits the driver accepted, ring and transport bits included. */
    void negotiate(long features);

    /** Whether queue {@code index} exists with the negotiated features (virtio-gpio's eventq needs F_IRQ). */
    boolean queueAvailable(int index);

    /** Size in bytes of the configuration space. */
    int configSize();

    /** Copies {@code length} bytes of the configuration space from {@code offset} into {@code dst}. */
    void readConfig(int offset, MemorySegment dst, int length);

    /** Starts serving queue {@code index}; {@code used} signals used buffers, {@code error} a broken queue. */
    void startQueue(int index, GuestMemory memory, DeviceQueue queue, Notifier used, Notifier error);

    /** Stops serving queue {@code index}; the device keeps its own state. */
    void stopQueue(int index);

    /** The driver made buffers available on queue {@code index}. */
    void queueNotified(int index);

    /** Where the device asks for {@link #onWakeup()} from another thread (events from its backend). */
    void setWakeup(Runnable wakeup);

    /** Runs on the transport's thread after a wakeup. */
    void onWakeup();
}
