package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.UnixSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InheritedSocketsTest {
    @TempDir
    Path dir;

    private static boolean isOpen(int fd) {
        return java.nio.file.Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void listenFdsCountsOnlyForThisProcessAndRefusesNonsense() {
        assertThat(InheritedSockets.listenFds(Map.of(), 42)).isZero();
        assertThat(InheritedSockets.listenFds(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "42"), 42)).isEqualTo(2);
        assertThat(InheritedSockets.listenFds(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "41"), 42))
                .as("meant for another process").isZero();
        assertThat(InheritedSockets.listenFds(Map.of("LISTEN_FDS", "2"), 42)).as("no LISTEN_PID").isZero();
        assertThatThrownBy(() -> InheritedSockets.listenFds(Map.of("LISTEN_FDS", "two", "LISTEN_PID", "42"), 42))
                .hasMessage("LISTEN_FDS=two is not a number of sockets (0 to 1024)");
        assertThatThrownBy(() -> InheritedSockets.listenFds(Map.of("LISTEN_FDS", "-1", "LISTEN_PID", "42"), 42))
                .hasMessageContaining("LISTEN_FDS=-1");
        assertThatThrownBy(() -> InheritedSockets.listenFds(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "me"), 42))
                .hasMessage("LISTEN_PID=me is not a process ID");
    }

    @Test
    void givenSocketsAreFoundByTheirPathAndTheRestClosed() throws Exception {
        try (UnixSocket a = UnixSocket.listen(dir.resolve("a.sock"), 1);
                UnixSocket b = UnixSocket.listen(dir.resolve("b.sock"), 1)) {
            int fa = Fds.dup(a.fd());
            int fb = Fds.dup(b.fd());
            try (InheritedSockets given = InheritedSockets.take(List.of(fa, fb), Map.of(), 1)) {
                assertThat(given.source()).isEqualTo("--fd");
                assertThat(given.paths()).containsExactly(dir.resolve("a.sock"), dir.resolve("b.sock"));
                try (UnixSocket claimed = given.claim(dir.resolve("x/../b.sock"))) {
                    assertThat(claimed.fd()).isEqualTo(fb);
                }
                assertThat(given.claim(dir.resolve("b.sock"))).isNull();
                assertThat(given.paths()).containsExactly(dir.resolve("a.sock"));
            }
            assertThat(isOpen(fa)).as("closed with the set").isFalse();
        }
    }

    @Test
    void aDescriptorThatIsNotAListeningSocketIsRefusedSayingWhichAndWhy() throws Exception {
        try (EventFd e = EventFd.create()) {
            int copy = Fds.dup(e.fd());
            try {
                assertThatThrownBy(() -> InheritedSockets.take(List.of(copy), Map.of(), 1))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("--fd: descriptor " + copy + " is not a socket");
            } finally {
                Fds.closeQuietly(copy);
            }
        }
        assertThatThrownBy(() -> InheritedSockets.take(List.of(999), Map.of(), 1))
                .hasMessageStartingWith("--fd: descriptor 999 is not open");
        try (UnixSocket a = UnixSocket.listen(dir.resolve("twice.sock"), 1)) {
            int f1 = Fds.dup(a.fd());
            int f2 = Fds.dup(a.fd());
            assertThatThrownBy(() -> InheritedSockets.take(List.of(f1, f2), Map.of(), 1))
                    .hasMessageContaining("are the same socket");
            assertThat(isOpen(f1) || isOpen(f2)).as("what it took is closed when it refuses").isFalse();
        }
    }
}
