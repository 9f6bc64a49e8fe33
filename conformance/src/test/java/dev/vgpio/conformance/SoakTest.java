package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: {@code vgpio.soak.cycles} (default 40) connect / negotiate / traffic / disconnect cycles against one
 * daemon (a {@link VhostUserServer} in this JVM), every tenth with a front end in a process of its own killed with
 * SIGKILL mid-message or mid-request ({@link KilledFrontEnd}). Afterwards the process holds what it held before
 * (file descriptors, Java threads, guest-memory mappings exactly; OS threads, mapped regions and heap within a
 * stated tolerance) and the lines are as they were. Full size: {@code -Dvgpio.soak.cycles=1000}.
 */
class SoakTest {
    static final int CYCLES = Integer.getInteger("vgpio.soak.cycles", 40);
    /** The line whose GET_VALUE the daemon holds back while a front end is killed mid-request. */
    static final int GATE = KnownLines.SCRATCH_B;
    /**
     * OS threads the JVM may add by itself: C1/C2 compiler threads are started and stopped with the JIT's load
     * (UseDynamicNumberOfCompilerThreads) and G1 starts parallel workers lazily; none of them is vgpio's.
     */
    static final int OS_THREAD_TOLERANCE = 12;
    /**
     * Mapping lines the JVM may add by itself: code cache and metaspace growth, heap regions committed or
     * uncommitted by G1, the stacks of those threads. Guest memory, the only mapping the daemon makes per
     * connection, is compared exactly (memfd lines).
     */
    static final int MAPS_TOLERANCE = 64;
    /**
     * Heap the JVM may keep after a full GC without a leak: lazily created method handles and lambda forms of
     * code paths first run late, string table and class data growth. A leak of 4 KiB a cycle exceeds it at the
     * full size.
     */
    static final long HEAP_TOLERANCE = 4L << 20;

    /** The kinds of cycle. */
    enum Kind {
        /** The Java driver: an output set, an input's edge event received; lines released, clean close. */
        DRIVER,
        /** Connects and hangs up without a message. */
        HANG_UP,
        /** Sends half a header and closes. */
        HALF_HEADER,
        /** Breaks the requestq (available index + 65), sees the err fd, closes. */
        BROKEN_RING,
        /** A separate process killed after 6 bytes of a header. */
        KILLED_MID_HEADER,
        /** A separate process killed after a header, a memfd and half the payload. */
        KILLED_MID_PAYLOAD,
        /** A separate process killed while the device serves its request. */
        KILLED_MID_REQUEST,
        /** A separate process killed while the device holds its interrupt pair; the line then fires. */
        KILLED_HOLDING_PAIR
    }

    @TempDir
    Path dir;
    Path socket;
    SimulatedChip sim;
    GatedLines gated;
    VhostUserServer server;

    static Kind kindOf(int cycle) {
        if (cycle % 10 == 9) {
            Kind[] killed = {Kind.KILLED_MID_HEADER, Kind.KILLED_MID_PAYLOAD, Kind.KILLED_MID_REQUEST,
                Kind.KILLED_HOLDING_PAIR};
            return killed[(cycle / 10) % killed.length];
        }
        return switch (cycle % 10) {
            case 3 -> Kind.HANG_UP;
            case 5 -> Kind.HALF_HEADER;
            case 7 -> Kind.BROKEN_RING;
            default -> Kind.DRIVER;
        };
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void cyclesOfConnectTrafficAndDisconnectIncludingKilledFrontEndsLeaveTheDaemonAsItWas() throws Exception {
        socket = dir.resolve("gpio.sock");
        sim = new SimulatedChip("soak", KnownLines.NAMES);
        gated = new GatedLines(sim, GATE);
        VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(gated));
        try (VhostUserServer s = new VhostUserServer(socket, device, "soak").start()) {
            server = s;
            Target target = Target.vhostUser(socket);
            KnownLines.set(sim, target);
            for (Kind k : Kind.values()) {
                cycle(k); // warm-up: every class loaded, every code path run once, a process reaper thread
            }
            // the server says it is no longer connected just before the session unmaps the guest memory
            ProcessResources[] idle = new ProcessResources[1];
            await("no guest memory mapped while no front end is connected").atMost(Duration.ofSeconds(30))
                    .pollInSameThread().pollInterval(Duration.ofMillis(20))
                    .until(() -> (idle[0] = ProcessResources.now()).memfdMaps() == 0);
            ProcessResources before = idle[0];
            Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
            long start = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                Kind k = kindOf(i);
                cycle(k);
                counts.merge(k, 1, Integer::sum);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            long connections = server.connections();
            ProcessResources[] after = new ProcessResources[1];
            try {
                await("the same fds, Java threads and guest mappings as before").atMost(Duration.ofSeconds(30))
                        .pollInSameThread().pollInterval(Duration.ofMillis(100)).until(() -> {
                            after[0] = ProcessResources.now();
                            return after[0].fds() == before.fds() && after[0].javaThreads() == before.javaThreads()
                                    && after[0].memfdMaps() == before.memfdMaps();
                        });
            } catch (ConditionTimeoutException e) {
                // the assertions below say what differs
            }
            ProcessResources a = after[0];
            System.out.printf("soak: %d cycles in %d ms (%s), %d connections, %d requests served%n", CYCLES,
                    took.toMillis(), counts, connections, device.requestsServed());
            System.out.println("soak: before " + before);
            System.out.println("soak: after  " + a);
            assertThat(a.fds()).as("open fds (%s)", openFds()).isEqualTo(before.fds());
            assertThat(a.javaThreads()).as("Java threads (%s)", Thread.getAllStackTraces().keySet()).isEqualTo(
                    before.javaThreads());
            assertThat(a.memfdMaps()).as("guest memory mappings").isEqualTo(before.memfdMaps());
            assertThat(a.osThreads()).as("OS threads").isBetween(before.osThreads() - OS_THREAD_TOLERANCE,
                    before.osThreads() + OS_THREAD_TOLERANCE);
            assertThat(a.maps()).as("mapped regions").isBetween(before.maps() - MAPS_TOLERANCE,
                    before.maps() + MAPS_TOLERANCE);
            assertThat(a.heapAfterGc()).as("heap used after a full GC").isLessThan(before.heapAfterGc()
                    + HEAP_TOLERANCE);
            assertThat(server.isRunning()).isTrue();
            KnownLines.assertIntact(sim, target, "after the soak");
        }
    }

