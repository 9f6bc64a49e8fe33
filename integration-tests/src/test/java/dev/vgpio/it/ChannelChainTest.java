package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.channel.Endpoint;
import dev.vgpio.conformance.ConformanceReport;
import dev.vgpio.conformance.ConformanceSuite;
import dev.vgpio.conformance.InputDriver;
import dev.vgpio.conformance.Result;
import dev.vgpio.conformance.Target;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The channel between processes, no guest: the C device library's own tests ({@code make -C c test}), vgpio's
 * conformance suite against the C example port over a Unix socket and over a pseudo-terminal, and two vgpio daemons
 * chained (vhost-user -> vgpio -> channel -> vgpio) over loopback TCP and over a Unix socket, the suite run against
 * the near daemon's vhost-user socket while the far daemon's control socket drives the inputs.
 */
class ChannelChainTest {
    static final Path C = GuestVm.ROOT.resolve("c");
    private static final Duration START = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final List<Process> running = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : running.reversed()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Builds the C library and its example port once, with the compiler the machine has ({@code make -C c}). */
    static synchronized Path port() throws IOException, InterruptedException {
        Process make = new ProcessBuilder("make", "-C", C.toString()).redirectErrorStream(true).start();
        String out = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor()).as("make -C c:\n%s", out).isZero();
        return C.resolve("build/vgpio-port");
    }

    /** Starts the example port with {@code args}; the address its "ready" line gives. */
    String startPort(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(port().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(dir.resolve("port.err").toFile())
                .start();
        running.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String ready = r.readLine();
        assertThat(ready).as("the port's first line; its log:\n%s", read(dir.resolve("port.err")))
                .startsWith("ready ");
        Thread.ofVirtual().start(() -> r.lines().forEach(l -> { })); // keep its stdout drained
        return ready.substring("ready ".length());
    }

    /** Starts {@code vgpio serve ARGS} with its log in {@code log}, once the log says {@code ready}. */
    Process serve(String log, String ready, String... args) throws Exception {
        Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-jar",
                jar.toString(), "serve"));
        command.addAll(List.of(args));
        Process daemon = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve(log + ".out").toFile()).redirectError(dir.resolve(log).toFile()).start();
        running.add(daemon);
        await("vgpio serve to start").atMost(START)
                .until(() -> !daemon.isAlive() || read(dir.resolve(log)).contains(ready));
        assertThat(daemon.isAlive()).as("vgpio serve runs; its log:\n%s", read(dir.resolve(log))).isTrue();
        return daemon;
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs the suite; every check passes. */
    static void conforms(Target target) {
        List<Result> results = ConformanceSuite.run(target);
        ConformanceReport report = new ConformanceReport(results);
        assertThat(report.exitStatus()).as(report.render()).isZero();
        assertThat(report.render()).contains("49 checks: 49 PASS, 0 FAIL, 0 SKIP");
    }

    @Test
    void theCLibrarysOwnTestsPass() throws Exception {
        Process make = new ProcessBuilder("make", "-C", C.toString(), "test").redirectErrorStream(true).start();
        String out = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor()).as("make -C c test:\n%s", out).isZero();
        assertThat(out).contains("test_dev: all").contains("every one well-formed").contains("port_test: all");
    }

    @Test
    void theCExamplePortConformsOverAUnixSocketAndOverAPseudoTerminal() throws Exception {
        String unix = startPort("--unix", dir.resolve("board.sock").toString(), "--ctl",
                dir.resolve("board.ctl").toString());
        conforms(Target.channel(Endpoint.parse(unix), null, Duration.ofSeconds(2))
                .withInput(InputDriver.ctl(dir.resolve("board.ctl"))));
        String pty = startPort("--pty", "--ctl", dir.resolve("pty.ctl").toString());
        assertThat(pty).startsWith("serial:/dev/pts/");
        conforms(Target.channel(Endpoint.parse(pty), null, Duration.ofSeconds(2))
                .withInput(InputDriver.ctl(dir.resolve("pty.ctl"))));
    }

    @Test
    void twoDaemonsChainedOverTcpAndOverAUnixSocket() throws Exception {
        int port = freePort();
        serve("far-tcp.err", "serving the device over the channel", "--listen", "tcp:127.0.0.1:" + port,
                "--chip", "sim:8");
        serve("near-tcp.err", "listening on", "--socket", "near-tcp.sock", "--chip",
                "remote:tcp:127.0.0.1:" + port);
        conforms(Target.vhostUser(dir.resolve("near-tcp.sock"), Duration.ofSeconds(2))
                .withInput(InputDriver.ctl(dir.resolve("vgpio-tcp-" + port + ".ctl"))));
        serve("far-unix.err", "serving the device over the channel", "--listen", "unix:far.sock", "--chip",
                "sim:A,B,C,D");
        serve("near-unix.err", "listening on", "--socket", "near-unix.sock", "--chip", "remote:unix:far.sock 1-3");
        conforms(Target.vhostUser(dir.resolve("near-unix.sock"), Duration.ofSeconds(2)).withLine(0)
                .withInput(new InputDriver() {
                    // the near device's lines 0-2 are the far device's lines 1-3
                    private final InputDriver far = InputDriver.ctl(dir.resolve("far.sock.ctl"));

                    @Override
                    public void set(int line, int level) throws IOException {
                        far.set(line + 1, level);
                    }

                    @Override
                    public boolean canRelease() {
                        return far.canRelease();
                    }

                    @Override
                    public void release(int line) throws IOException {
                        far.release(line + 1);
                    }
                }));
    }
}
