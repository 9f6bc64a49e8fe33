package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux epoll instance (close-on-exec). Each registered descriptor carries a 64-bit data word that
 * {@link #await} reports with its events. {@link #await} allocates nothing; registration may be called from any
 * thread, also while another thread waits.
 */
public final class Epoll implements AutoCloseable {
    /** Readable ({@code EPOLLIN}). */
    public static final int IN = 0x1;
    /** Writable ({@code EPOLLOUT}). */
    public static final int OUT = 0x4;
    /** Error condition, always reported ({@code EPOLLERR}). */
    public static final int ERR = 0x8;
    /** Hang-up, always reported ({@code EPOLLHUP}). */
    public static final int HUP = 0x10;
    /** The peer shut down its writing side ({@code EPOLLRDHUP}). */
    public static final int RDHUP = 0x2000;
    /**
     * Edge-triggered ({@code EPOLLET}): a readiness is reported once, when it arises, not while it lasts. An
     * eventfd wakes its waiters on every write, so with this flag each signal is reported once and the counter
     * need not be read: one system call less per notification, as Linux's in-kernel vhost and irqfd do.
     */
    public static final int EDGE = 0x8000_0000;

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int CTL_ADD = 1;
    static final int CTL_DEL = 2;
    static final int CTL_MOD = 3;

    private final OwnedFd fd;
    private final MemorySegment event = Arena.ofAuto().allocate(EpollEvents.SIZE, 8);

    private Epoll(int fd) {
        this.fd = new OwnedFd(fd);
    }

    public static Epoll create() throws LinuxException {
        Libc.requireSupported();
        int fd = Libc.epollCreate1(EPOLL_CLOEXEC);
        if (fd < 0) {
            throw new LinuxException("epoll_create1", -fd);
        }
        return new Epoll(fd);
    }

    /**
     * The epoll descriptor itself, which is readable while any watched descriptor is ready: another epoll instance
     * (an event loop) can watch it, so that a set of descriptors that changes looks like one to that loop.
     */
    public int fd() {
        return fd.get();
    }

    /** Watches {@code fd} for {@code events} (a mask of {@link #IN}, {@link #OUT}, ...), reporting {@code data}. */
    public void add(int fd, int events, long data) throws LinuxException {
        ctl(CTL_ADD, "ADD", fd, events, data);
    }

    /** Changes the events and data of a watched descriptor. */
    public void modify(int fd, int events, long data) throws LinuxException {
        ctl(CTL_MOD, "MOD", fd, events, data);
    }

    /** Stops watching {@code fd}; a descriptor not watched (ENOENT) or already closed (EBADF) is ignored. */
    public void remove(int fd) throws LinuxException {
        int r = Libc.epollCtl(this.fd.get(), CTL_DEL, fd, MemorySegment.NULL);
        if (r < 0 && r != -Errno.ENOENT && r != -Errno.EBADF) {
            throw new LinuxException("epoll_ctl(DEL, fd " + fd + ")", -r);
        }
    }

    private synchronized void ctl(int op, String name, int target, int events, long data) throws LinuxException {
        event.set(ValueLayout.JAVA_INT, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, data);
        int r = Libc.epollCtl(fd.get(), op, target, event);
        if (r < 0) {
            throw new LinuxException("epoll_ctl(" + name + ", fd " + target + ")", -r);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: do not wait) for events and stores them in {@code out}:
     * returns how many, 0 on timeout or when a signal interrupted the wait (EINTR).
     */
    public int await(EpollEvents out, int timeoutMillis) throws LinuxException {
        int r = Libc.epollWait(fd.get(), out.segment(), out.capacity(), timeoutMillis);
        if (r >= 0) {
            return r;
        }
        if (r == -Errno.EINTR) {
            return 0;
        }
        throw new LinuxException("epoll_wait(fd " + fd + ")", -r);
    }

    /** Closes the epoll descriptor; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "Epoll[fd=" + fd + "]";
    }
}
