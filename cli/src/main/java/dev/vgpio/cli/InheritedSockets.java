package dev.vgpio.cli;

import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.UnixSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listening sockets a parent gave {@code vgpio serve}: {@code --fd N} (QEMU's vhost-user back-end convention),
 * or the sockets of systemd's socket activation ({@code LISTEN_FDS} descriptors from 3, for this process when
 * {@code LISTEN_PID} is its pid). Each is found again by the path it is bound to, which is the device's socket.
 */
final class InheritedSockets implements AutoCloseable {
    /** The first descriptor systemd passes ({@code SD_LISTEN_FDS_START}). */
    static final int LISTEN_FDS_START = 3;
    /** More sockets than this in {@code LISTEN_FDS} is a mistake, not a configuration. */
    static final int MAX_SOCKETS = 1024;

    private final Map<Path, UnixSocket> byPath = new LinkedHashMap<>();
    private final String source;

    private InheritedSockets(String source) {
        this.source = source;
    }

    /** No sockets given. */
    static InheritedSockets none() {
        return new InheritedSockets("");
    }

    /**
     * The sockets of {@code fds} ({@code --fd}), or, when there are none, of {@code env}'s {@code LISTEN_FDS} if
     * its {@code LISTEN_PID} is {@code pid}.
     *
     * @throws IllegalArgumentException saying which descriptor is wrong and why
     */
    static InheritedSockets take(List<Integer> fds, Map<String, String> env, long pid) throws LinuxException {
        return take(fds, env, pid, LISTEN_FDS_START);
    }

    static InheritedSockets take(List<Integer> fds, Map<String, String> env, long pid, int listenStart)
            throws LinuxException {
        List<Integer> given = new ArrayList<>();
        String source;
        if (!fds.isEmpty()) {
            given.addAll(fds);
            source = "--fd";
        } else {
            int count = listenFds(env, pid);
            for (int i = 0; i < count; i++) {
                given.add(listenStart + i);
            }
            source = "LISTEN_FDS";
        }
        InheritedSockets result = new InheritedSockets(source);
        try {
            for (int fd : given) {
                if (fd < 0) {
                    throw new IllegalArgumentException("--fd " + fd + " is not a descriptor number");
                }
                UnixSocket s;
                try {
                    s = UnixSocket.inherited(fd);
                } catch (LinuxException e) {
                    throw new IllegalArgumentException(source + ": descriptor " + fd + " is not open ("
                            + e.getMessage() + "); the parent must pass the listening socket there", e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
                }
                if (!s.path().isAbsolute()) {
                    s.close();
                    throw new IllegalArgumentException(source + ": descriptor " + fd + " is bound to the relative"
                            + " path " + s.path() + ", relative to its parent's directory, which this process cannot"
                            + " know; bind the socket to an absolute path");
                }
                UnixSocket before = result.byPath.putIfAbsent(key(s.path()), s);
                if (before != null) {
                    s.close();
                    throw new IllegalArgumentException(source + ": descriptors " + before.fd() + " and " + fd
                            + " are the same socket, " + s.path() + "; give each socket once");
                }
            }
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
        return result;
    }

    /** How many sockets systemd passed this process: 0 without {@code LISTEN_FDS}, or when it is another's. */
    static int listenFds(Map<String, String> env, long pid) {
        String fds = env.get("LISTEN_FDS");
        String owner = env.get("LISTEN_PID");
        if (fds == null || owner == null) {
            return 0;
        }
        try {
            if (Long.parseLong(owner.strip()) != pid) {
                return 0; // meant for another process (a parent that did not clear it)
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LISTEN_PID=" + owner + " is not a process ID");
        }
        int n;
        try {
            n = Integer.parseInt(fds.strip());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > MAX_SOCKETS) {
            throw new IllegalArgumentException("LISTEN_FDS=" + fds + " is not a number of sockets (0 to "
                    + MAX_SOCKETS + ")");
        }
        return n;
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    boolean isEmpty() {
        return byPath.isEmpty();
    }

    /** Where the sockets not yet taken listen, in the order they were given. */
    List<Path> paths() {
        return byPath.values().stream().map(UnixSocket::path).toList();
    }

    /** The given socket bound to {@code socket}'s path, taken out of this set; null if none is. */
    UnixSocket claim(Path socket) {
        return byPath.remove(key(socket));
    }

    /** {@code --fd} or {@code LISTEN_FDS}: where the sockets came from, for messages. */
    String source() {
        return source;
    }

    /** Closes this process's descriptors of the sockets not taken (their parent keeps its own). */
    @Override
    public void close() {
        byPath.values().forEach(UnixSocket::close);
        byPath.clear();
    }
}
