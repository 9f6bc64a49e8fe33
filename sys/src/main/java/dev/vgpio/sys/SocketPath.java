package dev.vgpio.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;

/**
 * Creating the file of a listening Unix socket so that nobody else can reach it at any moment. Stale files are
 * replaced and live sockets never taken over ({@link #claim}).
 *
 * <p>{@link #bindPrivately} binds the socket inside a fresh directory of mode 0700 beside the target, gives it its
 * final mode and group there, and renames it into place: the socket appears at its path with its final mode, and no
 * path-based {@code chmod} or {@code chown} ever runs on a name another user could replace. The private directory
 * is reached through its descriptor ({@code /proc/self/fd/N}), not its name, once it is open.
 */
public final class SocketPath {
    private SocketPath() {
    }

    static final int O_PATH = 0x200000;
    static final int O_DIRECTORY = 0x10000;
    static final int O_NOFOLLOW = 0x20000;
    static final int O_CLOEXEC = 0x80000;
    static final int AT_FDCWD = -100;
    static final int RENAME_NOREPLACE = 1;
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    /** Binds a socket of some kind at a path. */
    @FunctionalInterface
    public interface Binder<T extends AutoCloseable> {
        /** Creates the socket and binds it to {@code at} (a path inside the private directory). */
        T bind(Path at) throws IOException;
    }

    /**
     * Makes {@code path} free for a new listening socket.
     *
     * @return true if a stale socket file (nothing listening on it) was removed
     * @throws IOException if a live process serves the path, the path is not a socket, or its directory is missing
     */
    public static boolean claim(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new IOException("cannot create socket " + path + ": directory " + dir + " does not exist");
            }
            return false;
        }
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isOther()) {
            throw new IOException(path + " exists and is not a socket; choose another socket path");
        }
        if (UnixSocket.isLive(path)) {
            throw new IOException("another process is already serving " + path
                    + "; stop it or choose another socket path");
        }
        Files.delete(path);
        return true;
    }

    /**
     * Creates a socket with {@code binder} and puts it at {@code target} with the mode and group of {@code access},
     * never reachable by anyone else on the way. {@code target} must not exist (see {@link #claim}); if something
     * appears there meanwhile, this fails rather than replace it.
     *
     * @throws IOException with a message naming the step that failed (the directory is not writable, the group
     *                     does not exist or this user is not in it, another socket appeared at {@code target})
     */
    public static <T extends AutoCloseable> T bindPrivately(Path target, SocketAccess access, Binder<T> binder)
            throws IOException {
        Libc.requireSupported();
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        GroupPrincipal group = access.group() == null ? null : lookUpGroup(parent, access.group());
        Path staging;
        try {
            staging = createPrivateDirectory(parent);
        } catch (IOException e) {
            throw new IOException("cannot create socket " + target + ": cannot create a private directory in "
                    + parent + " (" + e.getMessage() + ")", e);
        }
        int dirFd = -1;
        try {
            dirFd = openDirectory(staging);
            Path dir = Path.of("/proc/self/fd/" + dirFd);
            requireOwnDirectory(dir, staging);
            Files.setPosixFilePermissions(dir, PRIVATE_DIR); // a umask may have left it narrower
            Path inside = dir.resolve("socket");
            T bound = binder.bind(inside);
            try {
                Files.setPosixFilePermissions(inside, access.mode());
                if (group != null) {
                    setGroup(inside, group, target);
                }
                renameNoReplace(inside, absolute);
            } catch (IOException | RuntimeException e) {
                closeQuietly(bound);
                Files.deleteIfExists(inside);
                throw e;
            }
            return bound;
        } finally {
            if (dirFd >= 0) {
                Fds.closeQuietly(dirFd);
            }
            try {
                Files.deleteIfExists(staging);
            } catch (IOException e) {
                // the directory is private and empty or not ours any more; nothing to do about it
            }
        }
    }

    /**
     * A new directory {@code .vgpio-N} in {@code parent}, mode 0700 or narrower. The name need not be secret:
     * mkdir fails on anything already there (a file, a link another user planted), and then the next name is tried.
     * ({@link Files#createTempDirectory} would do as well but seeds a {@link java.security.SecureRandom} first, which
     * costs a daemon tens of milliseconds before its socket listens.)
     */
    static Path createPrivateDirectory(Path parent) throws IOException {
        java.util.random.RandomGenerator random = java.util.concurrent.ThreadLocalRandom.current();
        FileAlreadyExistsException taken = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            Path dir = parent.resolve(".vgpio-" + Long.toUnsignedString(random.nextLong(), 36));
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            } catch (FileAlreadyExistsException e) {
                taken = e;
            }
        }
        throw new IOException("100 names tried were all taken", taken);
    }

    private static GroupPrincipal lookUpGroup(Path dir, String name) throws IOException {
        try {
            return dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("there is no group named '" + name + "' (see getent group)", e);
        }
    }

    private static void setGroup(Path socket, GroupPrincipal group, Path target) throws IOException {
        try {
            Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setGroup(group);
        } catch (FileSystemException e) {
            throw new IOException("cannot give socket " + target + " to group " + group.getName()
                    + ": this user must be root or a member of the group (" + e.getReason() + ")", e);
        }
    }

    private static int openDirectory(Path dir) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.open(arena.allocateFrom(dir.toString()), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                throw new LinuxException("open(" + dir + ")", -fd);
            }
            return fd;
        }
    }

    /** The opened directory must be this user's: another user cannot make one for us to be tricked into. */
    private static void requireOwnDirectory(Path dir, Path name) throws IOException {
        Object owner = Files.getAttribute(dir, "unix:uid");
        if (!(owner instanceof Integer uid) || uid != Libc.geteuid()) {
            throw new IOException("the private directory " + name + " was replaced by one of user " + owner
                    + " while the socket was being created; another user is interfering with that directory");
        }
    }

    private static void renameNoReplace(Path from, Path to) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int r = Libc.renameat2(AT_FDCWD, arena.allocateFrom(from.toString()), AT_FDCWD,
                    arena.allocateFrom(to.toString()), RENAME_NOREPLACE);
            if (r == -Errno.EINVAL) {
                // a file system without RENAME_NOREPLACE: a hard link also fails if the target exists, atomically
                MemorySegment f = arena.allocateFrom(from.toString());
                r = Libc.link(f, arena.allocateFrom(to.toString()));
                if (r == 0) {
                    Libc.unlink(f);
                }
            }
            if (r == -Errno.EEXIST) {
                throw new IOException("something appeared at " + to + " while the socket was being created; "
                        + "another process is using that path");
            }
            if (r < 0) {
                throw new LinuxException("rename(" + from + ", " + to + ")", -r);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already failing
        }
    }
}
