package dev.vgpio.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Linux guest under QEMU (TCG) with the stock gpio-virtio driver and libgpiod v2 tools, prepared by
 * {@code scripts/guest/prepare-guest.sh}, running one shell scenario; its console is collected line by line so a
 * test can wait for markers and react while the guest runs.
 */
final class GuestVm implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("vgpio.root", "..")).toAbsolutePath().normalize();
    private static final Path SCRIPTS = ROOT.resolve("scripts/guest");
    private static volatile boolean prepared;
    private static volatile Map<String, String> newer;
    private static volatile Map<String, String> nested;

    private final Process qemu;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private int cursor;

    /** Makes sure the guest kernel, initramfs and QEMU are in place; fails with the script's output otherwise. */
    static synchronized void prepare() throws IOException, InterruptedException {
        if (prepared) {
            return;
        }
        Process p = new ProcessBuilder("bash", SCRIPTS.resolve("prepare-guest.sh").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the test guest could not be prepared (scripts/guest/prepare-guest.sh"
                    + " failed; it needs root, Debian's bookworm-backports and network access to the package"
                    + " mirrors):\n" + out);
        }
        prepared = true;
    }

    /**
     * Makes sure the newer guest is in place as well ({@code scripts/guest/prepare-newer-guest.sh}: a trixie-backports
     * 7.x kernel with gpio-aggregator's configfs interface, gpio-sim, configfs and virtio-9p, no gpio-virtio) and
     * returns the environment entry that boots it: pass it, with any others, to the constructor that takes an
     * environment. Fails with the script's output if it cannot be prepared.
     */
    static synchronized Map<String, String> prepareNewer() throws IOException, InterruptedException {
        prepare();
        if (newer != null) {
            return newer;
        }
        // progress and errors go to stderr, the env file's path is stdout's last line
        Path log = Files.createTempFile("vgpio-prepare-newer-guest", ".log");
        try {
            Process p = new ProcessBuilder("bash", SCRIPTS.resolve("prepare-newer-guest.sh").toString())
                    .redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> lines = out.lines().toList();
            if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || lines.isEmpty()
                    || !Files.isRegularFile(Path.of(lines.getLast()))) {
                throw new IllegalStateException("the newer test guest could not be prepared"
                        + " (scripts/guest/prepare-newer-guest.sh failed; it needs root, the host tools that"
                        + " prepare-guest.sh installs and, the first time, network access to deb.debian.org for"
                        + " trixie, trixie-backports, bookworm and bookworm-backports):\n"
                        + Files.readString(log) + out);
            }
            newer = Map.of("VGPIO_GUEST_ENV", lines.getLast());
            return newer;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Makes sure the main guest's kernel is also there as an uncompressed vmlinux
     * ({@code scripts/guest/prepare-nested-guest.sh}: QEMU boots it through its PVH entry point, which a guest booted
     * by a QEMU inside a guest needs, because the bzImage decompressor alone takes minutes under nested TCG) and
     * returns the environment entry that boots it; the initramfs and the rest are the main guest's. Fails with the
     * script's output if it cannot be prepared.
     */
    static synchronized Map<String, String> prepareNested() throws IOException, InterruptedException {
        prepare();
        if (nested != null) {
            return nested;
        }
        Path log = Files.createTempFile("vgpio-prepare-nested-guest", ".log");
        try {
            Process p = new ProcessBuilder("bash", SCRIPTS.resolve("prepare-nested-guest.sh").toString())
                    .redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> lines = out.lines().toList();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || lines.isEmpty()
                    || !Files.isRegularFile(Path.of(lines.getLast()))) {
                throw new IllegalStateException("the nested test guest could not be prepared"
                        + " (scripts/guest/prepare-nested-guest.sh failed; it needs xz and readelf):\n"
                        + Files.readString(log) + out);
            }
            nested = Map.of("VGPIO_GUEST_ENV", lines.getLast());
            return nested;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Writes {@code dir/initrd.cpio.gz}: the guest's base initramfs with {@code scenario} as its /scenario.sh
     * ({@code make-scenario.sh}; {@code env} may name another guest's env file as VGPIO_GUEST_ENV).
     */
    static Path makeScenario(Path dir, String scenario, Map<String, String> env)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path script = dir.resolve("scenario.sh");
        Files.writeString(script, scenario);
        ProcessBuilder mkScenario = new ProcessBuilder("bash", SCRIPTS.resolve("make-scenario.sh").toString(),
                script.toString(), dir.toString()).redirectErrorStream(true);
        mkScenario.environment().putAll(env);
        Process mk = mkScenario.start();
        String mkOut = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mk.waitFor() != 0) {
            throw new IllegalStateException("make-scenario.sh failed:\n" + mkOut);
        }
        return dir.resolve("initrd.cpio.gz");
    }

    /** Boots a guest that runs {@code scenario} (a busybox sh script) against the vhost-user socket. */
    GuestVm(Path workDir, String name, String scenario, Path socket) throws IOException, InterruptedException {
        this(workDir, name, scenario, socket, Map.of());
    }

    /**
     * The same, with environment variables for {@code run-guest.sh} (such as VGPIO_GUEST_CHARDEV) and
     * {@code make-scenario.sh} (VGPIO_GUEST_ENV, from {@link #prepareNewer()}, boots the newer guest).
     */
    GuestVm(Path workDir, String name, String scenario, Path socket, Map<String, String> env)
            throws IOException, InterruptedException {
        prepare();
        Path initrd = makeScenario(workDir.resolve(name), scenario, env);
        ProcessBuilder run = new ProcessBuilder("bash", SCRIPTS.resolve("run-guest.sh").toString(),
                initrd.toString(), socket.toString()).redirectErrorStream(true);
        run.environment().putAll(env);
        qemu = run.start();
        reader = Thread.ofPlatform().name("qemu-" + name).daemon(true).start(this::readConsole);
    }

    private void readConsole() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String clean = line.replace("\r", "");
                synchronized (lines) {
                    lines.add(clean);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // QEMU went away
        }
    }

    /**
     * Waits for a console line matching {@code test} after the line the previous call matched (so a scenario's
     * markers are awaited in order); fails with the console so far when it does not come.
     */
    String await(Predicate<String> test, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int seen = cursor;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (test.test(lines.get(seen))) {
                        cursor = seen + 1;
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!qemu.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("guest never printed " + what + " within " + timeout + "; console:\n"
                            + String.join("\n", lines));
                }
                lines.wait(Math.max(1, Math.min(100, left / 1_000_000)));
            }
        }
    }

    String await(String marker, Duration timeout) throws InterruptedException {
        return await(l -> l.startsWith(marker), "'" + marker + "'", timeout);
    }

    /** Waits for QEMU to exit (the scenario ends with a power-off) and returns the console. */
    List<String> finish(Duration timeout) throws InterruptedException {
        if (!qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            qemu.destroyForcibly();
            throw new AssertionError("QEMU did not exit within " + timeout + "; console:\n" + console());
        }
        reader.join(2000);
        return output();
    }

    /** Waits up to {@code timeout} for QEMU to exit, without failing; true if it did. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        boolean exited = qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        reader.join(2000);
        return exited;
    }

    List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    String console() {
        return String.join("\n", output());
    }

    /** The lines the scenario printed between its start and exit markers. */
    List<String> scenarioOutput() {
        List<String> all = output();
        int from = -1;
        int to = all.size();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).startsWith("VGPIO-GUEST-READY")) {
                from = i + 1;
            } else if (all.get(i).startsWith("VGPIO-SCENARIO-EXIT")) {
                to = i;
            }
        }
        return from < 0 ? List.of() : all.subList(from, to);
    }

    /**
     * Types {@code line} on the guest's console, which is the scenario's standard input: a scenario waiting in
     * {@code read} goes on. The console echoes it.
     */
    void send(String line) throws IOException {
        OutputStream console = qemu.getOutputStream();
        console.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        console.flush();
    }

    /** SIGKILLs QEMU, as a crashed or killed VMM would go away. */
    void kill() throws InterruptedException {
        qemu.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        qemu.destroyForcibly();
        qemu.waitFor(10, TimeUnit.SECONDS);
    }

    /** QEMU's exit status, once it has exited. */
    int exitValue() {
        return qemu.exitValue();
    }

    boolean isAlive() {
        return qemu.isAlive() || qemu.toHandle().descendants().anyMatch(ProcessHandle::isAlive);
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            kill();
        }
    }
}
