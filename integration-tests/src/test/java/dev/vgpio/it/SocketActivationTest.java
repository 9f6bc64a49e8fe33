package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vgpio serve} started the way systemd starts it: on a listening socket it is given (LISTEN_FDS, or
 * {@code --fd}), which outlives the daemon, so that a restarted daemon serves the same socket.
 */
class SocketActivationTest {
    private static final Path JAR = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
    private static final Path HOLDER = GuestVm.ROOT.resolve(
            "integration-tests/src/test/resources/dev/vgpio/it/socket-holder.pl");

    @TempDir
    Path dir;

    private static List<String> vgpio(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code vgpio info -c socket} as a front end of its own; its output. */
    private String info(Path socket) throws Exception {
        Process p = new ProcessBuilder(vgpio("info", "-c", socket.toString(), "--timeout", "20000"))
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void systemdSocketActivateStartsServeWithNoOtherOptionOnTheBuiltInChip() throws Exception {
        assertThat(JAR).as("the CLI jar is built before the integration tests run").exists();
        Path socket = dir.resolve("activated.sock");
        List<String> command = new ArrayList<>(List.of("systemd-socket-activate", "-l", socket.toString()));
        command.addAll(vgpio("serve"));
        Process daemon = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("serve.out").toFile()).redirectError(dir.resolve("serve.err").toFile())
                .start();
        try {
            await("systemd-socket-activate to listen").atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(socket));
            // systemd-socket-activate starts the daemon on the first connection, as a socket unit does
            assertThat(info(socket)).contains("8 lines").contains("\"LED_RED\"").contains("\"BUTTON_A\"");
            assertThat(read(dir.resolve("serve.err"))).contains("listening on " + socket + " (a socket it was given)");
            assertThat(read(dir.resolve("serve.out"))).contains("path=" + socket);
        } finally {
            daemon.destroy();
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as("vgpio serve stops on SIGTERM").isTrue();
        }
        assertThat(daemon.exitValue()).as(read(dir.resolve("serve.err"))).isZero();
        assertThat(Path.of(socket + ".ctl")).as("the control socket it made is removed").doesNotExist();
    }

    @Test
    void aRestartedDaemonServesTheSameSocketAndAFrontEndThatCameMeanwhileWaitsForIt() throws Exception {
        assertThat(JAR).exists();
        Path socket = dir.resolve("kept.sock");
        List<String> command = new ArrayList<>(List.of("perl", HOLDER.toString(), socket.toString(), "2"));
        command.addAll(vgpio("serve", "--fd", "3", "--chip", "sim:KEPT,OTHER"));
        Path go = dir.resolve("go");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("holder.out").toFile()).redirectError(dir.resolve("serve.err").toFile());
        pb.environment().put("VGPIO_HOLDER_GO", go.toString()); // the second daemon starts when go.2 exists
        Process holder = pb.start();
        try {
            await("the first daemon").atMost(Duration.ofSeconds(10)).until(() -> started().size() == 1);
            assertThat(info(socket)).contains("\"KEPT\"");
            ProcessHandle first = ProcessHandle.of(started().getFirst()).orElseThrow();
            first.destroy();
            await("the first daemon to stop").atMost(Duration.ofSeconds(10))
                    .until(() -> read(dir.resolve("holder.out")).contains("exited 0"));
            assertThat(socket).as("a socket the daemon was given stays for the next one").exists();
            // a front end that connects while no daemon runs waits in the socket's backlog, its first message sent
            try (SocketChannel waiting = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ByteBuffer getFeatures = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(1).putInt(1).putInt(0).flip(); // VHOST_USER_GET_FEATURES, version 1, no payload
                waiting.write(getFeatures);
                assertThat(started()).as("no daemon runs while the front end waits").hasSize(1);
                Files.createFile(Path.of(go + ".2"));
                ByteBuffer reply = CompletableFuture.supplyAsync(() -> readFully(waiting, 20))
                        .get(30, TimeUnit.SECONDS).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(reply.getInt(0)).as("the reply's request").isEqualTo(1);
                assertThat(reply.getInt(4)).as("the reply's flags: version 1, a reply").isEqualTo(5);
                assertThat(reply.getInt(8)).as("the reply's size").isEqualTo(8);
                assertThat(reply.getLong(12) & (1L << 32)).as("the next daemon answers it: VIRTIO_F_VERSION_1")
                        .isNotZero();
            }
            assertThat(info(socket)).as("served by the second daemon").contains("\"KEPT\"").contains("\"OTHER\"");
            assertThat(started()).hasSize(2);
            ProcessHandle.of(started().get(1)).orElseThrow().destroy();
            assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            holder.descendants().forEach(ProcessHandle::destroy);
            holder.destroy();
        }
        assertThat(read(dir.resolve("holder.out"))).contains("exited 0\nstarted").endsWith("exited 0\n");
        assertThat(read(dir.resolve("serve.err"))).doesNotContain("ERROR");
    }

    private static ByteBuffer readFully(SocketChannel channel, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        try {
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new IOException("closed after " + b.position() + " bytes");
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.flip();
    }

    private List<Long> started() throws IOException {
        return read(dir.resolve("holder.out")).lines().filter(l -> l.startsWith("started "))
                .map(l -> Long.parseLong(l.substring(8))).toList();
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
