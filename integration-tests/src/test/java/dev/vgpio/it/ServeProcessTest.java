package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main command, {@code vgpio serve}, as a separate process serving a real guest; stopped by SIGTERM. */
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void vgpioServeServesTheBuiltInChipToAGuestAndStopsOnSigterm() throws Exception {
        GuestVm.prepare();
        Process daemon = serve(List.of(), "serve");
        Path socket = dir.resolve("vgpio.sock");
        try {
            await("vgpio serve to create ./vgpio.sock").atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(socket));
            await("vgpio serve to print the QEMU options").atMost(Duration.ofSeconds(10))
                    .until(() -> read(dir.resolve("serve.out")).contains("vhost-user-gpio-pci"));
            String printed = read(dir.resolve("serve.out"));
            assertThat(printed).contains("-device vhost-user-gpio-pci,chardev=vgpio0")
                    .contains("path=" + socket.toAbsolutePath());
            LinuxGuestTest.checkDemoChip(dir, "serve", socket);
            assertThat(daemon.isAlive()).as("the daemon outlives the VM").isTrue();
        } finally {
            daemon.destroy(); // SIGTERM
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as("vgpio serve stops on SIGTERM").isTrue();
        }
        assertThat(daemon.exitValue()).as("SIGTERM is a clean stop, status 0").isZero();
        assertThat(socket).as("the socket file is removed on exit").doesNotExist();
        String log = read(dir.resolve("serve.err"));
        assertThat(log).contains("front end connected").contains("negotiated features").contains("stopped");
    }

    @Test
    void withAnOpenUmaskAndSilentFrontEndsTheDaemonStaysPrivateAndStopsOnSigterm() throws Exception {
        Process daemon = serve(List.of("sh", "-c", "umask 000; exec \"$0\" \"$@\""), "serve",
                "--handshake-timeout", "1s");
        Path socket = dir.resolve("vgpio.sock");
        try {
            await("vgpio serve to listen").atMost(Duration.ofSeconds(10))
                    .until(() -> read(dir.resolve("serve.err")).contains("listening on"));
            for (Path p : List.of(socket, Path.of(socket + ".ctl"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
                        .isEqualTo("rw-------");
            }
            try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                await("the handshake deadline to close the silent connection").atMost(Duration.ofSeconds(10))
                        .until(() -> read(dir.resolve("serve.err")).contains("sent no complete message"));
                assertThat(silent.read(ByteBuffer.allocate(1))).as("closed by the daemon").isEqualTo(-1);
            }
            try (SocketChannel dripping = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                dripping.write(ByteBuffer.wrap(new byte[] {1, 0, 0}));
                daemon.destroy(); // SIGTERM while a message is half sent
                assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as("vgpio serve stops on SIGTERM").isTrue();
            }
        } finally {
            daemon.destroyForcibly();
        }
        assertThat(daemon.exitValue()).isZero();
        assertThat(socket).doesNotExist();
        assertThat(Path.of(socket + ".ctl")).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vgpio-"));
        }
    }

    @Test
    void sigtermEndsAVhostDeviceGpioCommandLineWithStatusZeroAndRemovesTheSockets() throws Exception {
        Process daemon = serve(List.of(), "serve", "--socket-path=gpio.sock", "--socket-count=2",
                "--device-list", "s4:s8");
        List<Path> sockets = List.of(dir.resolve("gpio.sock0"), dir.resolve("gpio.sock1"),
                dir.resolve("gpio.sock0.ctl"), dir.resolve("gpio.sock1.ctl"));
        try {
            await("vgpio serve to print the QEMU options").atMost(Duration.ofSeconds(10))
                    .until(() -> read(dir.resolve("serve.out")).contains("vhost-user-gpio-pci,chardev=vgpio1"));
            assertThat(sockets).allMatch(Files::exists);
            assertThat(read(dir.resolve("serve.out"))).contains("gpio0: 4 lines").contains("gpio1: 8 lines");
            daemon.destroy(); // SIGTERM, as systemd stops a service
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as("vgpio serve stops on SIGTERM").isTrue();
        } finally {
            daemon.destroyForcibly();
        }
        assertThat(daemon.exitValue()).as("SIGTERM is a clean stop (not 143)").isZero();
        assertThat(sockets).noneMatch(Files::exists);
        assertThat(read(dir.resolve("serve.err"))).contains("stopping on a signal").contains("gpio1: stopped");
    }

    @Test
    void ctrlCEndsServeWithStatusZeroAndRemovesTheSocket() throws Exception {
        // a process that starts with SIGINT ignored (a background job of a non-interactive shell) keeps it
        // ignored, and so would the daemon: Ctrl-C cannot reach it there
        assumeFalse(sigintIgnored(), "SIGINT is ignored by this test's JVM, and so by the daemon it starts");
        Process daemon = serve(List.of(), "serve", "--quiet");
        Path socket = dir.resolve("vgpio.sock");
        try {
            // the signal handlers are in before the first socket appears
            await("vgpio serve to listen").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
            assertThat(new ProcessBuilder("kill", "-INT", Long.toString(daemon.pid())).start().waitFor()).isZero();
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as("vgpio serve stops on SIGINT").isTrue();
        } finally {
            daemon.destroyForcibly();
        }
        assertThat(daemon.exitValue()).as("Ctrl-C is a clean stop (not 130)").isZero();
        assertThat(socket).doesNotExist();
        assertThat(read(dir.resolve("serve.out"))).as("--quiet prints no banner").isEmpty();
        assertThat(read(dir.resolve("serve.err"))).as("--quiet logs no info").doesNotContain("INFO");
    }

    @Test
    void ctrlCEndsCtlWatchAndNotifyWithStatusZero() throws Exception {
        assumeFalse(sigintIgnored(), "SIGINT is ignored by this test's JVM, and so by the tools it starts");
        Process daemon = serve(List.of(), "serve", "--quiet");
        try {
            await("vgpio serve to listen").atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(dir.resolve("vgpio.sock.ctl")));
            for (List<String> tool : List.of(List.of("ctl", "watch"), List.of("notify", "--banner", "LED_RED"))) {
                Process p = tool(tool);
                try {
                    // the tools install their signal handlers before they connect to the control socket
                    await(String.join(" ", tool) + " to connect").atMost(Duration.ofSeconds(20))
                            .until(() -> hasASocket(p.pid()));
                    assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
                    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("%s stops on SIGINT", tool).isTrue();
                } finally {
                    p.destroyForcibly();
                }
                assertThat(p.exitValue()).as("Ctrl-C ends %s cleanly (not 130)", tool).isZero();
            }
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
            daemon.destroyForcibly();
        }
    }

    /** Whether process {@code pid} has a socket open (the JVM opens none of its own before main). */
    private static boolean hasASocket(long pid) throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            });
        }
    }

    private Process tool(List<String> args) throws IOException {
        Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        command.addAll(args);
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(args.getFirst() + ".out").toFile()).start();
    }

    @Test
    void verboseLogsEachGuestRequestWithLineTypeValueAndResult() throws Exception {
        Process daemon = serve(List.of(), "serve", "-v");
        try {
            await("vgpio serve to listen").atMost(Duration.ofSeconds(10))
                    .until(() -> read(dir.resolve("serve.err")).contains("listening on"));
            Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
            Process conform = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "conform", "--socket", "vgpio.sock")
                    .directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("conform.out").toFile())
                    .start();
            assertThat(conform.waitFor(120, TimeUnit.SECONDS)).isTrue();
            daemon.destroy();
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            daemon.destroyForcibly();
        }
        assertThat(daemon.exitValue()).isZero();
        assertThat(read(dir.resolve("serve.err")))
                .containsPattern("DEBUG GpioController - gpio0: guest SET_VALUE line \\d+ \"\\w+\" value \\d+: ok 0")
                .containsPattern("guest GET_VALUE line \\d+ \"\\w+\" value 0: ok [01]")
                .containsPattern("guest SET_DIRECTION line \\d+ \"\\w+\" value 1 \\(OUT\\): ok 0")
                .containsPattern("guest \\w+ line \\d+( \"\\w+\")? value \\d+( \\(\\w+\\))?: refused: ");
    }

    @Test
    void sigtermLeavesCompleteTracesWhileTheBenchServesOverHttp() throws Exception {
        for (String file : List.of("run.vcd", "run.jsonl")) {
            Process daemon = serve(List.of(), "serve", "--http", "0", "--trace", file);
            try {
                await("vgpio serve to print the bench's address").atMost(Duration.ofSeconds(15))
                        .until(() -> read(dir.resolve("serve.out")).contains("test bench: http://"));
                java.util.regex.Matcher url = java.util.regex.Pattern.compile("test bench: (http://\\S+)")
                        .matcher(read(dir.resolve("serve.out")));
                assertThat(url.find()).isTrue();
                var http = java.net.http.HttpClient.newHttpClient();
                var put = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url.group(1)
                        + "api/devices/gpio0/lines/BUTTON_A/level")).header("Content-Type", "application/json")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"level\": 1}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
                Process ctl = tool(List.of("ctl", "set", "BUTTON_B", "on"));
                assertThat(ctl.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(ctl.exitValue()).isZero();
                await("the trace to hold both drives").atMost(Duration.ofSeconds(10))
                        .until(() -> read(dir.resolve(file)).contains(file.endsWith(".vcd") ? "#" : "BUTTON_B"));
                daemon.destroy(); // SIGTERM
                assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                daemon.destroyForcibly();
            }
            assertThat(daemon.exitValue()).as(read(dir.resolve("serve.err"))).isZero();
            String trace = read(dir.resolve(file));
            assertThat(trace).endsWith("\n");
            if (file.endsWith(".vcd")) {
                assertThat(trace).contains("$scope module gpio0 $end").contains(" BUTTON_A $end")
                        .contains(" BUTTON_B $end").contains("$enddefinitions $end");
                Process check = new ProcessBuilder("vcd2fst", "-v", file, "-f", "run.fst").directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("vcd2fst.out").toFile()).start();
                assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(check.exitValue()).as("vcd2fst reads the trace (scripts/install-test-tools.sh installs"
                        + " it)").isZero();
                assertThat(dir.resolve("run.fst")).isNotEmptyFile();
            } else {
                var json = new com.fasterxml.jackson.databind.ObjectMapper();
                List<String> lines = trace.lines().toList();
                for (String line : lines) {
                    assertThat(json.readTree(line).has("kind")).as(line).isTrue();
                }
                assertThat(lines).anyMatch(l -> l.contains("\"kind\":\"driven\"") && l.contains("BUTTON_A"))
                        .anyMatch(l -> l.contains("\"kind\":\"driven\"") && l.contains("BUTTON_B"));
            }
        }
    }

    /** Whether this JVM ignores SIGINT (bit 2 of SigIgn in /proc/self/status), as its children then do. */
    private static boolean sigintIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 2) != 0;
            }
        }
        return false;
    }

    /**
     * Starts {@code vgpio ARGS} from the CLI jar in the test directory, its output in serve.out and serve.err,
     * through {@code wrapper} (a command that runs the rest, such as a shell that sets the umask) if one is given.
     */
    private Process serve(List<String> wrapper, String... args) throws IOException {
        Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        assertThat(jar).as("the CLI jar is built before the integration tests run").exists();
        List<String> command = new java.util.ArrayList<>(wrapper);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("serve.out").toFile())
                .redirectError(dir.resolve("serve.err").toFile()).start();
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
