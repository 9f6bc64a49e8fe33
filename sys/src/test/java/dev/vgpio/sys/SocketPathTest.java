package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sockets appear with their final mode, or not at all: with a umask that would make them world-writable, a thread
 * that watches the path never sees another mode, and one that swaps the path for a symlink never gets a file
 * behind it changed.
 */
class SocketPathTest {
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;
    Path target;
    int umask;

    @BeforeEach
    void openUmask() {
        target = dir.resolve("gpio.sock");
        umask = Libc.umask(0);
    }

    @AfterEach
    void restoreUmask() {
        Libc.umask(umask);
    }

    @Test
    void theSocketIsNeverSeenWithAnotherModeThanItsFinalOne() throws Exception {
        List<String> seen = watchWhile(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                try (UnixSocket s = UnixSocket.listenPrivately(target, 1, SocketAccess.OWNER)) {
                    assertThat(s.path()).isEqualTo(target);
                    assertThat(UnixSocket.isLive(target)).isTrue();
                }
                Files.delete(target);
            }
        });
        assertThat(seen).as("modes a watcher saw at the path").isNotEmpty().containsOnly("rw------- root");
    }

    @Test
    void aGroupSocketIsNeverSeenBeforeItHasItsGroup() throws Exception {
        List<String> seen = watchWhile(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                UnixSocket.listenPrivately(target, 1, SocketAccess.group("daemon")).close();
                Files.delete(target);
            }
        });
        assertThat(seen).isNotEmpty().containsOnly("rw-rw---- daemon");
    }

    @Test
    void aSymlinkSwappedInNeverGetsItsTargetChanged() throws Exception {
        Path victim = Files.createFile(dir.resolve("victim"));
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread attacker = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                try {
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, victim);
                    swaps.incrementAndGet();
                } catch (IOException e) {
                    // lost a race with the creator: try again
                }
            }
        });
        int created = 0;
        int refused = 0;
        try {
            for (int i = 0; i < ROUNDS; i++) {
                try {
                    UnixSocket.listenPrivately(target, 1, SocketAccess.OWNER).close();
                    created++;
                } catch (IOException e) {
                    assertThat(e).hasMessageContaining(target.toString());
                    refused++;
                }
            }
        } finally {
            done.set(true);
            attacker.join();
        }
        assertThat(swaps.get()).as("the attacker ran").isPositive();
        assertThat(created + refused).isEqualTo(ROUNDS);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim))).isEqualTo("rw-r--r--");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vgpio-"));
        }
    }

    @Test
    void theStagingDirectoriesAreNewPrivateAndDistinct() throws IOException {
        Path a = SocketPath.createPrivateDirectory(dir);
        Path b = SocketPath.createPrivateDirectory(dir);
        assertThat(a).isNotEqualTo(b).hasParent(dir);
        assertThat(a.getFileName().toString()).startsWith(".vgpio-");
        for (Path p : List.of(a, b)) {
            assertThat(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).isTrue();
            assertThat(Files.getPosixFilePermissions(p)).as("0700 or narrower (a umask)")
                    .noneMatch(m -> m.name().startsWith("GROUP_") || m.name().startsWith("OTHERS_"));
        }
        assertThatThrownBy(() -> SocketPath.createPrivateDirectory(dir.resolve("missing")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void somethingAtThePathIsNotReplaced() throws IOException {
        Files.writeString(target, "not yours");
        assertThatThrownBy(() -> UnixSocket.listenPrivately(target, 1, SocketAccess.OWNER))
                .isInstanceOf(IOException.class).hasMessageContaining("something appeared at " + target);
        assertThat(Files.readString(target)).isEqualTo("not yours");
    }

    @Test
    void anUnknownGroupIsAClearError() {
        assertThatThrownBy(() -> UnixSocket.listenPrivately(target, 1, SocketAccess.group("no-such-group-x")))
                .isInstanceOf(IOException.class).hasMessageContaining("no group named 'no-such-group-x'");
        assertThat(target).doesNotExist();
    }

    @Test
    void aMissingDirectoryIsAClearError() {
        Path nowhere = dir.resolve("missing/gpio.sock");
        assertThatThrownBy(() -> UnixSocket.listenPrivately(nowhere, 1, SocketAccess.OWNER))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot create a private directory in");
    }

    interface Work {
        void run() throws Exception;
    }

    /** Runs {@code work} while another thread records the mode and group of every file it finds at the target. */
    private List<String> watchWhile(Work work) throws Exception {
        List<String> seen = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                try {
                    PosixFileAttributes a = Files.readAttributes(target, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    String s = PosixFilePermissions.toString(a.permissions()) + " " + a.group().getName();
                    synchronized (seen) {
                        seen.add(s);
                    }
                } catch (IOException e) {
                    // nothing there now
                }
            }
        });
        try {
            work.run();
        } finally {
            done.set(true);
            watcher.join();
        }
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }
}
