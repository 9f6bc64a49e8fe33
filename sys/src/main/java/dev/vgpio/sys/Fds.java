package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain file-descriptor operations. Buffers passed to {@link #read} and {@link #write} must be native segments
 * that stay alive for the call; these two allocate nothing.
 */
public final class Fds {
    private Fds() {}

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int O_NONBLOCK = 0x800;
    static final long STAT_SIZE = 144;
    static final long ST_MODE = 24;
    static final long ST_SIZE = 48;
    static final int S_IFMT = 0xf000;
    static final int S_IFREG = 0x8000;

    /** Closes {@code fd}. EINTR counts as success (Linux has released the descriptor by then). */
    public static void close(int fd) throws LinuxException {
        Libc.requireSupported();
        int r = Libc.close(fd);
        if (r < 0 && r != -Errno.EINTR) {
            throw new LinuxException("close(fd " + fd + ")", -r);
        }
    }

    /** Closes {@code fd} and ignores every error; a negative {@code fd} is ignored. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            Libc.requireSupported();
            Libc.close(fd);
        }
    }

    /** A new descriptor for the same open file, with close-on-exec set ({@code fcntl(F_DUPFD_CLOEXEC)}). */
    public static int dup(int fd) throws LinuxException {
        Libc.requireSupported();
        int r = Libc.fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (r < 0) {
            throw new LinuxException("dup(fd " + fd + ")", -r);
        }
        return r;
    }

    /**
     * What {@code fd} is, as {@code /proc/self/fd} shows it: a path for files, {@code pipe:[N]},
     * {@code socket:[N]}, {@code anon_inode:[eventfd]} and so on (cold path: it reads a link in /proc).
     *
     * @throws LinuxException with EBADF if {@code fd} is not open
     */
    public static String describe(int fd) throws LinuxException {
        Libc.requireSupported();
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException e) {
            throw new LinuxException("readlink(/proc/self/fd/" + fd + ")", Errno.EBADF);
        }
    }

    /**
     * The type of the file system {@code fd}'s file lives on ({@code tmpfs}, {@code ext4}, {@code fuse.sshfs}...),
     * found in /proc without touching the file itself, so that a file system whose daemon does not answer cannot
     * make this wait; the empty string for files on no mounted file system (memfds, pipes, eventfds).
     */
    public static String fileSystemType(int fd) throws LinuxException {
        Libc.requireSupported();
        String mountId = null;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("mnt_id:")) {
                    mountId = line.substring(7).trim();
                }
            }
            if (mountId == null) {
                return "";
            }
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 0 && f[0].equals(mountId)) {
                    int dash = java.util.Arrays.asList(f).indexOf("-");
                    return dash >= 0 && dash + 1 < f.length ? f[dash + 1] : "";
                }
            }
            return "";
        } catch (java.io.IOException e) {
            throw new LinuxException("read(/proc/self/fdinfo/" + fd + ")", Errno.EBADF);
        }
    }

    /** Whether {@code O_NONBLOCK} is set on the open file of {@code fd}. */
    public static boolean isNonBlocking(int fd) throws LinuxException {
        Libc.requireSupported();
        int flags = Libc.fcntl(fd, F_GETFL, 0);
        if (flags < 0) {
            throw new LinuxException("fcntl(fd " + fd + ", F_GETFL)", -flags);
        }
        return (flags & O_NONBLOCK) != 0;
    }

    /** Sets or clears {@code O_NONBLOCK}. */
    public static void setNonBlocking(int fd, boolean on) throws LinuxException {
        Libc.requireSupported();
        int flags = Libc.fcntl(fd, F_GETFL, 0);
        if (flags < 0) {
            throw new LinuxException("fcntl(fd " + fd + ", F_GETFL)", -flags);
        }
        int wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags) {
            int r = Libc.fcntl(fd, F_SETFL, wanted);
            if (r < 0) {
                throw new LinuxException("fcntl(fd " + fd + ", F_SETFL)", -r);
            }
        }
    }

    /**
     * Reads up to {@code len} bytes into the start of {@code buf}: the count read (0 at end of file), or -1 if
     * the descriptor is non-blocking and nothing is available. Retries on EINTR.
     */
    public static long read(int fd, MemorySegment buf, long len) throws LinuxException {
        Libc.requireSupported();
        checkBuffer(buf, len);
        while (true) {
            long r = Libc.read(fd, buf, len);
            if (r >= 0) {
                return r;
            }
            if (r == -Errno.EAGAIN) {
                return -1;
            }
            if (r != -Errno.EINTR) {
                throw new LinuxException("read(fd " + fd + ")", (int) -r);
            }
        }
    }

    /**
     * Writes up to {@code len} bytes from the start of {@code buf}: the count written, or -1 if the descriptor is
     * non-blocking and cannot take any now. Retries on EINTR.
     */
    public static long write(int fd, MemorySegment buf, long len) throws LinuxException {
        Libc.requireSupported();
        checkBuffer(buf, len);
        while (true) {
            long r = Libc.write(fd, buf, len);
            if (r >= 0) {
                return r;
            }
            if (r == -Errno.EAGAIN) {
                return -1;
            }
            if (r != -Errno.EINTR) {
                throw new LinuxException("write(fd " + fd + ")", (int) -r);
            }
        }
    }

    /** The size in bytes of the file open as {@code fd} ({@code fstat}'s {@code st_size}). */
    public static long fileSize(int fd) throws LinuxException {
        return stat(fd).get(ValueLayout.JAVA_LONG, ST_SIZE);
    }

    /** Whether {@code fd} is a regular file (memfds and files on tmpfs or hugetlbfs are). */
    public static boolean isRegularFile(int fd) throws LinuxException {
        return (stat(fd).get(ValueLayout.JAVA_INT, ST_MODE) & S_IFMT) == S_IFREG;
    }

    /** Sets the size of the file open as {@code fd}. */
    public static void ftruncate(int fd, long size) throws LinuxException {
        Libc.requireSupported();
        if (size < 0) {
            throw new IllegalArgumentException("negative file size " + size);
        }
        int r;
        do {
            r = Libc.ftruncate(fd, size);
        } while (r == -Errno.EINTR);
        if (r < 0) {
            throw new LinuxException("ftruncate(fd " + fd + ", " + size + ")", -r);
        }
    }

    private static MemorySegment stat(int fd) throws LinuxException {
        Libc.requireSupported();
        MemorySegment st = Arena.ofAuto().allocate(STAT_SIZE, 8);
        int r = Libc.fstat(fd, st);
        if (r < 0) {
            throw new LinuxException("fstat(fd " + fd + ")", -r);
        }
        return st;
    }

    static void checkBuffer(MemorySegment buf, long len) {
        if (!buf.isNative()) {
            throw new IllegalArgumentException("the buffer must be a native memory segment, not " + buf);
        }
        if (len < 0 || len > buf.byteSize()) {
            throw new IndexOutOfBoundsException("length " + len + " outside a buffer of " + buf.byteSize() + " bytes");
        }
    }
}
