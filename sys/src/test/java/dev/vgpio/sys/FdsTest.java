package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FdsTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void readsAndWritesThroughDescriptors() throws Exception {
        try (SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            MemorySegment out = arena.allocateFrom("hello", java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(Fds.write(a.fd(), out, 5)).isEqualTo(5);
            MemorySegment in = arena.allocate(16);
            assertThat(Fds.read(b.fd(), in, 16)).isEqualTo(5);
            assertThat(in.getString(0, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello");

            Fds.setNonBlocking(b.fd(), true);
            assertThat(Fds.read(b.fd(), in, 16)).isEqualTo(-1);
            Fds.setNonBlocking(b.fd(), false);
        }
    }

    @Test
    void refusesHeapBuffersAndOverlongLengths() {
        assertThatThrownBy(() -> Fds.read(0, MemorySegment.ofArray(new byte[4]), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
        assertThatThrownBy(() -> Fds.write(1, arena.allocate(4), 5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void sizesDuplicatesAndClosesFiles() throws Exception {
        int fd = MemFd.create("fds-test", 8192);
        assertThat(Fds.fileSize(fd)).isEqualTo(8192);
        assertThat(Fds.isRegularFile(fd)).isTrue();
        Fds.ftruncate(fd, 4096);
        int copy = Fds.dup(fd);
        assertThat(copy).isNotEqualTo(fd);
        assertThat(Fds.fileSize(copy)).isEqualTo(4096);
        assertThat(ProcFds.isCloseOnExec(copy)).isTrue();
        Fds.close(copy);
        Fds.close(fd);
        assertThatThrownBy(() -> Fds.close(fd))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageContaining("close(fd " + fd + ")");
        Fds.closeQuietly(fd);
        Fds.closeQuietly(-1);
    }

    @Test
    void fdSetTakesClearsAndClosesAll() throws Exception {
        FdSet set = new FdSet(3);
        EventFd a = EventFd.create();
        EventFd b = EventFd.create();
        set.add(Fds.dup(a.fd()));
        set.add(Fds.dup(b.fd()));
        assertThat(set.count()).isEqualTo(2);
        assertThat(set.remaining()).isEqualTo(1);
        int kept = set.take(1);
        assertThat(set.get(1)).isEqualTo(-1);
        assertThatThrownBy(() -> set.take(1)).isInstanceOf(IllegalStateException.class);
        int closed = set.get(0);
        set.closeAll();
        assertThat(set.count()).isZero();
        assertThat(ProcFds.isOpen(closed)).isFalse();
        assertThat(ProcFds.isOpen(kept)).isTrue();
        assertThatThrownBy(() -> set.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
        Fds.close(kept);
        a.close();
        b.close();
    }

    @Test
    void theFileSystemOfAFileIsFoundWithoutTouchingIt() throws Exception {
        int memfd = MemFd.create("fs-test", 4096);
        try {
            org.assertj.core.api.Assertions.assertThat(Fds.fileSystemType(memfd)).as("a memfd is on no mount")
                    .isEmpty();
        } finally {
            Fds.closeQuietly(memfd);
        }
        java.nio.file.Path file = java.nio.file.Path.of("/proc/version");
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            int fd = -1;
            try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
                for (java.nio.file.Path p : fds.toList()) {
                    try {
                        if (java.nio.file.Files.readSymbolicLink(p).equals(file)) {
                            fd = Integer.parseInt(p.getFileName().toString());
                        }
                    } catch (java.io.IOException e) {
                        // gone meanwhile
                    }
                }
            }
            org.assertj.core.api.Assertions.assertThat(Fds.fileSystemType(fd)).isEqualTo("proc");
        }
    }
}
