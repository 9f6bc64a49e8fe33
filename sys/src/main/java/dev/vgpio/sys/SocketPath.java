package dev.vgpio.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/** Preparing the path of a listening Unix socket: stale files are replaced, live sockets are never taken over. */
public final class SocketPath {
    private SocketPath() {
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

    /** Restricts a socket file to its owner (mode 0600). */
    public static void makePrivate(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }
}
