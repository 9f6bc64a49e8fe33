package dev.vgpio.channel;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.RingFeatures;
import java.lang.foreign.MemorySegment;

/**
 * One of the device's queues as {@link ChannelServer} drives it: a split ring in local memory on which the server
 * is the driver, and one buffer slot per tag (the request's bytes, then room for the response). A REQUEST becomes
 * a chain here; a used chain becomes a RESPONSE. Used under the server's lock only.
 */
final class LocalQueue {
    private final int index;
    private final GuestMemory memory;
    private final ChannelServer.QueueLimits limits;
    private final QueueConfig ring;
    private final long slots;
    private final int slotSize;
    private final int readableRoom;
    /** The tag of each chain head in flight. */
    private final int[] tagOf;
    private final boolean[] inFlight;
    /** The response room the driver gave each tag in flight. */
    private final int[] sizeOf;
    private final DriverQueue.UsedHandler onUsed = this::used;
    private DriverQueue driverSide;
    private Connection sink;
    private boolean submitted;

    LocalQueue(int index, GuestMemory memory, long base, ChannelServer.QueueLimits limits) {
        this.index = index;
        this.memory = memory;
        this.limits = limits;
        int size = ringSize(limits.tags());
        this.ring = QueueConfig.contiguous(base, size);
        this.readableRoom = align(Math.max(limits.maxReadable(), 1));
        this.slotSize = readableRoom + align(Math.max(limits.maxWritable(), 1));
        this.slots = base + align4k(QueueConfig.contiguousBytes(size));
        this.tagOf = new int[size];
        this.inFlight = new boolean[limits.tags()];
        this.sizeOf = new int[limits.tags()];
    }

    /** The local memory one queue takes with {@code limits}. */
    static long bytes(ChannelServer.QueueLimits limits) {
        int size = ringSize(limits.tags());
        long slot = align(Math.max(limits.maxReadable(), 1)) + align(Math.max(limits.maxWritable(), 1));
        return align4k(QueueConfig.contiguousBytes(size)) + align4k(slot * limits.tags());
    }

    /** Two descriptors a chain, and split rings come in powers of two. */
    private static int ringSize(int tags) {
        return Math.max(2, Integer.highestOneBit(Math.max(1, 2 * tags - 1)) << 1);
    }

    private static int align(int n) {
        return (n + 7) & ~7;
    }

    private static long align4k(long n) {
        return (n + 4095) & ~4095L;
    }

    int index() {
        return index;
    }

    ChannelServer.QueueLimits limits() {
        return limits;
    }

    boolean started() {
        return driverSide != null;
    }

    /** Starts the queue for a new session: empty rings at index 0, as a driver that has just reset the device. */
    void start(VirtioDevice device, Connection connection, VirtioDevice.Notifier used) {
        try {
            driverSide = DriverQueue.create(memory, ring, false);
            DeviceQueue deviceSide = DeviceQueue.create(memory, ring, RingFeatures.NONE);
            java.util.Arrays.fill(inFlight, false);
            sink = connection;
            // the server collects used chains after each of its calls into the device; the notification is for
            // chains used on another transport's thread
            device.startQueue(index, deviceSide, used, () -> connection.deviceBroke(index));
        } catch (BrokenQueueException e) {
            throw new IllegalStateException("queue " + index + " in local memory cannot start: " + e.getMessage(), e);
        }
    }

    void stop() {
        driverSide = null;
        sink = null;
    }

    /** Whether {@code tag} is free to carry a new request. */
    boolean tagFree(int tag) {
        return tag < inFlight.length && !inFlight[tag];
    }

    /**
     * Puts a request on the ring (not yet published): its device-readable bytes from {@code frame}, and room for
     * {@code writable} bytes of response. The caller has checked the tag and the sizes against the limits.
     */
    void submit(int tag, MemorySegment frame, long bodyOffset, int readable, int writable)
            throws GuestMemoryException {
        long in = slots + (long) slotSize * tag;
        long out = in + readableRoom;
        memory.write(in, frame, bodyOffset, readable);
        int head;
        if (readable > 0 && writable > 0) {
            head = driverSide.submitPair(in, readable, out, writable);
        } else {
            DriverQueue d = driverSide.begin();
            if (readable > 0) {
                d.readable(in, readable);
            }
            if (writable > 0) {
                d.writable(out, writable);
            }
            if (readable == 0 && writable == 0) {
                d.readable(in, 0); // a chain needs a descriptor: an empty one
            }
            head = d.submit();
        }
        tagOf[head] = tag;
        inFlight[tag] = true;
        sizeOf[tag] = writable;
        submitted = true;
    }

    /** Publishes the chains submitted since the last call; whether there were any (the device is then told). */
    boolean publish() throws GuestMemoryException {
        if (!submitted) {
            return false;
        }
        submitted = false;
        driverSide.publish();
        return true;
    }

    /** Hands each chain the device used to {@code c} as a RESPONSE. */
    void drainUsed(Connection c) {
        try {
            driverSide.drainUsed(onUsed);
        } catch (GuestMemoryException | BrokenQueueException e) {
            c.deviceBroke(index);
        }
    }

    private void used(int head, int length) {
        int tag = tagOf[head];
        inFlight[tag] = false;
        long out = slots + (long) slotSize * tag + readableRoom;
        sink.respond(index, tag, memory, out, Math.min(length, sizeOf[tag])); // never more than the room given
    }
}
