package dev.vgpio.sys;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A Unix-domain stream socket ({@code AF_UNIX, SOCK_STREAM}, close-on-exec) that can pass file descriptors
 * ({@code SCM_RIGHTS}), as vhost-user needs. Sends use {@code MSG_NOSIGNAL} (a closed peer is EPIPE, not SIGPIPE);
 * received descriptors are close-on-exec ({@code MSG_CMSG_CLOEXEC}).
 *
 * <p>Buffers are native memory segments that must stay alive during the call. {@link #send} and {@link #receive}
 * reuse per-socket native headers and allocate nothing; one thread may send while another receives, but two
 * threads must not send (or receive) on the same socket at once.
 *
 * <p>To stop a thread blocked in {@link #accept} or {@link #receive}, call {@link #shutdown()}, then
 * {@link #close()} once that thread has left: closing alone does not wake it on Linux.
 */
public final class UnixSocket implements AutoCloseable {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOCK_NONBLOCK = 0x800;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int SHUT_RDWR = 2;
    static final int SO_TYPE = 3;
    static final int SO_ACCEPTCONN = 30;
    static final int SO_DOMAIN = 39;
    static final int SO_RCVTIMEO = 20;
    static final int SO_SNDTIMEO = 21;
    static final int ENOTCONN = 107;
    static final int ECONNABORTED = 103;
    static final short POLLIN = 1;
    static final short POLLOUT = 4;
    /** The size of {@code sockaddr_un.sun_path}; a path needs one byte less for its terminating NUL. */
    static final int SUN_PATH = 108;


    private final OwnedFd fd;
    private final Path path;
    private volatile boolean nonBlocking;
    private volatile boolean shutDown;
    private final MsgHeader out = new MsgHeader(MsgHeader.MAX_SEND_FDS);
    private final MsgHeader in = new MsgHeader(MsgHeader.MAX_RECEIVE_FDS);

    private UnixSocket(int fd, Path path) {
        this.fd = new OwnedFd(fd);
        this.path = path;
    }

    /**
     * A socket bound to {@code path} and listening. An existing file at {@code path} is not removed: binding then
     * fails with EADDRINUSE, and the caller decides whether it is stale (see {@link #isLive}). The file gets the
     * mode the umask leaves; a daemon uses {@link #listenPrivately} instead.
     */
    public static UnixSocket listen(Path path, int backlog) throws LinuxException {
        return bindAt(path, path, backlog);
    }

    /**
     * A listening socket at {@code path} that only {@code access} can reach, from the moment it appears there
     * ({@link SocketPath#bindPrivately}). {@code path} must not exist ({@link SocketPath#claim} frees it).
     */
    public static UnixSocket listenPrivately(Path path, int backlog, SocketAccess access) throws IOException {
        pathBytes(path); // the path it will be reached by must fit sockaddr_un, not only the one it is bound at
        return SocketPath.bindPrivately(path, access, at -> bindAt(at, path, backlog));
    }

    /**
     * The listening socket a parent left at descriptor {@code fd}: systemd's socket activation ({@code LISTEN_FDS})
     * or a VMM's {@code --fd}. It must be a Unix stream socket bound to a path and listening; it becomes
     * close-on-exec, and closing it closes only this process's descriptor (the parent keeps its own, and the path
     * stays: it is the parent's).
     *
     * @throws IllegalArgumentException if {@code fd} is something else, saying what it is
     * @throws LinuxException if {@code fd} is not open
     */
    public static UnixSocket inherited(int fd) throws LinuxException {
        Libc.requireSupported();
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor " + fd + " is negative");
        }
        int flags = Libc.fcntl(fd, Fds.F_GETFD, 0);
        if (flags < 0) {
            throw new LinuxException("descriptor " + fd + " (fcntl F_GETFD)", -flags);
        }
        try (Arena arena = Arena.ofConfined()) {
            int domain = intOption(arena, fd, SO_DOMAIN, "SO_DOMAIN");
            int type = domain == AF_UNIX ? intOption(arena, fd, SO_TYPE, "SO_TYPE") : -1;
            if (domain != AF_UNIX || type != SOCK_STREAM) {
                throw new IllegalArgumentException("descriptor " + fd + " is not a Unix stream socket ("
                        + (domain != AF_UNIX ? "address family " + domain : "socket type " + type)
                        + "); a vhost-user back end needs one, as ListenStream= with a path makes it");
            }
            if (intOption(arena, fd, SO_ACCEPTCONN, "SO_ACCEPTCONN") == 0) {
                throw new IllegalArgumentException("descriptor " + fd + " is a Unix socket that does not listen;"
                        + " pass a listening one (Accept=no in a systemd socket unit)");
            }
            MemorySegment address = arena.allocate(2 + SUN_PATH, 8);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, (int) address.byteSize());
            int r = Libc.getsockname(fd, address, length);
            if (r < 0) {
                throw new LinuxException("getsockname(descriptor " + fd + ")", -r);
            }
            int size = Math.min(length.get(ValueLayout.JAVA_INT, 0), (int) address.byteSize()) - 2;
            int end = 0;
            while (end < size && address.get(ValueLayout.JAVA_BYTE, 2 + end) != 0) {
                end++;
            }
            if (size <= 0 || end == 0) {
                throw new IllegalArgumentException("descriptor " + fd + " is a Unix socket with no path ("
                        + (size <= 0 ? "unnamed" : "abstract") + "); a front end finds a back end by its path");
            }
            byte[] name = address.asSlice(2, end).toArray(ValueLayout.JAVA_BYTE);
            r = Libc.fcntl(fd, Fds.F_SETFD, flags | Fds.FD_CLOEXEC);
            if (r < 0) {
                throw new LinuxException("descriptor " + fd + " (fcntl F_SETFD)", -r);
            }
            return new UnixSocket(fd, Path.of(new String(name, fileNameCharset())));
        }
    }

    private static int intOption(Arena arena, int fd, int option, String name) throws LinuxException {
        MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, 4);
        int r = Libc.getsockopt(fd, MsgHeader.SOL_SOCKET, option, value, length);
        if (r == -Errno.ENOTSOCK) {
            throw new IllegalArgumentException("descriptor " + fd + " is not a socket");
        }
        if (r < 0) {
            throw new LinuxException("getsockopt(descriptor " + fd + ", " + name + ")", -r);
        }
        return value.get(ValueLayout.JAVA_INT, 0);
    }

    /** Refuses a path that cannot be connected to (too long for {@code sockaddr_un}, empty, or holding a NUL). */
    public static void checkPath(Path path) {
        pathBytes(path);
    }

    private static UnixSocket bindAt(Path at, Path path, int backlog) throws LinuxException {
        byte[] name = pathBytes(at);
        int fd = newSocket();
        try (Arena arena = Arena.ofConfined()) {
            int r = Libc.bind(fd, sockaddr(arena, name), 2 + name.length + 1);
            if (r < 0) {
                throw new LinuxException("bind(" + path + ")", -r);
            }
            r = Libc.listen(fd, backlog);
            if (r < 0) {
                throw new LinuxException("listen(" + path + ")", -r);
            }
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
        return new UnixSocket(fd, path);
    }

    /** A socket connected to the listener at {@code path}. */
    public static UnixSocket connect(Path path) throws LinuxException {
        return connect(path, false);
    }

    /**
     * A non-blocking socket connected to the listener at {@code path}, or null if the listener's backlog is full
     * (it does not accept): unlike {@link #connect(Path)}, this never waits for the listener.
     */
    public static UnixSocket connectWithoutWaiting(Path path) throws LinuxException {
        return connect(path, true);
    }

    private static UnixSocket connect(Path path, boolean nonBlocking) throws LinuxException {
        byte[] name = pathBytes(path);
        int fd = nonBlocking ? newSocket(SOCK_NONBLOCK) : newSocket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = sockaddr(arena, name);
            int r;
            do {
                r = Libc.connect(fd, address, 2 + name.length + 1);
            } while (r == -Errno.EINTR);
            if (r == -Errno.EAGAIN && nonBlocking) {
                Fds.closeQuietly(fd);
                return null;
            }
            if (r < 0) {
                throw new LinuxException("connect(" + path + ")", -r);
            }
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
        UnixSocket s = new UnixSocket(fd, path);
        s.nonBlocking = nonBlocking;
        return s;
    }

    /** Two sockets connected to each other ({@code socketpair}). */
    public static UnixSocket[] pair() throws LinuxException {
        Libc.requireSupported();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = Libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            if (r < 0) {
                throw new LinuxException("socketpair(AF_UNIX)", -r);
            }
            return new UnixSocket[] {
                new UnixSocket(fds.getAtIndex(ValueLayout.JAVA_INT, 0), null),
                new UnixSocket(fds.getAtIndex(ValueLayout.JAVA_INT, 1), null)
            };
        }
    }

    /**
     * Whether something accepts connections at {@code path}: connects and closes at once (the listener sees a
     * connection that ends immediately). False if nothing is there (ENOENT) or nothing listens (ECONNREFUSED, as
     * for a stale socket file); other errors are thrown.
     */
    public static boolean isLive(Path path) throws LinuxException {
        try {
            connect(path).close();
            return true;
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECONNREFUSED || e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The next connection, blocking until there is one (retrying EINTR); null if this socket is non-blocking and
     * none is pending. After {@link #shutdown()} (also from another thread while this one waits) it throws
     * {@link AsynchronousCloseException}. The new socket is blocking and close-on-exec.
     */
    public UnixSocket accept() throws IOException {
        int f = openFd();
        while (true) {
            int r = Libc.accept4(f, SOCK_CLOEXEC);
            if (r >= 0) {
                return new UnixSocket(r, null);
            }
            if (shutDown) {
                throw new AsynchronousCloseException();
            }
            if (r == -Errno.EAGAIN && nonBlocking) {
                return null;
            }
            if (r != -Errno.EINTR && r != -ECONNABORTED) {
                throw new LinuxException("accept4(" + describe() + ")", -r);
            }
        }
    }

    /** The descriptor, or -1 once closed. */
    public int fd() {
        return fd.get();
    }

    /** The path it listens on or connected to; null for accepted sockets and pairs. */
    public Path path() {
        return path;
    }

    /**
     * One {@code sendmsg} of {@code buf[offset, offset + length)} with {@code fds[0, fdCount)} attached as
     * SCM_RIGHTS (at most 253; sending descriptors needs at least one byte of data). Returns how many bytes were
     * sent, which may be fewer than {@code length}; -1 if the socket is non-blocking and full. Retries EINTR.
     * A blocking send that runs into the send timeout throws {@link LinuxException} with EAGAIN.
     */
    public long send(MemorySegment buf, long offset, long length, int[] fds, int fdCount) throws IOException {
        checkRange(buf, offset, length);
        if (fdCount < 0 || fdCount > MsgHeader.MAX_SEND_FDS) {
            throw new IllegalArgumentException("can send 0 to " + MsgHeader.MAX_SEND_FDS
                    + " file descriptors at once, not " + fdCount);
        }
        if (fdCount > 0 && (fds == null || fds.length < fdCount)) {
            throw new IllegalArgumentException("fdCount " + fdCount + " but the array holds "
                    + (fds == null ? "nothing" : fds.length));
        }
        if (fdCount > 0 && length == 0) {
            throw new IllegalArgumentException("file descriptors need at least one byte of data to travel with");
        }
        int f = openFd();
        out.data(buf.address() + offset, length);
        out.attach(fds, fdCount);
        long n;
        do {
            n = Libc.sendmsg(f, out.segment(), MSG_NOSIGNAL);
        } while (n == -Errno.EINTR);
        if (n >= 0) {
            return n;
        }
        if (n == -Errno.EAGAIN && nonBlocking) {
            return -1;
        }
        throw new LinuxException("sendmsg(" + describe() + (n == -Errno.EAGAIN ? ", send timeout)" : ")"), (int) -n);
    }

    /**
     * One {@code recvmsg} into {@code buf[offset, offset + length)} ({@code length} > 0), appending any descriptors
     * that came with the data to {@code fds}. Returns how many bytes were read, 0 when the peer has closed the
     * connection, -1 if the socket is non-blocking and nothing is pending. Retries EINTR. A blocking receive that
     * runs into the {@linkplain #setReceiveTimeout receive timeout} throws {@link LinuxException} with EAGAIN.
     *
     * <p>If more descriptors arrive than the 16 a receive has room for (MSG_CTRUNC), or more than {@code fds} can
     * hold (or {@code fds} is null), those that arrived are closed and an {@link IOException} is thrown; the bytes
     * of that message are consumed, so the connection is out of step and should be dropped.
     */
    public long receive(MemorySegment buf, long offset, long length, FdSet fds) throws IOException {
        checkRange(buf, offset, length);
        if (length == 0) {
            throw new IllegalArgumentException("cannot receive into an empty range");
        }
        int f = openFd();
        in.data(buf.address() + offset, length);
        in.expectControl();
        long n;
        do {
            n = Libc.recvmsg(f, in.segment(), MSG_CMSG_CLOEXEC);
        } while (n == -Errno.EINTR);
        if (n < 0) {
            if (n == -Errno.EAGAIN && nonBlocking) {
                return -1;
            }
            throw new LinuxException(
                    "recvmsg(" + describe() + (n == -Errno.EAGAIN ? ", receive timeout)" : ")"), (int) -n);
        }
        in.collect(fds);
        return n;
    }

    /**
     * Receives exactly {@code length} bytes, collecting descriptors from every part into {@code fds}. Throws
     * {@link EOFException} if the peer closes first (the descriptors received so far stay in {@code fds}). On a
     * non-blocking socket it waits ({@code poll}) for the rest.
     */
    public void receiveFully(MemorySegment buf, long offset, long length, FdSet fds) throws IOException {
        checkRange(buf, offset, length);
        long done = 0;
        while (done < length) {
            long n = receive(buf, offset + done, length - done, fds);
            if (n == 0) {
                throw new EOFException("peer closed the connection");
            }
            if (n < 0) {
                await(POLLIN);
            } else {
                done += n;
            }
        }
    }

    /**
     * Sends exactly {@code length} bytes; the descriptors go with the first part. On a non-blocking socket it
     * waits ({@code poll}) until the rest can be sent.
     */
    public void sendFully(MemorySegment buf, long offset, long length, int[] fds, int fdCount) throws IOException {
        checkRange(buf, offset, length);
        long done = 0;
        boolean first = true;
        while (first || done < length) {
            long n = send(buf, offset + done, length - done, first ? fds : null, first ? fdCount : 0);
            if (n < 0) {
                await(POLLOUT);
            } else {
                done += n;
                first = false;
            }
        }
    }

    /** Sets or clears {@code O_NONBLOCK}; use this rather than {@link Fds#setNonBlocking}, so that EAGAIN reads right. */
    public void setNonBlocking(boolean on) throws LinuxException {
        Fds.setNonBlocking(fd.get(), on);
        nonBlocking = on;
    }

    /**
     * Sets {@code SO_RCVTIMEO}: a blocking {@link #receive} (and {@link #accept}) that waits longer throws
     * {@link LinuxException} with {@link Errno#EAGAIN}. Zero means no timeout (the default).
     */
    public void setReceiveTimeout(Duration timeout) throws LinuxException {
        setTimeout(SO_RCVTIMEO, "SO_RCVTIMEO", timeout);
    }

    /** Sets {@code SO_SNDTIMEO}, the send counterpart of {@link #setReceiveTimeout}. */
    public void setSendTimeout(Duration timeout) throws LinuxException {
        setTimeout(SO_SNDTIMEO, "SO_SNDTIMEO", timeout);
    }

    /**
     * Shuts both directions down ({@code SHUT_RDWR}): a thread blocked in {@link #receive} sees end of file, one
     * blocked in {@link #accept} gets {@link AsynchronousCloseException}, and the peer sees end of file. Does
     * nothing once closed.
     */
    public void shutdown() throws LinuxException {
        shutDown = true;
        int f = fd.get();
        if (f < 0) {
            return;
        }
        int r = Libc.shutdown(f, SHUT_RDWR);
        if (r < 0 && r != -ENOTCONN) {
            throw new LinuxException("shutdown(" + describe() + ")", -r);
        }
    }

    /** Whether it has not been closed. */
    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Closes the descriptor (the path of a listening socket stays; remove it if wanted); later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "UnixSocket[" + describe() + "]";
    }

    private String describe() {
        return "fd " + fd + (path != null ? " " + path : "");
    }

    private int openFd() throws IOException {
        int f = fd.get();
        if (f < 0) {
            throw new IOException("socket is closed");
        }
        return f;
    }

    private void await(short events) throws IOException {
        int f = openFd();
        MemorySegment pollfd = Libc.scratch();
        pollfd.set(ValueLayout.JAVA_INT, 0, f);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        int r = Libc.poll(pollfd, 1, -1);
        if (r < 0 && r != -Errno.EINTR) {
            throw new LinuxException("poll(" + describe() + ")", -r);
        }
    }

    private void setTimeout(int option, String name, Duration timeout) throws LinuxException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        long seconds = timeout.getSeconds();
        long micros = (timeout.getNano() + 999) / 1000;
        if (micros == 1_000_000) {
            seconds++;
            micros = 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8);
            timeval.set(ValueLayout.JAVA_LONG, 0, seconds);
            timeval.set(ValueLayout.JAVA_LONG, 8, micros);
            int r = Libc.setsockopt(fd.get(), MsgHeader.SOL_SOCKET, option, timeval, 16);
            if (r < 0) {
                throw new LinuxException("setsockopt(" + describe() + ", " + name + ")", -r);
            }
        }
    }

    private static void checkRange(MemorySegment buf, long offset, long length) {
        if (!buf.isNative()) {
            throw new IllegalArgumentException("the buffer must be a native memory segment, not " + buf);
        }
        if (!buf.scope().isAlive()) {
            throw new IllegalStateException("the buffer's arena is closed");
        }
        Objects.checkFromIndexSize(offset, length, buf.byteSize());
    }

    private static int newSocket() throws LinuxException {
        return newSocket(0);
    }

    private static int newSocket(int flags) throws LinuxException {
        int fd = Libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
        if (fd < 0) {
            throw new LinuxException("socket(AF_UNIX)", -fd);
        }
        return fd;
    }

    private static byte[] pathBytes(Path path) {
        Libc.requireSupported();
        byte[] name = path.toString().getBytes(fileNameCharset());
        if (name.length == 0) {
            throw new IllegalArgumentException("empty Unix socket path");
        }
        if (name.length >= SUN_PATH) {
            throw new IllegalArgumentException("Unix socket path is " + name.length + " bytes long, but at most "
                    + (SUN_PATH - 1) + " fit in sockaddr_un: " + path);
        }
        for (byte b : name) {
            if (b == 0) {
                throw new IllegalArgumentException("Unix socket path holds a NUL byte: " + path);
            }
        }
        return name;
    }

    private static MemorySegment sockaddr(Arena arena, byte[] name) {
        MemorySegment address = arena.allocate(2 + SUN_PATH, 8);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
        return address;
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
