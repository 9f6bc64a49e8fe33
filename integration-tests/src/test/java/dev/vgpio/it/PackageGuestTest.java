package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package, as a user gets it: built by {@code scripts/package} (which checks its contents, launcher,
 * AOT cache, man pages, completion and units: packaging/check-deb), its units run by a real systemd in a container
 * (packaging/test-systemd), installed with dpkg on a clean Debian 12 root ({@code scripts/package-root.sh}), its
 * units accepted by {@code systemd-analyze verify} there, and its daemon started the way {@code vgpio@.socket}
 * starts it (the socket made first and handed over, the unit's own {@code ExecStart} as the user vgpio) serving a
 * Linux guest.
 */
class PackageGuestTest {
    private static final Path PACKAGE = GuestVm.ROOT.resolve("scripts/package");
    private static final Path PACKAGE_ROOT = GuestVm.ROOT.resolve("scripts/package-root.sh");

    @TempDir
    Path dir;

    /** Runs {@code command} to its end; its stdout (stderr goes to a log file in the test's directory). */
    private String run(String what, List<String> command, Duration timeout) throws Exception {
        Path err = dir.resolve(what + ".err");
        Path outFile = dir.resolve(what + ".out");
        Process p = new ProcessBuilder(command).directory(GuestVm.ROOT.toFile()).redirectError(err.toFile())
                .redirectOutput(outFile.toFile()).start();
        boolean ended = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        String out = read(outFile);
        assertThat(ended).as(what + " within " + timeout + ":\n" + read(err)).isTrue();
        assertThat(p.exitValue()).as(what + " failed:\n" + out + "\n" + Files.readString(err)).isZero();
        return out;
    }

    private String inRoot(Path root, String what, String script) throws Exception {
        return run(what, List.of("bash", PACKAGE_ROOT.toString(), "run", root.toString(), "sh", "-c", script),
                Duration.ofMinutes(2));
    }

    @Test
    void theInstalledPackageServesAGuestFromItsSocketActivatedDaemon() throws Exception {
        GuestVm.prepare();
        String built = run("package", List.of("bash", PACKAGE.toString()), Duration.ofMinutes(10)).strip();
        Path deb = Path.of(built.substring(built.lastIndexOf('\n') + 1));
        assertThat(deb.getFileName().toString()).matches("vgpio_.*_amd64\\.deb");
        // under a real systemd in a container: socket activation, the daemon's user and confinement, restarts
        run("systemd", List.of("bash", GuestVm.ROOT.resolve("packaging/test-systemd").toString(), deb.toString()),
                Duration.ofMinutes(10));
        Path root = Path.of(run("root", List.of("bash", PACKAGE_ROOT.toString(), "new"), Duration.ofMinutes(10))
                .strip());
        Process daemon = null;
        try {
            Files.copy(deb, root.resolve("tmp/vgpio.deb"));
            inRoot(root, "install", "dpkg -i /tmp/vgpio.deb");
            assertThat(inRoot(root, "capabilities", "vgpio serve --print-capabilities").strip())
                    .isEqualTo("{\"type\": \"gpio\"}");
            assertThat(inRoot(root, "user", "id vgpio")).contains("(vgpio)").contains("(gpio)");
            String uid = inRoot(root, "uid", "id -u vgpio").strip();
            // a minbase root has no man-db, so the pages the units name are checked as files below
            inRoot(root, "verify", "systemd-analyze verify --man=no vgpio@it.socket vgpio@it.service");
            for (String file : List.of("usr/share/man/man1/vgpio.1.gz", "usr/share/man/man1/vgpio-serve.1.gz",
                    "usr/share/bash-completion/completions/vgpio", "usr/lib/systemd/system/vgpio@.service",
                    "usr/lib/systemd/system/vgpio@.socket")) {
                assertThat(root.resolve(file)).as("installed " + file).isRegularFile();
            }

            Files.writeString(root.resolve("etc/vgpio/it.yaml"), """
                    devices:
                      - socket: /run/vgpio/it.sock
                        chip: sim
                    """);
            String unit = Files.readString(root.resolve("usr/lib/systemd/system/vgpio@.service"));
            String exec = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                    .substring("ExecStart=".length()).replace("%i", "it");
            // what systemd does for vgpio@it.socket and vgpio@it.service, with the unit's own command
            String start = "systemd-tmpfiles --create /usr/lib/tmpfiles.d/vgpio.conf"
                    + " && install -d -o vgpio -g vgpio /run/vgpio/it && cd /run/vgpio/it"
                    + " && exec systemd-socket-activate -l /run/vgpio/it.sock"
                    + " setpriv --reuid=vgpio --regid=vgpio --init-groups " + exec;
            daemon = new ProcessBuilder(List.of("bash", PACKAGE_ROOT.toString(), "run", root.toString(), "sh", "-c",
                    start)).redirectOutput(dir.resolve("serve.out").toFile())
                    .redirectError(dir.resolve("serve.err").toFile()).start();
            Path socket = root.resolve("run/vgpio/it.sock");
            await("the socket before the daemon").atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket));

            LinuxGuestTest.checkDemoChip(dir, "package", socket);
            String log = read(dir.resolve("serve.err"));
            assertThat(log).contains("listening on /run/vgpio/it.sock (a socket it was given)")
                    .contains("front end connected").contains("negotiated features");
            List<String> owners = new ArrayList<>(); // the real uids of the run's processes
            for (ProcessHandle p : daemon.descendants().toList()) {
                Path status = Path.of("/proc", Long.toString(p.pid()), "status");
                read(status).lines().filter(l -> l.startsWith("Uid:")).forEach(l -> owners.add(l.split("\\s+")[1]));
            }
            assertThat(owners).as("the daemon runs as the user vgpio (uid " + uid + ")").contains(uid);
            assertThat(daemon.isAlive()).as("the daemon outlives the VM").isTrue();
        } finally {
            if (daemon != null) {
                daemon.destroy(); // SIGTERM, passed on to the daemon
                assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            }
            run("rm", List.of("bash", PACKAGE_ROOT.toString(), "rm", root.toString()), Duration.ofMinutes(2));
        }
        assertThat(read(dir.resolve("serve.err"))).contains("stopping on a signal").doesNotContain("ERROR");
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
