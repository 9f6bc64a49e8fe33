package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {
    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(64, 8);

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void takesAnInheritedListeningSocketWithItsPathAndRefusesAnythingElse() throws Exception {
        Path path = dir.resolve("activated.sock");
        try (UnixSocket parent = UnixSocket.listen(path, 4);
                UnixSocket child = UnixSocket.inherited(Fds.dup(parent.fd()))) {
            assertThat(child.path()).isEqualTo(path);
            assertThat(ProcFds.isCloseOnExec(child.fd())).isTrue();
            try (UnixSocket client = UnixSocket.connect(path); UnixSocket accepted = child.accept()) {
                assertThat(accepted.isOpen()).isTrue();
            }
            child.close();
            assertThat(UnixSocket.isLive(path)).as("the parent's descriptor still listens").isTrue();

            try (UnixSocket client = UnixSocket.connect(path)) {
                assertThatThrownBy(() -> inheritedCopy(client.fd()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not listen");
            }
        }
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]) {
            assertThatThrownBy(() -> inheritedCopy(a.fd()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not listen");
        }
        try (EventFd e = EventFd.create()) {
            assertThatThrownBy(() -> inheritedCopy(e.fd()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a socket");
        }
        int closed;
        try (EventFd e = EventFd.create()) {
            closed = e.fd();
        }
        assertThatThrownBy(() -> UnixSocket.inherited(closed)).isInstanceOfSatisfying(LinuxException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> UnixSocket.inherited(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** {@link UnixSocket#inherited} of a copy of {@code fd}; the copy is closed when it is refused. */
    private static UnixSocket inheritedCopy(int fd) throws LinuxException {
        int copy = Fds.dup(fd);
        try {
            return UnixSocket.inherited(copy);
        } catch (RuntimeException | LinuxException e) {
            Fds.closeQuietly(copy);
            throw e;
        }
    }

    @Test
    void listensConnectsAcceptsAndTalksBothWays() throws Exception {
        Path path = dir.resolve("vgpio.sock");
        try (UnixSocket server = UnixSocket.listen(path, 4);
                UnixSocket client = UnixSocket.connect(path);
                UnixSocket accepted = server.accept()) {
            assertThat(server.path()).isEqualTo(path);
            assertThat(client.path()).isEqualTo(path);
            assertThat(accepted.path()).isNull();
            assertThat(ProcFds.isCloseOnExec(accepted.fd())).isTrue();

            buf.set(ValueLayout.JAVA_LONG, 0, 0x1122_3344_5566_7788L);
            client.sendFully(buf, 0, 8, null, 0);
            accepted.receiveFully(buf, 8, 8, new FdSet(1));
            assertThat(buf.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0x1122_3344_5566_7788L);

            buf.set(ValueLayout.JAVA_INT, 16, 99);
            assertThat(accepted.send(buf, 16, 4, null, 0)).isEqualTo(4);
            assertThat(client.receive(buf, 20, 4, null)).isEqualTo(4);
            assertThat(buf.get(ValueLayout.JAVA_INT, 20)).isEqualTo(99);

            assertThat(UnixSocket.isLive(path)).isTrue();
            assertThatThrownBy(() -> UnixSocket.listen(path, 1))
                    .isInstanceOfSatisfying(LinuxException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE))
                    .hasMessageContaining("bind(" + path + ")");
        }
        assertThat(Files.exists(path)).isTrue();
        assertThat(UnixSocket.isLive(path)).isFalse();
        Files.delete(path);
        assertThat(UnixSocket.isLive(path)).isFalse();
    }

    @Test
    void connectingToAMissingPathNamesThePath() {
        Path path = dir.resolve("missing.sock");
        assertThatThrownBy(() -> UnixSocket.connect(path))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("connect(" + path + ") failed: ENOENT (No such file or directory)");
    }

    @Test
    void refusesPathsThatDoNotFitSockaddrUn() {
        Path longPath = Path.of("/tmp/" + "x".repeat(103));
        assertThat(longPath.toString()).hasSize(108);
        assertThatThrownBy(() -> UnixSocket.listen(longPath, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("108 bytes")
                .hasMessageContaining("at most 107");
        assertThatThrownBy(() -> UnixSocket.connect(longPath)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnixSocket.isLive(longPath)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shutdownFromAnotherThreadUnblocksAccept() throws Exception {
        try (UnixSocket server = UnixSocket.listen(dir.resolve("s.sock"), 1)) {
            CompletableFuture<Throwable> result = CompletableFuture.supplyAsync(() -> {
                try {
                    server.accept();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(100);
            server.shutdown();
            assertThat(result.get(5, TimeUnit.SECONDS)).isInstanceOf(AsynchronousCloseException.class);
        }
    }

    @Test
    void shutdownFromAnotherThreadEndsAReceive() throws Exception {
        try (SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            CompletableFuture<Long> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.receive(buf, 0, 8, null);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            b.shutdown();
            assertThat(result.get(5, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void nonBlockingSocketsReportNothingPending() throws Exception {
        try (UnixSocket server = UnixSocket.listen(dir.resolve("nb.sock"), 1)) {
            server.setNonBlocking(true);
            assertThat(server.accept()).isNull();
        }
        try (SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            b.setNonBlocking(true);
            assertThat(b.receive(buf, 0, 8, null)).isEqualTo(-1);
            a.send(buf, 0, 3, null, 0);
            assertThat(b.receive(buf, 0, 8, null)).isEqualTo(3);
        }
    }

    @Test
    void endOfFileIsZeroAndFailsReceiveFully() throws Exception {
        try (SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            a.send(buf, 0, 3, null, 0);
            a.close();
            assertThat(a.isOpen()).isFalse();
            a.close();
            assertThatThrownBy(() -> b.receiveFully(buf, 0, 8, null))
                    .isInstanceOf(EOFException.class).hasMessage("peer closed the connection");
            assertThat(b.receive(buf, 0, 8, null)).isZero();
            assertThatThrownBy(() -> b.send(buf, 0, 1, null, 0))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPIPE));
        }
    }

    @Test
    void receiveTimeoutIsEagain() throws Exception {
        try (SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            b.setReceiveTimeout(Duration.ofMillis(50));
            assertThatThrownBy(() -> b.receive(buf, 0, 8, null))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN))
                    .hasMessageContaining("receive timeout");
            b.setReceiveTimeout(Duration.ZERO);
        }
    }

    @Test
    void closedSocketsRefuseWork() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        pair[1].close();
        pair[0].close();
        assertThatThrownBy(() -> pair[0].receive(buf, 0, 8, null)).hasMessage("socket is closed");
        pair[0].shutdown();
    }
}
