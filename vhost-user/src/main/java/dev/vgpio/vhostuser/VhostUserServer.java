package dev.vgpio.vhostuser;

import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.Errno;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.SocketPath;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.VirtioDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one virtio device on a vhost-user Unix socket: one thread waits (epoll) on the listening socket, the front
 * end's connection, every kick eventfd and the device's wakeup, and does all the work. One front end at a time;
 * when it goes away the server waits for the next, and the device keeps its state. The socket file is created with
 * mode 0600; a stale file left by a dead process is replaced, a live one is refused.
 *
 * <p>In client mode ({@link #connecting}) the front end listens (QEMU's {@code -chardev socket,server=on}) and
 * this back end connects, and connects again whenever the connection drops: QEMU then resumes the device by itself.
 */
public final class VhostUserServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserServer.class);
    private static final long LISTEN = 1;
    private static final long CONNECTION = 2;
    private static final long WAKEUP = 3;
    private static final long STOP = 4;
    private static final long KICK = 16;
    /** How long a front end may take to send the rest of a message it started. */
    private static final Duration MESSAGE_TIMEOUT = Duration.ofSeconds(10);
    /** How often a client-mode back end tries to reach its front end. */
    private static final int RECONNECT_MILLIS = 200;

    private final Path path;
    private final String name;
    private final VirtioDevice device;
    private final UnixSocket listener;
    private final boolean client;
    private boolean waitingLogged;
    private final Epoll epoll;
    private final EventFd wakeup;
    private final EventFd stop;
    private final VhostUserSession session;
    private final MemorySegment in;
    private final MemorySegment inPayload;
    private final MemorySegment out;
    private final MemorySegment outPayload;
    private final FdSet fds = new FdSet(16);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile UnixSocket connection;
    private Thread thread;
    private volatile long connections;
    private boolean closeCalled;

    /**
     * Creates the socket at {@code path} (replacing a stale socket file) and prepares to serve {@code device}.
     *
     * @throws IOException if the path is served by a live process, or the socket cannot be created
     */
    public VhostUserServer(Path path, VirtioDevice device, String name) throws IOException {
        this(path, device, name, false);
    }

    /**
     * A back end that connects to a front end listening at {@code path} (QEMU with {@code server=on}), retrying
     * until it is there and reconnecting after every disconnect.
     */
    public static VhostUserServer connecting(Path path, VirtioDevice device, String name) throws IOException {
        return new VhostUserServer(path, device, name, true);
    }

    private VhostUserServer(Path path, VirtioDevice device, String name, boolean client) throws IOException {
        this.path = path;
        this.name = name;
        this.device = device;
        this.client = client;
        if (client) {
            this.listener = null;
        } else {
            if (SocketPath.claim(path)) {
                LOG.info("replaced stale socket file {} (nothing listened on it)", path);
            }
            this.listener = UnixSocket.listen(path, 4);
            SocketPath.makePrivate(path);
        }
        this.epoll = Epoll.create();
        this.wakeup = EventFd.create();
        this.stop = EventFd.create();
        this.session = new VhostUserSession(device, name, new VhostUserSession.KickWatcher() {
            @Override
            public void watch(int queue, EventFd kick) {
                try {
                    // edge-triggered: each kick is reported once, the counter is never read (no read per kick)
                    epoll.add(kick.fd(), Epoll.IN | Epoll.EDGE, KICK + queue);
                } catch (IOException e) {
                    LOG.error("{}: cannot watch the kick fd of queue {}: {}", name, queue, e.getMessage());
                }
            }

            @Override
            public void unwatch(int queue, EventFd kick) {
                try {
                    epoll.remove(kick.fd());
                } catch (IOException e) {
                    LOG.debug("{}: removing kick fd of queue {}: {}", name, queue, e.getMessage());
                }
            }
        });
        Arena arena = Arena.ofAuto();
        in = arena.allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
        inPayload = in.asSlice(Header.SIZE);
        out = arena.allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
        outPayload = out.asSlice(Header.SIZE);
        if (listener != null) {
            epoll.add(listener.fd(), Epoll.IN, LISTEN);
        }
        epoll.add(wakeup.fd(), Epoll.IN, WAKEUP);
        epoll.add(stop.fd(), Epoll.IN, STOP);
        device.setWakeup(this::wake);
    }

    private void wake() {
        try {
            wakeup.signal();
        } catch (IOException e) {
            LOG.error("{}: cannot wake the serving thread: {}", name, e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** The protocol state of the current (or the next) front end's connection. */
    public VhostUserSession session() {
        return session;
    }

    /** Front ends that have connected so far. */
    public long connections() {
        return connections;
    }

    public boolean isConnected() {
        return connection != null;
    }

    /** Whether the serving thread is running (it stops only on {@link #close()} or a fatal error). */
    public boolean isRunning() {
        return finished.getCount() > 0 && thread != null && thread.isAlive();
    }

    /** Starts the serving thread. */
    public synchronized VhostUserServer start() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("vgpio-" + name).daemon(false).start(this::run);
        }
        return this;
    }

    private void run() {
        EpollEvents events = new EpollEvents(16);
        LOG.info("{}: {} {}", name, client ? "connecting to the front end at" : "listening on",
                path.toAbsolutePath());
        try {
            while (true) {
                if (client && connection == null) {
                    tryConnect();
                }
                int n = epoll.await(events, client && connection == null ? RECONNECT_MILLIS : -1);
                for (int i = 0; i < n; i++) {
                    long data = events.data(i);
                    int ev = events.events(i);
                    if (data == STOP) {
                        return;
                    } else if (data == LISTEN) {
                        accept();
                    } else if (data == CONNECTION) {
                        onConnection(ev);
                    } else if (data == WAKEUP) {
                        wakeup.drain();
                        try {
                            device.onWakeup();
                        } catch (RuntimeException e) {
                            failed("device event", e);
                        }
                    } else if (data >= KICK) {
                        try {
                            session.kicked((int) (data - KICK));
                        } catch (RuntimeException e) {
                            failed("queue " + (data - KICK), e);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: event loop failed: {}", name, e.toString(), e);
        } finally {
            shutdown();
            finished.countDown();
        }
    }

    /** A device or queue handler failed unexpectedly: drop the connection, keep serving (no allocation until then). */
    private void failed(String what, RuntimeException e) {
        LOG.error("{}: {} failed; dropping the connection: {}", name, what, e.toString(), e);
        disconnect();
    }

    private void tryConnect() throws IOException {
        UnixSocket s;
        try {
            s = UnixSocket.connect(path);
        } catch (LinuxException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ECONNREFUSED) {
                throw e;
            }
            if (!waitingLogged) {
                LOG.info("{}: waiting for the front end to listen on {}", name, path.toAbsolutePath());
                waitingLogged = true;
            }
            return;
        }
        waitingLogged = false;
        attach(s);
    }

    private void accept() throws IOException {
        UnixSocket s = listener.accept();
        if (s == null) {
            return;
        }
        if (connection != null) {
            LOG.warn("{}: a second front end connected while one is attached; closing the new connection", name);
            s.close();
            return;
        }
        attach(s);
    }

    private void attach(UnixSocket s) throws IOException {
        connection = s;
        connections++;
        s.setReceiveTimeout(MESSAGE_TIMEOUT);
        epoll.add(s.fd(), Epoll.IN | Epoll.RDHUP, CONNECTION);
        LOG.info("{}: front end connected (connection {})", name, connections);
    }

    private void onConnection(int events) {
        if (connection == null) {
            return;
        }
        try {
            if ((events & Epoll.IN) == 0 && (events & (Epoll.HUP | Epoll.ERR | Epoll.RDHUP)) != 0) {
                LOG.info("{}: front end hung up", name);
                disconnect();
                return;
            }
            readMessage();
        } catch (ProtocolException e) {
            LOG.error("{}: protocol error, closing the connection: {}", name, e.getMessage());
            disconnect();
        } catch (java.io.EOFException e) {
            LOG.info("{}: front end disconnected", name);
            disconnect();
        } catch (IOException e) {
            LOG.warn("{}: connection failed, closing it: {}", name, e.getMessage());
            disconnect();
        } catch (RuntimeException e) {
            LOG.error("{}: internal error while handling a message; closing the connection", name, e);
            disconnect();
        } finally {
            fds.closeAll();
        }
    }

    private void readMessage() throws IOException, ProtocolException {
        long got = connection.receive(in, 0, Header.SIZE, fds);
        if (got == 0) {
            throw new java.io.EOFException("peer closed the connection");
        }
        if (got < 0) {
            return;
        }
        if (got < Header.SIZE) {
            connection.receiveFully(in, got, Header.SIZE - got, fds);
        }
        int request = Header.request(in);
        int flags = Header.flags(in);
        int size = Header.payloadSize(in);
        Header.checkSize(request, size, VhostUser.MAX_PAYLOAD);
        if (size > 0) {
            connection.receiveFully(in, Header.SIZE, size, fds);
        }
        int replySize = session.handle(request, flags, inPayload, size, fds, outPayload);
        if (replySize >= 0) {
            Header.write(out, request, Header.FLAG_VERSION | Header.FLAG_REPLY, replySize);
            connection.sendFully(out, 0, Header.SIZE + replySize, null, 0);
        }
    }

    private void disconnect() {
        if (connection == null) {
            return;
        }
        try {
            epoll.remove(connection.fd());
        } catch (IOException e) {
            LOG.debug("{}: {}", name, e.getMessage());
        }
        connection.close();
        connection = null;
        session.disconnected();
        LOG.info("{}: the device keeps its state; {} {}", name,
                client ? "reconnecting to" : "waiting for the next front end on", path.toAbsolutePath());
    }

    private void shutdown() {
        disconnect();
        if (listener != null) {
            listener.close();
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("{}: cannot remove {}: {}", name, path, e.getMessage());
            }
        }
        epoll.close();
        wakeup.close();
        LOG.info("{}: stopped", name);
    }

    /** Stops serving: closes the connection and removes the socket file. Waits up to 5 seconds. Idempotent. */
    @Override
    public void close() {
        boolean running;
        synchronized (this) {
            if (closeCalled) {
                return;
            }
            closeCalled = true;
            running = thread != null;
        }
        if (!running) {
            shutdown();
            stop.close();
            return;
        }
        try {
            stop.signal();
        } catch (IOException e) {
            LOG.error("{}: cannot signal the serving thread to stop: {}", name, e.getMessage());
        }
        try {
            if (!finished.await(5, TimeUnit.SECONDS)) {
                LOG.warn("{}: the serving thread did not stop within 5 seconds", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.close();
    }
}
