package dev.vgpio.sys;

import java.lang.foreign.Arena;

/** Anonymous memory files ({@code memfd_create}), the usual backing of guest memory shared between processes. */
public final class MemFd {
    private MemFd() {}

    static final int MFD_CLOEXEC = 1;

    /**
     * A new close-on-exec memfd of {@code size} bytes (zero-filled); the caller owns the returned descriptor.
     *
     * @param name shown in {@code /proc/PID/fd} as {@code /memfd:name}; at most 249 bytes
     */
    public static int create(String name, long size) throws LinuxException {
        Libc.requireSupported();
        if (size < 0) {
            throw new IllegalArgumentException("negative memfd size " + size);
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Libc.memfdCreate(arena.allocateFrom(name), MFD_CLOEXEC);
        }
        if (fd < 0) {
            throw new LinuxException("memfd_create(" + name + ")", -fd);
        }
        try {
            Fds.ftruncate(fd, size);
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
        return fd;
    }
}
