package dev.vgpio.vhostuser;

import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.Errno;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.SocketPath;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.VirtioDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one virtio device on a vhost-user Unix socket: one thread waits (epoll) on the listening socket, the front
 * end's connection, every kick eventfd, the device's wakeup and its event fd (the kernel's GPIO line events), and
 * does all the work. One front end at a time;
 * when it goes away the server waits for the next, and the device keeps its state. The socket file appears with
 * mode 0600 (or 0660 for a group, {@link ServerOptions#access()}) and is never reachable by others on the way; a
 * stale file left by a dead process is replaced, a live one is refused.
 *
 * <p>A front end cannot hold the loop: messages are received and replies sent piece by piece on a non-blocking
 * connection with a deadline for each ({@link ServerOptions#messageTimeout()}) and one for the first
 * ({@link ServerOptions#handshakeTimeout()}); its eventfds are checked and kept non-blocking (a signal it makes
 * wait anyway is let through by a guard within about 150 ms, and ends the connection); and a fault in the memory it
 * shares (a memfd it truncated) ends that connection only. If the loop itself fails, the server calls its
 * {@linkplain #onFatal fatal handler}, so a daemon can exit rather than live on without its device.
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
    private static final long DEVICE_EVENTS = 5;
    private static final long KICK = 16;
    /** At most this many messages of one front end in a row before the loop looks at its other work. */
    private static final int MESSAGES_PER_TURN = 32;
    /** How long the listener is not watched after an accept failed. */
    private static final int LISTEN_PAUSE_MILLIS = 200;
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
    private final ServerOptions options;
    private final IncomingMessage in = new IncomingMessage();
    private final MemorySegment out;
    private final MemorySegment outPayload;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile UnixSocket connection;
    /** When the current connection must have sent its first complete message ({@link System#nanoTime()}), or 0. */
    private long handshakeDeadline;
    /** A reply the front end has not taken yet: its length in {@link #out}, how much went, and when it started. */
    private int replyLength;
    private int replySent;
    private long replyStarted;
    /** The connection is watched for room to send (the rest of a reply), not for messages. */
    private boolean awaitingOut;
    /** When to watch the listener again after an accept failed ({@link System#nanoTime()}), or 0. */
    private long listenPausedUntil;
    private Thread thread;
    private volatile long connections;
    private volatile long faults;
    private volatile boolean closeCalled;
    private volatile Consumer<Throwable> onFatal = t -> { };

    /**
     * Creates the socket at {@code path} (replacing a stale socket file) and prepares to serve {@code device}.
     *
     * @throws IOException if the path is served by a live process, or the socket cannot be created
     */
    public VhostUserServer(Path path, VirtioDevice device, String name) throws IOException {
        this(path, device, name, ServerOptions.DEFAULTS);
    }

    /** As {@link #VhostUserServer(Path, VirtioDevice, String)}, with {@code options}. */
    public VhostUserServer(Path path, VirtioDevice device, String name, ServerOptions options) throws IOException {
        this(path, device, name, options, false);
    }

    /**
     * A back end that connects to a front end listening at {@code path} (QEMU with {@code server=on}), retrying
     * until it is there and reconnecting after every disconnect.
     */
    public static VhostUserServer connecting(Path path, VirtioDevice device, String name) throws IOException {
        return connecting(path, device, name, ServerOptions.DEFAULTS);
    }

    /** As {@link #connecting(Path, VirtioDevice, String)}, with {@code options}. */
    public static VhostUserServer connecting(Path path, VirtioDevice device, String name, ServerOptions options)
            throws IOException {
        return new VhostUserServer(path, device, name, options, true);
    }

    private VhostUserServer(Path path, VirtioDevice device, String name, ServerOptions options, boolean client)
            throws IOException {
        this.path = path;
        this.name = name;
        this.device = device;
        this.client = client;
        this.options = options;
        if (client) {
            this.listener = null;
        } else {
            if (SocketPath.claim(path)) {
                LOG.info("replaced stale socket file {} (nothing listened on it)", path);
            }
            this.listener = UnixSocket.listenPrivately(path, 16, options.access());
            try {
                listener.setNonBlocking(true);
            } catch (LinuxException e) {
                listener.close();
                throw e;
            }
        }
        this.epoll = Epoll.create();
        this.wakeup = EventFd.create();
        this.stop = EventFd.create();
        this.session = new VhostUserSession(device, name, new VhostUserSession.KickWatcher() {
            @Override
            public void watch(int queue, EventFd kick) throws IOException {
                // edge-triggered: each kick is reported once, the counter is never read (no read per kick)
                epoll.add(kick.fd(), Epoll.IN | Epoll.EDGE, KICK + queue);
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
        out = Arena.ofAuto().allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
        outPayload = out.asSlice(Header.SIZE);
        if (listener != null) {
            epoll.add(listener.fd(), Epoll.IN, LISTEN);
        }
        epoll.add(wakeup.fd(), Epoll.IN, WAKEUP);
        epoll.add(stop.fd(), Epoll.IN, STOP);
        if (device.eventFd() >= 0) {
            // level-triggered: whatever the device leaves unread is reported again on the next turn
            epoll.add(device.eventFd(), Epoll.IN, DEVICE_EVENTS);
        }
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

    /** Faults in a front end's shared memory so far (each ended its connection). */
    public long memoryFaults() {
        return faults;
    }

    /**
     * Sets what runs, on the serving thread, if it stops for any reason other than {@link #close()}: an error in
     * the event loop itself. A daemon exits there with a non-zero status, so that a supervisor restarts it rather
     * than see a live process without its device. Call it before {@link #start()}.
     */
    public VhostUserServer onFatal(Consumer<Throwable> handler) {
        this.onFatal = java.util.Objects.requireNonNull(handler);
        return this;
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
        LOG.info("{}: {} {}{}", name, client ? "connecting to the front end at" : "listening on",
                path.toAbsolutePath(), client ? "" : " (mode " + options.access().describe() + ")");
        Throwable fatal = null;
        try {
            while (true) {
                try {
                    if (turn(events)) {
                        return;
                    }
                } catch (InternalError e) {
                    if (!isMemoryFault(e)) {
                        throw e;
                    }
                    memoryFault(e);
                }
            }
        } catch (Throwable e) {
            fatal = e;
            LOG.error("{}: event loop failed: {}", name, e.toString(), e);
        } finally {
            try {
                shutdown();
            } finally {
                finished.countDown();
                if (!closeCalled) {
                    onFatal.accept(fatal != null ? fatal
                            : new IllegalStateException(name + ": serving thread stopped"));
                }
            }
        }
    }

    /** One wait and what it found; true when asked to stop. */
    private boolean turn(EpollEvents events) throws IOException {
        if (client && connection == null) {
            tryConnect();
        }
        int n = epoll.await(events, waitMillis());
        expireDeadlines();
        for (int i = 0; i < n; i++) {
            long data = events.data(i);
            int ev = events.events(i);
            if (data == STOP) {
                return true;
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
            } else if (data == DEVICE_EVENTS) {
                try {
                    device.onDeviceEvents();
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
        return false;
    }

    /**
     * A SIGBUS in the front end's shared memory (it truncated or resized the file behind a region), which the JVM
     * raises as an {@link InternalError} in the thread that touched it, possibly a little after the access.
     */
    static boolean isMemoryFault(InternalError e) {
        return e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    private void memoryFault(InternalError e) {
        faults++;
        LOG.error("{}: a fault in the front end's shared memory (was a memory file truncated?): {}; dropping the"
                + " connection, the device keeps its state", name, e.getMessage());
        try {
            disconnect();
        } catch (InternalError again) {
            LOG.error("{}: another fault while dropping the connection: {}", name, again.getMessage());
        }
        if (connection == null) {
            session.disconnected(); // the rings and mappings go even if the fault came with no connection
        }
    }

    /** How long the next wait may last: until the nearest deadline, or for ever. */
    private int waitMillis() {
        long now = System.nanoTime();
        long deadline = Long.MAX_VALUE;
        if (connection != null && handshakeDeadline != 0) {
            deadline = handshakeDeadline;
        }
        if (connection != null && in.isPartial()) {
            deadline = Math.min(deadline, in.startedNanos() + options.messageTimeout().toNanos());
        }
        if (listenPausedUntil != 0) {
            deadline = Math.min(deadline, listenPausedUntil);
        }
        if (connection != null && replyLength > 0) {
            deadline = Math.min(deadline, replyStarted + options.messageTimeout().toNanos());
        }
        if (deadline == Long.MAX_VALUE) {
            return client && connection == null ? RECONNECT_MILLIS : -1;
        }
        return (int) Math.clamp((deadline - now + 999_999) / 1_000_000, 0, Integer.MAX_VALUE);
    }

    private void expireDeadlines() throws IOException {
        long now = System.nanoTime();
        if (listenPausedUntil != 0 && now - listenPausedUntil >= 0) {
            listenPausedUntil = 0;
            epoll.add(listener.fd(), Epoll.IN, LISTEN);
        }
        if (connection == null) {
            return;
        }
        if (replyLength > 0 && now - replyStarted >= options.messageTimeout().toNanos()) {
            LOG.warn("{}: the front end took {} of the {} bytes of a reply and not the rest within {}; closing the"
                    + " connection", name, replySent, replyLength, ServerOptions.human(options.messageTimeout()));
            disconnect();
        } else if (in.isPartial() && now - in.startedNanos() >= options.messageTimeout().toNanos()) {
            LOG.warn("{}: the front end sent {} bytes of a message and not the rest within {}; closing the"
                    + " connection", name, in.progress(), ServerOptions.human(options.messageTimeout()));
            disconnect();
        } else if (handshakeDeadline != 0 && now - handshakeDeadline >= 0) {
            LOG.warn("{}: the front end connected but sent no complete message within {}; closing the connection"
                    + " so that another can connect", name, ServerOptions.human(options.handshakeTimeout()));
            disconnect();
        }
    }

    /** A device or queue handler failed unexpectedly: drop the connection, keep serving (no allocation until then). */
    private void failed(String what, RuntimeException e) {
        LOG.error("{}: {} failed; dropping the connection: {}", name, what, e.toString(), e);
        disconnect();
    }

    private void tryConnect() throws IOException {
        if (device.heldBy() != null) {
            return; // another transport's driver has the device: the front end waits until it lets go
        }
        UnixSocket s;
        try {
            s = UnixSocket.connectWithoutWaiting(path); // a front end that does not accept must not hold the loop
            if (s == null) {
                if (!waitingLogged) {
                    LOG.info("{}: the front end at {} does not accept connections now; trying again",
                            name, path.toAbsolutePath());
                    waitingLogged = true;
                }
                return;
            }
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
        if (!device.claim()) {
            s.close();
            return;
        }
        attach(s);
    }

    private void accept() throws IOException {
        UnixSocket s;
        try {
            s = listener.accept();
        } catch (LinuxException e) {
            // out of descriptors (EMFILE, ENFILE) or the like: the listener stays readable, so stop watching it for
            // a while rather than spin; pending connections wait in the backlog
            LOG.warn("{}: accept failed: {}; not accepting for {} ms", name, e.getMessage(), LISTEN_PAUSE_MILLIS);
            epoll.remove(listener.fd());
            listenPausedUntil = System.nanoTime() + LISTEN_PAUSE_MILLIS * 1_000_000L;
            return;
        }
        if (s == null) {
            return;
        }
        if (connection != null) {
            LOG.warn("{}: a second front end connected while one is attached; closing the new connection", name);
            s.close();
            return;
        }
        if (!device.claim()) {
            LOG.warn("{}: a front end connected while the driver on the {} uses the device; closing the connection"
                    + " (one driver at a time)", name, device.heldBy());
            s.close();
            return;
        }
        attach(s);
    }

    private void attach(UnixSocket s) throws IOException {
        try {
            s.setNonBlocking(true);
            epoll.add(s.fd(), Epoll.IN | Epoll.RDHUP, CONNECTION);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        connection = s;
        connections++;
        // a front end that accepted this back end's connection (client mode) may rightly say nothing until its
        // guest starts the device; one that connected must speak first
        handshakeDeadline = client ? 0 : System.nanoTime() + options.handshakeTimeout().toNanos();
        if (!client && handshakeDeadline == 0) {
            handshakeDeadline = 1;
        }
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
            if (replyLength > 0) {
                if ((events & Epoll.OUT) != 0) {
                    sendReply();
                }
                return; // nothing more is read until the front end has taken its reply
            }
            for (int m = 0; m < MESSAGES_PER_TURN && connection != null && replyLength == 0; m++) {
                if (!in.readFrom(connection, System.nanoTime())) {
                    return;
                }
                handshakeDeadline = 0;
                try {
                    handleMessage();
                } finally {
                    in.clear();
                }
            }
        } catch (ProtocolException e) {
            LOG.error("{}: protocol error, closing the connection: {}", name, e.getMessage());
            disconnect();
        } catch (java.io.EOFException e) {
            LOG.info("{}: front end disconnected{}", name, e.getMessage().startsWith("peer closed the connection after")
                    ? " in the middle of a message (" + e.getMessage() + ")" : "");
            disconnect();
        } catch (IOException e) {
            LOG.warn("{}: connection failed, closing it: {}", name, e.getMessage());
            disconnect();
        } catch (RuntimeException e) {
            LOG.error("{}: internal error while handling a message; closing the connection", name, e);
            disconnect();
        }
    }

    private void handleMessage() throws IOException, ProtocolException {
        int request = in.request();
        int replySize = session.handle(request, in.flags(), in.payload(), in.payloadSize(), in.fds(), outPayload);
        if (replySize >= 0) {
            Header.write(out, request, Header.FLAG_VERSION | Header.FLAG_REPLY, replySize);
            replyLength = Header.SIZE + replySize;
            replySent = 0;
            replyStarted = System.nanoTime();
            sendReply();
        }
    }

    /**
     * Sends what the socket takes of the pending reply without waiting. If some is left, the loop stops reading the
     * connection and waits for it to be writable (within the message timeout) while it goes on serving the rest.
     */
    private void sendReply() throws IOException {
        while (replySent < replyLength) {
            long n = connection.send(out, replySent, replyLength - replySent, null, 0);
            if (n < 0) {
                if (!awaitingOut) {
                    epoll.modify(connection.fd(), Epoll.OUT | Epoll.RDHUP, CONNECTION);
                    awaitingOut = true;
                }
                return;
            }
            replySent += (int) n;
        }
        replyLength = 0;
        replySent = 0;
        if (awaitingOut) {
            awaitingOut = false;
            epoll.modify(connection.fd(), Epoll.IN | Epoll.RDHUP, CONNECTION);
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
        handshakeDeadline = 0;
        replyLength = 0;
        replySent = 0;
        awaitingOut = false;
        in.clear();
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
                // stop stays open: closing it would take it out of the epoll set, and the thread would never see it
                LOG.warn("{}: the serving thread did not stop within 5 seconds", name);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        stop.close();
    }
}
