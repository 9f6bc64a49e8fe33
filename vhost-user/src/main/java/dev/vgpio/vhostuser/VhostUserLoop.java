package dev.vgpio.vhostuser;

import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread and one epoll set that serve any number of {@link VhostUserServer}s: a daemon with 64 devices has one
 * serving thread, not 64. Each server's descriptors are in the set with its slot in the upper half of the event's
 * data and its own token in the lower half, so a turn finds the server of an event with one array read.
 *
 * <p>Servers join when they {@linkplain VhostUserServer#start() start} and leave when they close; both happen on
 * the loop's thread (a task handed to it), so a server's state is only ever touched there. A server whose own work
 * fails drops its connection and goes on listening; only a failure of the loop itself (its epoll set, an
 * {@link Error}) stops every server still in it, each calling its fatal handler.
 */
public final class VhostUserLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserLoop.class);
    /** The slot of the loop's own descriptor (its task and stop signal); servers have slots from 1. */
    private static final int OWN = 0;
    /** How many events one wait takes at most. */
    private static final int EVENTS = 64;
    /** How long a caller waits for the loop to run its task (a server joining or leaving). */
    private static final long TASK_TIMEOUT_SECONDS = 5;

    private final String name;
    /** Made with the first server that joins ({@link #open()}): a daemon's first socket listens before. */
    private Epoll epoll;
    private EventFd signal;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    /** The servers by slot; a slot is never given twice, so a late event of a server that left finds null. */
    private VhostUserServer[] servers = new VhostUserServer[8];
    private int nextSlot = OWN + 1;
    /** The servers that joined, in order, for the per-turn passes (deadlines, client connects). */
    private VhostUserServer[] joined = new VhostUserServer[0];
    private Thread thread;
    /** The server whose handler ran last: a fault in shared memory may surface a little after the access. */
    private VhostUserServer current;
    private volatile boolean stopping;
    private volatile boolean dead;

    private VhostUserLoop(String name) {
        this.name = name;
    }

    /**
     * A loop whose thread is named {@code vgpio-NAME}; it starts with its first server. Its descriptors are made
     * when the first server is made ({@link VhostUserServer} does it after binding its socket).
     */
    public static VhostUserLoop create(String name) {
        return new VhostUserLoop(Objects.requireNonNull(name));
    }

    /** Makes the epoll set and the signal, once; before the thread starts, or on it. */
    synchronized void open() throws LinuxException {
        if (epoll != null) {
            return;
        }
        if (stopping) {
            throw new IllegalStateException(name + ": the serving loop is closed");
        }
        Epoll e = Epoll.create();
        try {
            EventFd s = EventFd.create();
            try {
                e.add(s.fd(), Epoll.IN, data(OWN, 0));
            } catch (LinuxException x) {
                s.close();
                throw x;
            }
            signal = s;
        } catch (LinuxException x) {
            e.close();
            throw x;
        }
        epoll = e;
    }

    static long data(int slot, long token) {
        return (long) slot << 32 | token;
    }

    /** Whether the loop's thread runs (it stops on {@link #close()} or a fatal error). */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive() && !dead;
    }

    /** How many servers are in the loop now. */
    public int servers() {
        return joined.length;
    }

    void add(int fd, int events, int slot, long token) throws LinuxException {
        epoll.add(fd, events, data(slot, token));
    }

    void modify(int fd, int events, int slot, long token) throws LinuxException {
        epoll.modify(fd, events, data(slot, token));
    }

    void remove(int fd) throws LinuxException {
        epoll.remove(fd);
    }

    boolean onLoopThread() {
        return Thread.currentThread() == thread;
    }

    /** Gives {@code server} a slot; on the loop's thread, or before it runs. */
    int join(VhostUserServer server) {
        int slot = nextSlot++;
        if (slot >= servers.length) {
            servers = Arrays.copyOf(servers, servers.length * 2);
        }
        servers[slot] = server;
        joined = Arrays.copyOf(joined, joined.length + 1);
        joined[joined.length - 1] = server;
        return slot;
    }

    /** Takes {@code server} out of the loop; on the loop's thread. */
    void leave(int slot, VhostUserServer server) {
        if (slot > OWN && slot < servers.length && servers[slot] == server) {
            servers[slot] = null;
        }
        VhostUserServer[] rest = new VhostUserServer[joined.length];
        int n = 0;
        for (VhostUserServer s : joined) {
            if (s != server) {
                rest[n++] = s;
            }
        }
        joined = Arrays.copyOf(rest, n);
    }

    /**
     * Runs {@code task} on the loop's thread and waits for it (up to 5 seconds): at once when called there, or when
     * the thread has not started or has died (nothing else then touches the servers). False if it did not finish.
     */
    boolean run(String what, Runnable task) {
        synchronized (this) {
            if (thread == null || dead || onLoopThread()) {
                task.run();
                return true;
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        tasks.add(() -> {
            try {
                task.run();
            } finally {
                done.countDown();
            }
        });
        try {
            signal.signal();
            if (done.await(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return true;
            }
            LOG.warn("{}: the serving thread did not {} within {} seconds", name, what, TASK_TIMEOUT_SECONDS);
        } catch (IOException e) {
            LOG.error("{}: cannot signal the serving thread to {}: {}", name, what, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Starts the thread, once. */
    synchronized void start() {
        if (thread == null && !stopping) {
            thread = Thread.ofPlatform().name("vgpio-" + name).daemon(false).start(this::loop);
        }
    }

    private void loop() {
        EpollEvents events = new EpollEvents(EVENTS);
        Throwable fatal = null;
        try {
            while (!stopping) {
                try {
                    turn(events);
                } catch (InternalError e) {
                    VhostUserServer s = current;
                    if (s == null || !VhostUserServer.isMemoryFault(e)) {
                        throw e;
                    }
                    s.memoryFault(e);
                }
            }
        } catch (Throwable e) {
            fatal = e;
            LOG.error("{}: event loop failed: {}", name, e.toString(), e);
        } finally {
            dead = true;
            runTasks(); // a caller waiting for a task: the servers are stopped below on this thread instead
            VhostUserServer[] left = joined;
            joined = new VhostUserServer[0];
            for (VhostUserServer s : left) {
                try {
                    s.stopped();
                } catch (RuntimeException | Error e) {
                    LOG.error("{}: stopping a device failed: {}", name, e.toString(), e);
                }
            }
            epoll.close();
            finished.countDown();
            // after close() with servers still in, they stop quietly; after a failure each calls its handler, last,
            // since a daemon's handler exits (and its shutdown hook closes this loop, which must not wait then)
            Throwable cause = fatal != null ? fatal : stopping ? null
                    : new IllegalStateException(name + ": serving thread stopped");
            if (cause != null) {
                for (VhostUserServer s : left) {
                    s.fatal(cause);
                }
            }
        }
    }

    private void turn(EpollEvents events) throws IOException {
        VhostUserServer[] all = joined;
        int wait = -1;
        for (VhostUserServer s : all) {
            int w;
            try {
                w = s.beforeWait();
            } catch (IOException | RuntimeException e) {
                s.failedInLoop("connecting", e);
                w = VhostUserServer.RECONNECT_MILLIS; // its deadlines may have changed: look again soon
            }
            if (w >= 0 && (wait < 0 || w < wait)) {
                wait = w;
            }
        }
        int n = epoll.await(events, wait);
        for (VhostUserServer s : all) {
            try {
                s.expireDeadlines();
            } catch (IOException | RuntimeException e) {
                s.failedInLoop("a timeout", e);
            }
        }
        for (int i = 0; i < n; i++) {
            long data = events.data(i);
            int slot = (int) (data >>> 32);
            if (slot == OWN) {
                signal.drain();
                runTasks();
                continue;
            }
            VhostUserServer s = slot < servers.length ? servers[slot] : null;
            if (s != null) {
                current = s;
                try {
                    s.dispatch((int) data, events.events(i));
                } catch (IOException | RuntimeException e) {
                    s.failedInLoop("an event", e); // one device's failure is not the others'
                } catch (InternalError e) {
                    if (!VhostUserServer.isMemoryFault(e)) {
                        throw e;
                    }
                    s.memoryFault(e); // the other servers' events of this turn are still handled
                }
            }
        }
    }

    private void runTasks() {
        for (Runnable t; (t = tasks.poll()) != null; ) {
            t.run();
        }
    }

    /**
     * Stops the thread after the servers still in it (a server closes itself first, normally). Waits up to 5
     * seconds. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            t = thread;
        }
        if (t == null) {
            if (epoll != null) {
                epoll.close();
                signal.close();
            }
            return;
        }
        if (Thread.currentThread() == t || dead) {
            return; // from the loop's own thread (a handler), or once it has died: nothing to wait for
        }
        try {
            signal.signal();
            if (!finished.await(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("{}: the serving thread did not stop within {} seconds", name, TASK_TIMEOUT_SECONDS);
                return; // the signal stays open: closing it would take it out of the set, unseen
            }
        } catch (IOException e) {
            LOG.error("{}: cannot signal the serving thread to stop: {}", name, e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        signal.close();
    }
}
