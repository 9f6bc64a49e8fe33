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
 * does all the work. That thread is a {@link VhostUserLoop}'s, which may serve many devices (a daemon's devices
 * share one); a server made without one has a loop of its own. One front end at a time;
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
 * <p>A server may also serve a listening socket it was given ({@link #inherited}: systemd's socket activation, a
 * VMM's {@code --fd}); it then never removes the socket's file, which is its parent's.
 *
 * <p>In client mode ({@link #connecting}) the front end listens (QEMU's {@code -chardev socket,server=on}) and
 * this back end connects, and connects again whenever the connection drops: QEMU then resumes the device by itself.
 */
public final class VhostUserServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VhostUserServer.class);
    private static final int LISTEN = 1;
    private static final int CONNECTION = 2;
    private static final int WAKEUP = 3;
    private static final int DEVICE_EVENTS = 5;
    private static final int KICK = 16;
    /** At most this many messages of one front end in a row before the loop looks at its other work. */
    private static final int MESSAGES_PER_TURN = 32;
    /** How long the listener is not watched after an accept failed. */
    private static final int LISTEN_PAUSE_MILLIS = 200;
    /** How often a client-mode back end tries to reach its front end. */
    static final int RECONNECT_MILLIS = 200;

    private final Path path;
    private final String name;
    private final VirtioDevice device;
    private final UnixSocket listener;
    /** Whether the listener's file is this server's to remove: not when it was inherited. */
    private final boolean ownsPath;
    private final boolean client;
    private boolean waitingLogged;
    private final VhostUserLoop loop;
    /** Whether {@link #loop} is this server's own (made for it, closed with it). */
    private final boolean ownLoop;
    /** Its slot in the loop once started, or 0. */
    private int slot;
    private final EventFd wakeup;
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
    private volatile boolean started;
    /** When a client-mode server may next try to reach its front end ({@link System#nanoTime()}). */
    private long nextConnect = System.nanoTime();
    private boolean shutDown;
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
        this(path, device, name, options, false, null, null);
    }

    /**
     * A server in {@code loop} (shared with other servers; the caller closes it after them), on a new socket at
     * {@code path}, or connecting to one ({@code connect}, as {@link #connecting}).
     */
    public static VhostUserServer in(VhostUserLoop loop, Path path, VirtioDevice device, String name,
            ServerOptions options, boolean connect) throws IOException {
        return new VhostUserServer(path, device, name, options, connect, null, java.util.Objects.requireNonNull(loop));
    }

    /**
     * A server in {@code loop} (or a loop of its own when null) on {@code listener}, a listening socket this process
     * was given ({@link UnixSocket#inherited}). Its file is never removed; closing the server closes only this
     * process's descriptor.
     */
    public static VhostUserServer inherited(VhostUserLoop loop, UnixSocket listener, VirtioDevice device,
            String name, ServerOptions options) throws IOException {
        return new VhostUserServer(listener.path(), device, name, options, false, listener, loop);
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
        return new VhostUserServer(path, device, name, options, true, null, null);
    }

    private VhostUserServer(Path path, VirtioDevice device, String name, ServerOptions options, boolean client,
            UnixSocket inherited, VhostUserLoop loop) throws IOException {
        this.path = path;
        this.name = name;
        this.device = device;
        this.client = client;
        this.options = options;
        this.ownsPath = inherited == null && !client;
        if (client) {
            this.listener = null;
        } else if (inherited != null) {
            this.listener = inherited;
            listener.setNonBlocking(true);
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
        this.ownLoop = loop == null;
        try {
            this.loop = loop != null ? loop : VhostUserLoop.create(name);
            this.loop.open(); // after the socket listens: a front end may connect from now on, into the backlog
            this.wakeup = EventFd.create();
        } catch (IOException | RuntimeException e) {
            if (listener != null) {
                listener.close();
            }
            throw e;
        }
        this.session = new VhostUserSession(device, name, new VhostUserSession.KickWatcher() {
            @Override
            public void watch(int queue, EventFd kick) throws IOException {
                // edge-triggered: each kick is reported once, the counter is never read (no read per kick)
                VhostUserServer.this.loop.add(kick.fd(), Epoll.IN | Epoll.EDGE, slot, KICK + queue);
            }

            @Override
            public void unwatch(int queue, EventFd kick) {
                try {
                    VhostUserServer.this.loop.remove(kick.fd());
                } catch (IOException e) {
                    LOG.debug("{}: removing kick fd of queue {}: {}", name, queue, e.getMessage());
                }
            }
        });
        out = Arena.ofAuto().allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
        outPayload = out.asSlice(Header.SIZE);
        device.setWakeup(this::wake);
    }

    /** Joins the loop: a slot and the descriptors in its set. On the loop's thread. */
    private void join() {
        slot = loop.join(this);
        try {
            if (listener != null) {
                loop.add(listener.fd(), Epoll.IN, slot, LISTEN);
            }
            loop.add(wakeup.fd(), Epoll.IN, slot, WAKEUP);
            if (device.eventFd() >= 0) {
                // level-triggered: whatever the device leaves unread is reported again on the next turn
                loop.add(device.eventFd(), Epoll.IN, slot, DEVICE_EVENTS);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        LOG.info("{}: {} {}{}", name, client ? "connecting to the front end at" : "listening on",
                path.toAbsolutePath(), client ? "" : ownsPath ? " (mode " + options.access().describe() + ")"
                        : " (a socket it was given)");
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

    /** Whether it is serving (it stops only on {@link #close()} or a fatal error in its loop). */
    public boolean isRunning() {
        return started && finished.getCount() > 0 && loop.isRunning();
    }

    /**
     * Starts serving: joins the loop, and starts the loop's thread if it is not running yet.
     *
     * @throws java.io.UncheckedIOException if its descriptors cannot join the loop's set
     */
    public synchronized VhostUserServer start() {
        if (!started && !closeCalled) {
            started = true;
            java.util.concurrent.atomic.AtomicReference<RuntimeException> failed = new java.util.concurrent.atomic
                    .AtomicReference<>();
            if (!loop.run("take a new device", () -> {
                try {
                    join();
                } catch (RuntimeException e) {
                    failed.set(e);
                }
            })) {
                throw new IllegalStateException(name + ": the serving thread did not take the device");
            }
            if (failed.get() != null) {
                throw failed.get();
            }
            loop.start();
        }
        return this;
    }

    /** Before the loop waits: a client-mode server tries to reach its front end. How long the wait may last. */
    int beforeWait() throws IOException {
        if (client && connection == null && System.nanoTime() - nextConnect >= 0) {
            // at most every RECONNECT_MILLIS, however often the other devices' work turns the loop (set first, so
            // that a connect that fails is not retried at once either)
            nextConnect = System.nanoTime() + RECONNECT_MILLIS * 1_000_000L;
            tryConnect();
        }
        return waitMillis();
    }

    /** One event of this server's descriptors ({@code token}: which). On the loop's thread. */
    void dispatch(int token, int ev) throws IOException {
        if (token == LISTEN) {
            accept();
        } else if (token == CONNECTION) {
            onConnection(ev);
        } else if (token == WAKEUP) {
            wakeup.drain();
            try {
                device.onWakeup();
            } catch (RuntimeException e) {
                failed("device event", e);
            }
        } else if (token == DEVICE_EVENTS) {
            try {
                device.onDeviceEvents();
            } catch (RuntimeException e) {
                failed("device event", e);
            }
        } else if (token >= KICK) {
            try {
                session.kicked(token - KICK);
            } catch (RuntimeException e) {
                failed("queue " + (token - KICK), e);
            }
        }
    }

    /** The loop stopped with this server still in it (closed, or failed). On the loop's thread. */
    void stopped() {
        try {
            shutdown();
        } finally {
            finished.countDown();
        }
    }

    /** The loop failed with this server in it: its fatal handler runs, unless the server was being closed. */
    void fatal(Throwable cause) {
        if (!closeCalled) {
            onFatal.accept(cause);
        }
    }

    /**
     * A SIGBUS in the front end's shared memory (it truncated or resized the file behind a region), which the JVM
     * raises as an {@link InternalError} in the thread that touched it, possibly a little after the access.
     */
    static boolean isMemoryFault(InternalError e) {
        return e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    void memoryFault(InternalError e) {
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
        if (client && connection == null) {
            deadline = Math.min(deadline, nextConnect);
        }
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        return (int) Math.clamp((deadline - now + 999_999) / 1_000_000, 0, Integer.MAX_VALUE);
    }

    void expireDeadlines() throws IOException {
        if (listenPausedUntil == 0 && connection == null) {
            return;
        }
        long now = System.nanoTime();
        if (listenPausedUntil != 0 && now - listenPausedUntil >= 0) {
            loop.add(listener.fd(), Epoll.IN, slot, LISTEN); // if this fails, the next turn tries again
            listenPausedUntil = 0;
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

    /**
     * This server's work in the loop failed unexpectedly (a descriptor the set refused, say): it drops its connection
     * and goes on listening, and the loop goes on serving every other device.
     */
    void failedInLoop(String what, Exception e) {
        LOG.error("{}: {} failed; dropping the connection, the device keeps its state: {}", name, what, e.toString(),
                e);
        try {
            disconnect();
        } catch (RuntimeException again) {
            LOG.error("{}: dropping the connection failed too: {}", name, again.toString());
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
            if (!waitingLogged) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ECONNREFUSED) {
                    LOG.info("{}: waiting for the front end to listen on {}", name, path.toAbsolutePath());
                } else { // a wrong path or permissions, which the user may yet mend: say so once, keep trying
                    LOG.warn("{}: cannot connect to the front end at {}: {}; trying again every {} ms", name,
                            path.toAbsolutePath(), e.getMessage(), RECONNECT_MILLIS);
                }
                waitingLogged = true;
            }
            return;
        }
        waitingLogged = false;
        if (!claim(s)) {
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
            loop.remove(listener.fd());
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
        if (!claim(s)) {
            LOG.warn("{}: a front end connected while the driver on the {} uses the device; closing the connection"
                    + " (one driver at a time)", name, device.heldBy());
            s.close();
            return;
        }
        attach(s);
    }

    /** Whether the device takes a driver now; a device that fails to answer gets {@code s} closed first. */
    private boolean claim(UnixSocket s) {
        try {
            return device.claim();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void attach(UnixSocket s) throws IOException {
        try {
            s.setNonBlocking(true);
            loop.add(s.fd(), Epoll.IN | Epoll.RDHUP, slot, CONNECTION);
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
                    loop.modify(connection.fd(), Epoll.OUT | Epoll.RDHUP, slot, CONNECTION);
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
            loop.modify(connection.fd(), Epoll.IN | Epoll.RDHUP, slot, CONNECTION);
        }
    }

    private void disconnect() {
        if (connection == null) {
            return;
        }
        try {
            loop.remove(connection.fd());
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

    private synchronized void shutdown() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        disconnect();
        if (listener != null) {
            if (slot != 0 && listenPausedUntil == 0) {
                try {
                    loop.remove(listener.fd());
                } catch (IOException e) {
                    LOG.debug("{}: {}", name, e.getMessage());
                }
            }
            listener.close();
            if (ownsPath) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("{}: cannot remove {}: {}", name, path, e.getMessage());
                }
            }
        }
        if (slot != 0) {
            try {
                loop.remove(wakeup.fd());
                if (device.eventFd() >= 0) {
                    loop.remove(device.eventFd());
                }
            } catch (IOException e) {
                LOG.debug("{}: {}", name, e.getMessage());
            }
            loop.leave(slot, this);
        }
        wakeup.close();
        LOG.info("{}: stopped", name);
    }

    /**
     * Stops serving: closes the connection and removes the socket file (not one it was given). Waits up to 5 seconds
     * for the loop's thread. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closeCalled) {
                return;
            }
            closeCalled = true;
        }
        boolean done = loop.run("stop " + name, () -> {
            shutdown();
            finished.countDown();
        });
        if (done && ownLoop) {
            loop.close();
        }
    }
}
