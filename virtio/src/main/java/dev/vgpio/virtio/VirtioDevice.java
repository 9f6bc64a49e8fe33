package dev.vgpio.virtio;

import dev.vgpio.virtqueue.DeviceQueue;
import java.lang.foreign.MemorySegment;

/**
 * The device side of the contract: what a transport (vhost-user, in-process, a remote processor's channel) needs
 * from a virtio device — its identity, features and configuration space, and queues to serve. All calls come from
 * the transport's one thread, except the wakeup, which the device may run from any thread to ask for
 * {@link #onWakeup()}.
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

    /**
     * Every feature bit a transport offers for this device: its own and the ring features vgpio's device queue serves
     * ({@link VirtioFeature#SPLIT_RING}).
     */
    default long offeredFeatures() {
        return (deviceFeatures() & VirtioFeature.DEVICE_BITS) | VirtioFeature.SPLIT_RING;
    }

    /** Names of the feature bits, the device's own among them, for logs. */
    default FeatureNames featureNames() {
        return FeatureNames.VIRTIO;
    }

    /** The feature bits the driver accepted, ring and transport bits included. */
    void negotiate(long features);

    /** Whether queue {@code index} exists with the negotiated features (virtio-gpio's eventq needs F_IRQ). */
    boolean queueAvailable(int index);

    /** Size in bytes of the configuration space. */
    int configSize();

    /**
     * Copies {@code length} bytes of the configuration space from {@code offset} into {@code dst}, for any offset and
     * length inside it.
     *
     * @throws IllegalArgumentException if the range is not inside the configuration space
     */
    void readConfig(int offset, MemorySegment dst, int length);

    /**
     * Starts serving queue {@code index}, whose rings and buffers are in {@code queue.memory()}; {@code used} signals
     * used buffers, {@code error} a broken queue.
     */
    void startQueue(int index, DeviceQueue queue, Notifier used, Notifier error);

    /** Stops serving queue {@code index}; the device keeps its own state. */
    void stopQueue(int index);

    /** The driver made buffers available on queue {@code index}. */
    void queueNotified(int index);

    /** Where the device asks for {@link #onWakeup()} from another thread (for events of its own, such as inputs). */
    void setWakeup(Runnable wakeup);

    /** Runs on the transport's thread after a wakeup. */
    void onWakeup();

    /**
     * A file descriptor of the device's own events (such as the kernel's GPIO line events) that the transport's
     * event loop watches, level-triggered, for as long as it serves the device, connected or not; -1 for none. When
     * it is readable the transport calls {@link #onDeviceEvents()} on its thread.
     */
    default int eventFd() {
        return -1;
    }

    /** Runs on the transport's thread when {@link #eventFd()} is readable; must consume what made it readable. */
    default void onDeviceEvents() {
    }

    /**
     * Who else holds the device, for a device several transports serve ({@link SharedDevice}): null when this
     * transport's driver may use it, else the other transport's name, so that a transport can refuse its driver
     * with a clear message before it starts.
     */
    default String heldBy() {
        return null;
    }

    /**
     * A driver is about to use the device through this transport (a front end attached, a channel's HELLO): whether
     * it may. False when another transport's driver holds the device ({@link SharedDevice}); a transport then refuses
     * its driver. A claim lasts until {@link #driverGone()}.
     */
    default boolean claim() {
        return true;
    }

    /**
     * The driver's side of the transport is gone for good (a vhost-user front end disconnected), after its queues
     * were stopped: nothing the device held for that driver's rings may be used again. A queue stop alone (a paused
     * VM) does not mean that.
     */
    default void driverGone() {
    }
}
