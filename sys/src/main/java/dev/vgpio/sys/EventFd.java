package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux eventfd: a counter that one side {@link #signal}s and the other {@link #drain}s, typically watched with
 * {@link Epoll}. Created non-blocking and close-on-exec. {@link #signal} and {@link #drain} allocate nothing and may
 * be called from any thread.
 */
public final class EventFd implements AutoCloseable {
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private final OwnedFd fd;
    /** Received from a peer ({@link #adoptChecked}): its open file, and so its O_NONBLOCK, is shared. */
    private final boolean shared;
    /** While a signal of a shared eventfd writes: when it started ({@link System#nanoTime()} with bit 0 set). */
    private volatile long signalSince;
    /** The guard drained the counter under a write the peer made wait. */
    private volatile boolean rescued;
    private final Object guardLock = new Object();
    /** A duplicate the guard reads through, closed with this one. */
    private int guardFd = -1;

    private EventFd(int fd) {
        this(fd, false);
    }

    private EventFd(int fd, boolean shared) {
        this.fd = new OwnedFd(fd);
        this.shared = shared;
    }

    /** A new eventfd with counter 0, non-blocking and close-on-exec. */
    public static EventFd create() throws LinuxException {
        Libc.requireSupported();
        int fd = Libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) {
            throw new LinuxException("eventfd", -fd);
        }
        return new EventFd(fd);
    }

    /**
     * Takes ownership of {@code fd}, an eventfd received from elsewhere (such as a vhost-user kick or call fd).
     * It is used as it is: if it is blocking, {@link #drain} blocks until it is signalled.
     */
    public static EventFd adopt(int fd) {
        Libc.requireSupported();
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor " + fd);
        }
        return new EventFd(fd);
    }

    /**
     * Takes ownership of {@code fd}, received from a peer that is not trusted (a vhost-user front end's kick, call
     * or err fd), after checking that it is an eventfd, and makes it non-blocking (the flag belongs to the open
     * file, which the peer shares; eventfds that front ends share are non-blocking already), so that a signal on a
     * counter the peer let fill up never blocks the caller. The caller still owns {@code fd} if this throws.
     *
     * @throws java.io.IOException if {@code fd} is something else (a pipe, a file, a socket), named in the message
     *                             as {@code /proc} shows it
     */
    public static EventFd adoptChecked(int fd) throws java.io.IOException {
        String kind = Fds.describe(fd);
        if (!kind.equals("anon_inode:[eventfd]")) {
            throw new java.io.IOException("fd " + fd + " is " + kind + ", not an eventfd");
        }
        Fds.setNonBlocking(fd, true);
        EventFd e = new EventFd(fd, true);
        e.guardFd = Fds.dup(fd);
        PeerEventFdGuard.watch(e);
        return e;
    }

    /** The descriptor, or -1 once closed. */
    public int fd() {
        return fd.get();
    }

    /**
     * Adds 1 to the counter. A counter already at its maximum (EAGAIN) is left as it is: it is signalled anyway.
     * On an eventfd from a peer, which shares O_NONBLOCK with this process, the flag is checked first: a peer that
     * cleared it is refused with EAGAIN rather than given a write that could block. A peer that clears it between
     * the check and the write, with its counter at the maximum, makes the write wait at most about 150 ms: the
     * {@link PeerEventFdGuard} drains the counter, and the signal fails with EAGAIN so that the caller drops it.
     */
    public void signal() throws LinuxException {
        signal(true);
    }

    /** {@link #signal()}, optionally without the flag check (tests stand in for a peer that wins the race). */
    void signal(boolean checkFlag) throws LinuxException {
        int f = fd.get();
        if (!shared) {
            write(f);
            return;
        }
        if (checkFlag && !Fds.isNonBlocking(f)) {
            throw new LinuxException("write(eventfd " + f + "): the peer made it blocking", Errno.EAGAIN);
        }
        signalSince = System.nanoTime() | 1;
        try {
            write(f);
        } finally {
            signalSince = 0;
        }
        if (rescued) {
            rescued = false;
            throw new LinuxException("write(eventfd " + f + "): the peer made it wait (its counter was drained to"
                    + " let it through)", Errno.EAGAIN);
        }
    }

    private static void write(int f) throws LinuxException {
        while (true) {
            long r = Libc.write(f, ONE, 8);
            if (r >= 0 || r == -Errno.EAGAIN) {
                return;
            }
            if (r != -Errno.EINTR) {
                throw new LinuxException("write(eventfd " + f + ")", (int) -r);
            }
        }
    }

    /** Called by the guard: drains the counter if a signal has waited too long. */
    void rescueIfStuck(long now, MemorySegment iov) {
        long since = signalSince;
        if (since == 0 || now - since < PeerEventFdGuard.STUCK_NANOS) {
            return;
        }
        synchronized (guardLock) {
            // only a write that the kernel holds is let through: one that is merely slow (this thread preempted,
            // a slow machine) is left to finish, its signal kept
            if (guardFd >= 0 && PeerEventFdGuard.wouldBlock(guardFd)) {
                rescued = true;
                PeerEventFdGuard.drain(guardFd, iov);
            }
        }
    }

    /** Reads and resets the counter: the count of signals since the last drain, or 0 if there were none. */
    public long drain() throws LinuxException {
        int f = fd.get();
        MemorySegment scratch = Libc.scratch();
        while (true) {
            long r = Libc.read(f, scratch, 8);
            if (r == 8) {
                return scratch.get(ValueLayout.JAVA_LONG, 0);
            }
            if (r == -Errno.EAGAIN) {
                return 0;
            }
            if (r != -Errno.EINTR) {
                throw new LinuxException("read(eventfd " + f + ")", (int) (r < 0 ? -r : Errno.EINVAL));
            }
        }
    }

    /** Whether it has not been closed. */
    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        if (shared) {
            PeerEventFdGuard.unwatch(this);
            synchronized (guardLock) {
                Fds.closeQuietly(guardFd);
                guardFd = -1;
            }
        }
        fd.close();
    }

    @Override
    public String toString() {
        return "EventFd[fd=" + fd + "]";
    }
}