    /** One cycle: one connection, which the daemon has accepted and seen go when this returns. */
    /** What each open fd is, for a failure message. */
    private static List<String> openFds() {
        List<String> fds = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc/self/fd"))) {
            dirs.forEach(f -> {
                try {
                    fds.add(f.getFileName() + " -> " + Files.readSymbolicLink(f));
                } catch (java.io.IOException e) {
                    fds.add(f.getFileName() + " (gone)");
                }
            });
        } catch (java.io.IOException e) {
            fds.add(e.toString());
        }
        return fds;
    }

    private void cycle(Kind kind) throws Exception {
        long connection = server.connections() + 1;
        switch (kind) {
            case DRIVER -> driver();
            case HANG_UP -> UnixSocket.connect(socket).close();
            case HALF_HEADER -> {
                try (UnixSocket s = UnixSocket.connect(socket); Arena arena = Arena.ofConfined()) {
                    MemorySegment m = arena.allocate(12);
                    s.sendFully(m, 0, 6, null, 0);
                }
            }
            case BROKEN_RING -> {
                try (HostileGuest g = HostileGuest.connect(socket, true)) {
                    g.requestq.publishRaw(HostileGuest.QSIZE + 1);
                    g.kick(VirtioGpio.REQUESTQ);
                    g.sync();
                    assertThat(g.errorSeen(VirtioGpio.REQUESTQ)).as("err fd of the broken requestq").isTrue();
                }
            }
            case KILLED_MID_HEADER -> killedWhenReady(KilledFrontEnd.Mode.MID_HEADER, 0);
            case KILLED_MID_PAYLOAD -> killedWhenReady(KilledFrontEnd.Mode.MID_PAYLOAD, 0);
            case KILLED_MID_REQUEST -> killedMidRequest();
            case KILLED_HOLDING_PAIR -> {
                killedWhenReady(KilledFrontEnd.Mode.HOLDING_PAIR, KnownLines.IRQ_RISING);
                sim.drive(KnownLines.IRQ_RISING, 1); // the device may still hold the dead front end's pair
                sim.drive(KnownLines.IRQ_RISING, 0);
            }
        }
        await("the daemon to see front end " + connection + " come and go").atMost(Duration.ofSeconds(15))
                .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> server.connections() == connection && !server.isConnected());
    }

    private void driver() throws Exception {
        try (GpioChip chip = GpioChip.open(VhostUserFrontend.connect(socket, Duration.ofSeconds(5), 1 << 20))) {
            try (LineRequest out = chip.requestLines(LineSettings.output(1), 0);
                    LineRequest in = chip.requestLines(LineSettings.input(IrqType.EDGE_RISING), 1)) {
                assertThat(sim.observe(0)).isEqualTo(1);
                out.setValue(0, 0);
                assertThat(sim.observe(0)).isZero();
                sim.drive(1, 1);
                EdgeEvent e = in.readEvent(Duration.ofSeconds(5));
                assertThat(e).as("the rising edge").isNotNull();
                assertThat(e.type()).isEqualTo(EdgeEvent.Type.RISING);
                assertThat(in.getValue(1)).isEqualTo(1);
                sim.drive(1, 0);
            }
        }
    }

    private void killedWhenReady(KilledFrontEnd.Mode mode, int line) throws Exception {
        Process p = launch(mode, line);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String ready = out.readLine();
            assertThat(ready).as("the child's report (stderr: %s)", childErrors()).startsWith("READY");
            p.destroyForcibly();
            p.waitFor();
        } finally {
            p.getOutputStream().close();
        }
    }

    private void killedMidRequest() throws Exception {
        GatedLines.Gate gate = gated.arm();
        Process p = launch(KilledFrontEnd.Mode.MID_REQUEST, GATE);
        try {
            assertThat(gate.awaitArrival()).as("the child's request reached the lines (stderr: %s)",
                    childErrors()).isTrue();
            p.destroyForcibly();
            p.waitFor();
        } finally {
            gate.release();
            p.getInputStream().close();
            p.getOutputStream().close();
        }
    }

    private Process launch(KilledFrontEnd.Mode mode, int line) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                KilledFrontEnd.class.getName(), mode.name(), socket.toString(), Integer.toString(line)));
        return new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectError(dir.resolve("child.err").toFile()).start();
    }

    private String childErrors() throws Exception {
        Path err = dir.resolve("child.err");
        return Files.exists(err) ? Files.readString(err) : "";
    }
}
