package dev.vgpio.channel;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.virtio.VirtioDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link VirtioDevice} over a channel (docs/channel.md): one driver's session at a time, each on a link a
 * {@link Listener} hands over. The server plays the driver's part towards the device on queues in local memory, so
 * the device cannot tell a channel's driver from a virtqueue's: each REQUEST becomes a chain on the local queue and
 * each used chain a RESPONSE.
 *
 * <p>Threads: one per link reads its frames and serves them (at most {@value #MAX_CONNECTIONS} links at once); one
 * more waits for the device's own events (its wakeups, its event fd), and a virtual one watches the timeouts. All calls into the device are made under one lock, so the
 * device sees one thread at a time, as {@link VirtioDevice} requires. Serving a request allocates nothing.
 */
public final class ChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelServer.class);
    private static final long BASE = 0x1000_0000L;
    private static final long WAKEUP = 1;
    private static final long DEVICE_EVENTS = 2;
    /** Connections open at once: one driver's session and a few that have not said HELLO yet. */
    static final int MAX_CONNECTIONS = 8;

    /**
     * How much one queue takes: how many requests in flight ({@code tags}, the DEVICE frame's queue size), the
     * longest device-readable part and the longest device-writable part of a buffer.
     */
    public record QueueLimits(int tags, int maxReadable, int maxWritable) {
        public QueueLimits {
            if (tags < 1 || tags > 16_384) {
                throw new IllegalArgumentException("a queue takes 1 to 16384 requests in flight, not " + tags);
            }
            if (maxReadable < 0 || maxReadable > Frame.MAX_BODY) {
                throw new IllegalArgumentException("a request carries 0 to " + Frame.MAX_BODY + " bytes, not "
                        + maxReadable);
            }
            if (maxWritable < 0 || maxWritable > 0xffff) {
                throw new IllegalArgumentException("a response is 0 to 65535 bytes, not " + maxWritable);
            }
        }
    }

    /**
     * How the server serves.
     *
     * @param name the device's name in logs
     * @param queues the limits of each of the device's queues, in order
     * @param token what a HELLO must carry, or null for none (a loopback or private address)
     * @param idleTimeout a session that sends nothing for this long ends
     * @param frameTimeout a frame started and not finished within this ends the connection, and so does a write the
     *     driver does not take for this long
     */
    public record Options(String name, List<QueueLimits> queues, byte[] token, Duration idleTimeout,
            Duration frameTimeout) {
        public Options {
            Objects.requireNonNull(name, "name");
            queues = List.copyOf(queues);
            if (token != null && (token.length == 0 || token.length > Frame.MAX_TOKEN)) {
                throw new IllegalArgumentException("a token is 1 to " + Frame.MAX_TOKEN + " bytes");
            }
            token = token == null ? null : token.clone();
        }

        /** The defaults of docs/channel.md: sessions idle for 30 s end, frames must finish within 2 s. */
        public static Options of(String name, List<QueueLimits> queues) {
            return new Options(name, queues, null, Duration.ofSeconds(30), Duration.ofSeconds(2));
        }

        /** The same with a token. */
        public Options withToken(byte[] t) {
            return new Options(name, queues, t, idleTimeout, frameTimeout);
        }
    }

    private final VirtioDevice device;
    private final Listener listener;
    private final Options options;
    private final Object lock = new Object();
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final LocalQueue[] queues;
    private final EventFd wakeup;
    private final Epoll epoll;
    private final Thread acceptor;
    private final Thread events;
    private final Thread watchdog;
    private final VirtioDevice.Notifier usedElsewhere;
    private final java.util.Set<Connection> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The connection whose driver has the device, or null. Guarded by {@link #lock}. */
    private Connection active;
    private volatile boolean closed;
    /** The thread of this server that calls into the device now (under {@link #lock}), or null. */
    private volatile Thread caller;
    private long sessions;

    /**
     * A server for {@code device} on {@code listener}; {@link #start} begins serving.
     *
     * @throws IllegalArgumentException if {@code options} does not give the limits of each of the device's queues
     */
    public ChannelServer(VirtioDevice device, Listener listener, Options options) throws LinuxException {
        if (options.queues().size() != device.queueCount()) {
            throw new IllegalArgumentException("the device has " + device.queueCount() + " queues but "
                    + options.queues().size() + " queue limits were given");
        }
        this.device = device;
        this.listener = listener;
        this.options = options;
        long size = 0;
        long[] bases = new long[device.queueCount()];
        for (int q = 0; q < bases.length; q++) {
            bases[q] = size;
            size += LocalQueue.bytes(options.queues().get(q));
        }
        MemorySegment segment = arena.allocate(Math.max(size, 4096), 4096);
        this.memory = GuestMemory.of(GuestRegion.of(BASE, segment));
        this.queues = new LocalQueue[bases.length];
        for (int q = 0; q < bases.length; q++) {
            queues[q] = new LocalQueue(q, memory, BASE + bases[q], options.queues().get(q));
        }
        this.wakeup = EventFd.create();
        this.epoll = Epoll.create();
        epoll.add(wakeup.fd(), Epoll.IN, WAKEUP);
        if (device.eventFd() >= 0) {
            epoll.add(device.eventFd(), Epoll.IN, DEVICE_EVENTS);
        }
        device.setWakeup(() -> {
            try {
                wakeup.signal();
            } catch (LinuxException e) {
                LOG.error("{}: cannot wake the channel server: {}", options.name(), e.getMessage());
            }
        });
        this.usedElsewhere = this::usedElsewhere;
        this.acceptor = Thread.ofPlatform().name("vgpio-channel-accept").daemon().unstarted(this::acceptLoop);
        this.events = Thread.ofPlatform().name("vgpio-channel-events").daemon().unstarted(this::eventLoop);
        this.watchdog = Thread.ofVirtual().name("vgpio-channel-watch").unstarted(this::watchLoop);
    }

    /** Starts serving; returns at once. */
    public ChannelServer start() {
        events.start();
        watchdog.start();
        acceptor.start();
        LOG.info("{}: serving the device over the channel at {}", options.name(), listener.describe());
        return this;
    }

    /** Where it listens. */
    public String address() {
        return listener.describe();
    }

    /** Sessions begun since the start. */
    public long sessions() {
        synchronized (lock) {
            return sessions;
        }
    }

    /** Whether a driver's session is live. */
    public boolean inUse() {
        synchronized (lock) {
            return active != null;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Link link;
            try {
                link = listener.accept();
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                // out of descriptors, a listener that failed for a moment: wait and go on, as the vhost-user
                // server does; the channel never stops accepting while the daemon runs
                LOG.warn("{}: accepting a driver failed: {}; trying again in a second", options.name(),
                        e.getMessage());
                pause();
                continue;
            }
            if (closed) {
                link.close();
                return;
            }
            if (connections.size() >= MAX_CONNECTIONS) {
                // one session and a few waiting to say HELLO: more is a peer opening connections to hold resources
                LOG.warn("{}: {} connections are open already; closing the one from {}", options.name(),
                        MAX_CONNECTIONS, link.describe());
                link.close();
                continue;
            }
            try {
                Connection c = new Connection(this, link);
                connections.add(c);
                c.thread = Thread.ofPlatform().name("vgpio-channel-" + link.describe()).daemon().start(() -> {
                    try {
                        c.run();
                    } finally {
                        connections.remove(c);
                    }
                });
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.error("{}: cannot serve the connection from {}: {}", options.name(), link.describe(), e.toString());
                link.close();
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends connections that time out. It never takes the lock: a connection whose peer does not read blocks in a
     * write holding it, and this is what cuts it off.
     */
    private void watchLoop() {
        while (!closed) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) {
                c.checkTimeouts(now, options.frameTimeout().toNanos(), options.idleTimeout().toNanos());
            }
        }
    }

    /** Waits for the device's wakeups and events, and ends connections that time out. */
    private void eventLoop() {
        EpollEvents ready = new EpollEvents(4);
        while (!closed) {
            int n;
            try {
                n = epoll.await(ready, 250);
            } catch (LinuxException e) {
                if (!closed) {
                    LOG.error("{}: the channel's event loop failed: {}", options.name(), e.getMessage());
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                long what = ready.data(i);
                synchronized (lock) {
                    enter();
                    try {
                        if (what == WAKEUP) {
                            wakeup.drain();
                            device.onWakeup();
                        } else if (what == DEVICE_EVENTS) {
                            device.onDeviceEvents();
                        }
                    } catch (LinuxException e) {
                        LOG.error("{}: cannot read the wakeup: {}", options.name(), e.getMessage());
                    }
                    afterDeviceCall();
                    leave();
                }
            }
        }
    }

    // ---- what connections call, under the lock

    Object lock() {
        return lock;
    }

    /** A connection's thread calls into the device now (it holds the lock) and collects what was used itself. */
    void enter() {
        caller = Thread.currentThread();
    }

    void leave() {
        caller = null;
    }

    /**
     * The device used buffers: when that happened on another transport's thread (a device several transports serve,
     * whose events another one takes), the event thread collects them; this server's own calls collect them after.
     */
    void usedElsewhere() {
        if (Thread.currentThread() != caller) {
            try {
                wakeup.signal();
            } catch (LinuxException e) {
                LOG.error("{}: cannot wake the channel server: {}", options.name(), e.getMessage());
            }
        }
    }

    Options options() {
        return options;
    }

    VirtioDevice device() {
        return device;
    }

    LocalQueue queue(int index) {
        return index < queues.length ? queues[index] : null;
    }

    int queueCount() {
        return queues.length;
    }

    /** The features a driver may accept: the device's own bits and VERSION_1. */
    long offeredFeatures() {
        return (device.deviceFeatures() & dev.vgpio.virtio.VirtioFeature.DEVICE_BITS)
                | dev.vgpio.virtio.VirtioFeature.VERSION_1.mask();
    }

    /** Whether {@code c} may begin a session: no other connection's driver has the device. */
    boolean claim(Connection c) {
        if (closed || active != null && active != c) {
            return false;
        }
        if (active == c) {
            endSession(c); // a new HELLO on the same link: a reset
        }
        if (!device.claim()) {
            return false; // another transport's driver has it
        }
        active = c;
        sessions++;
        return true;
    }

    /** The driver of {@code c} accepted {@code features}: the device negotiates and its queues start. */
    void startSession(Connection c, long features) {
        if (closed) {
            throw new IllegalStateException("the channel is closing");
        }
        device.negotiate(features);
        for (LocalQueue q : queues) {
            if (device.queueAvailable(q.index())) {
                q.start(device, c, usedElsewhere);
            }
        }
    }

    /** Ends the session of {@code c}, if it has the device: as a device reset for that driver. */
    void endSession(Connection c) {
        if (active != c) {
            return;
        }
        for (LocalQueue q : queues) {
            if (q.started()) {
                device.stopQueue(q.index());
                q.stop();
            }
        }
        device.driverGone();
        active = null;
    }

    /** After any call into the device: what it used goes back to the driver as RESPONSEs. */
    void afterDeviceCall() {
        Connection c = active;
        if (c == null) {
            return;
        }
        for (LocalQueue q : queues) {
            if (q.started()) {
                q.drainUsed(c);
            }
        }
        c.flushQuietly();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.close();
        for (Connection c : connections) {
            c.shutdown();
        }
        synchronized (lock) {
            if (active != null) {
                endSession(active);
            }
        }
        try {
            wakeup.signal();
        } catch (LinuxException e) {
            // the event loop notices the close within its timeout
        }
        join(acceptor);
        join(events);
        join(watchdog);
        for (Connection c : connections) {
            if (c.thread != null) {
                join(c.thread);
            }
        }
        epoll.close();
        wakeup.close();
        arena.close();
        LOG.info("{}: the channel at {} is closed", options.name(), listener.describe());
    }

    private static void join(Thread t) {
        if (t.isAlive()) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
