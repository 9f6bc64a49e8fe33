package dev.vgpio.virtio;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Joins a driver to a {@link VirtioDevice} inside one process, without a socket: memory is an arena, a kick runs the
 * device at once on the kicking thread, and the device's notifications release per-queue semaphores. Device code
 * runs under one lock, so the device sees one thread at a time, as it requires. For tests, embedding and measuring
 * a device without a transport. A device with an {@link VirtioDevice#eventFd event fd} needs a transport that has
 * an event loop.
 */
public final class InProcessTransport implements VirtioTransport {
    private static final long BASE = 0x1000_0000L;

    private final VirtioDevice device;
    private final Object lock = new Object();
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final Semaphore[] signals;
    private final BumpAllocator allocator;
    private long negotiated;
    private boolean closed;

    /** A transport to {@code device} with {@code memorySize} bytes of shared memory. */
    public InProcessTransport(VirtioDevice device, long memorySize) {
        if (device.eventFd() >= 0) {
            throw new IllegalArgumentException("the in-process transport has no event loop to watch the device's"
                    + " event fd " + device.eventFd() + " (lines of a Linux chip): serve it over vhost-user");
        }
        this.device = device;
        MemorySegment segment = arena.allocate(memorySize, 4096);
        this.memory = GuestMemory.of(GuestRegion.of(BASE, segment));
        this.allocator = new BumpAllocator(BASE, memorySize, "in-process transport memory");
        this.signals = new Semaphore[device.queueCount()];
        for (int i = 0; i < signals.length; i++) {
            signals[i] = new Semaphore(0);
        }
        device.setWakeup(() -> {
            synchronized (lock) {
                if (!closed) {
                    device.onWakeup();
                }
            }
        });
    }

    @Override
    public long offeredFeatures() {
        return device.offeredFeatures();
    }

    @Override
    public long negotiate(long features) {
        negotiated = features & offeredFeatures();
        synchronized (lock) {
            device.negotiate(negotiated);
        }
        return negotiated;
    }

    @Override
    public byte[] readConfig(int offset, int length) throws VirtioException {
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, length));
        synchronized (lock) {
            try {
                device.readConfig(offset, out, length);
            } catch (IllegalArgumentException e) {
                throw new VirtioException(VirtioException.Reason.REFUSED, e.getMessage(), e);
            }
        }
        return out.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long allocate(long bytes, long align) {
        return allocator.allocate(bytes, align);
    }

    @Override
    public void startQueue(int index, QueueConfig config) throws VirtioException {
        synchronized (lock) {
            try {
                DeviceQueue q = DeviceQueue.create(memory, config, VirtioFeature.ringFeatures(negotiated));
                Semaphore s = signals[index];
                device.startQueue(index, q, s::release, s::release);
            } catch (BrokenQueueException e) {
                throw new VirtioException(VirtioException.Reason.LOCAL_FAILURE,
                        "queue " + index + " cannot start: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void notifyDevice(int index) {
        synchronized (lock) {
            if (!closed) {
                device.queueNotified(index);
            }
        }
    }

    @Override
    public boolean awaitNotification(int index, Duration timeout) throws InterruptedException {
        Semaphore s = signals[index];
        boolean got = s.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (got) {
            s.drainPermits();
        }
        return got;
    }

    @Override
    public String describe() {
        return "in-process device " + device.deviceId();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < signals.length; i++) {
                device.stopQueue(i);
            }
        }
        for (Semaphore s : signals) {
            s.release(); // wake anyone waiting so they notice the close
        }
    }
}
