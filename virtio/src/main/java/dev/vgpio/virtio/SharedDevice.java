package dev.vgpio.virtio;

import dev.vgpio.virtqueue.DeviceQueue;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One device served by several transports (a vhost-user socket and a channel, say), one driver at a time: each
 * transport gets its own {@link #port}, and the first port whose driver claims it (a front end that attaches, a
 * channel driver's HELLO; {@link VirtioDevice#claim}) or negotiates features holds the device until its driver is
 * gone. Another port's driver is refused meanwhile ({@link VirtioDevice#heldBy} tells a
 * transport before it starts, and a port's {@code negotiate} throws {@link IllegalStateException} if it tries
 * anyway).
 *
 * <p>Every call into the device is made under one lock, so the device still sees one thread at a time. The
 * device's wakeups go to the holding port, or to the first port while none holds it, so edges keep being taken.
 */
public final class SharedDevice {
    private final VirtioDevice device;
    private final Object lock = new Object();
    private final List<Port> ports = new ArrayList<>();
    private Port holder;

    public SharedDevice(VirtioDevice device) {
        this.device = device;
        device.setWakeup(this::wake);
    }

    /** A view of the device for one transport; {@code name} says in messages who holds it ("vhost-user socket"). */
    public VirtioDevice port(String name) {
        synchronized (lock) {
            Port p = new Port(name);
            ports.add(p);
            return p;
        }
    }

    private void wake() {
        Runnable w;
        synchronized (lock) {
            Port p = holder != null ? holder : ports.isEmpty() ? null : ports.getFirst();
            w = p == null ? null : p.wakeup;
        }
        if (w != null) {
            w.run();
        }
    }

    private final class Port implements VirtioDevice {
        private final String name;
        private volatile Runnable wakeup;

        Port(String name) {
            this.name = name;
        }

        @Override
        public String heldBy() {
            synchronized (lock) {
                return holder == null || holder == this ? null : holder.name;
            }
        }

        @Override
        public boolean claim() {
            synchronized (lock) {
                if (holder != null && holder != this) {
                    return false;
                }
                holder = this;
                return true;
            }
        }

        @Override
        public int deviceId() {
            return device.deviceId();
        }

        @Override
        public int queueCount() {
            return device.queueCount();
        }

        @Override
        public long deviceFeatures() {
            return device.deviceFeatures();
        }

        @Override
        public long offeredFeatures() {
            return device.offeredFeatures();
        }

        @Override
        public FeatureNames featureNames() {
            return device.featureNames();
        }

        @Override
        public void negotiate(long features) {
            synchronized (lock) {
                if (holder != null && holder != this) {
                    throw new IllegalStateException("the device is in use by the driver on the " + holder.name
                            + "; one driver at a time");
                }
                holder = this;
                device.negotiate(features);
            }
        }

        @Override
        public boolean queueAvailable(int index) {
            synchronized (lock) {
                return device.queueAvailable(index);
            }
        }

        @Override
        public int configSize() {
            return device.configSize();
        }

        @Override
        public void readConfig(int offset, MemorySegment dst, int length) {
            synchronized (lock) {
                device.readConfig(offset, dst, length);
            }
        }

        @Override
        public void startQueue(int index, DeviceQueue queue, Notifier used, Notifier error) {
            synchronized (lock) {
                if (holder != this) {
                    throw new IllegalStateException("the device is in use by the driver on the "
                            + (holder == null ? "(nobody: negotiate first)" : holder.name));
                }
                device.startQueue(index, queue, used, error);
            }
        }

        @Override
        public void stopQueue(int index) {
            synchronized (lock) {
                if (holder == this) {
                    device.stopQueue(index);
                }
            }
        }

        @Override
        public void queueNotified(int index) {
            synchronized (lock) {
                if (holder == this) {
                    device.queueNotified(index);
                }
            }
        }

        @Override
        public void setWakeup(Runnable w) {
            this.wakeup = w;
        }

        @Override
        public void onWakeup() {
            synchronized (lock) {
                device.onWakeup(); // the device's own events: taken by whoever is woken
            }
        }

        /** The first port's transport watches the device's events; what they bring reaches the holder's queues. */
        @Override
        public int eventFd() {
            synchronized (lock) {
                return ports.getFirst() == this ? device.eventFd() : -1;
            }
        }

        @Override
        public void onDeviceEvents() {
            synchronized (lock) {
                device.onDeviceEvents();
            }
        }

        @Override
        public void driverGone() {
            synchronized (lock) {
                if (holder == this) {
                    device.driverGone();
                    holder = null;
                }
            }
        }
    }
}
