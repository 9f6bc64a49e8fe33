package dev.vgpio.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file descriptor that one object owns and closes exactly once, however many threads race to close it; reading it
 * is one volatile load (no allocation), so the hot paths of {@link EventFd}, {@link Epoll} and {@link UnixSocket}
 * can use it.
 */
final class OwnedFd {
    private final AtomicInteger fd;

    OwnedFd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    /** The descriptor, or -1 once closed. */
    int get() {
        return fd.get();
    }

    boolean isOpen() {
        return fd.get() >= 0;
    }

    /** Closes the descriptor if no one has yet; later calls do nothing. */
    void close() {
        Fds.closeQuietly(fd.getAndSet(-1));
    }

    @Override
    public String toString() {
        return Integer.toString(fd.get());
    }
}
