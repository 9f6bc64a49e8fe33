package dev.vgpio.vhostuser;

import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.VirtioDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many servers on one loop's thread, and servers on a listening socket they were given. */
class VhostUserLoopTest {
    @TempDir
    Path dir;

    private static VirtioGpioDevice device(SimulatedChip chip) {
        return new VirtioGpioDevice(new GpioController(chip));
    }

    private static long loopThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("vgpio-" + name)).count();
    }

    @Test
    void oneThreadServesEveryDeviceAndADeviceThatLeavesDoesNotStopTheOthers() throws Exception {
        List<SimulatedChip> chips = new ArrayList<>();
        List<VhostUserServer> servers = new ArrayList<>();
        try (VhostUserLoop loop = VhostUserLoop.create("shared")) {
            for (int i = 0; i < 3; i++) {
                SimulatedChip chip = SimulatedChip.withLines("chip" + i, 2, "L");
                chips.add(chip);
                servers.add(VhostUserServer.in(loop, dir.resolve("d" + i + ".sock"), device(chip), "d" + i,
                        ServerOptions.DEFAULTS, false).start());
            }
            assertThat(loop.servers()).isEqualTo(3);
            assertThat(loopThreads("shared")).isEqualTo(1);
            assertThat(servers).allMatch(VhostUserServer::isRunning);

            List<TestFrontend> fronts = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    TestFrontend f = new TestFrontend(dir.resolve("d" + i + ".sock"));
                    fronts.add(f);
                    f.negotiate();
                    f.setUpQueues(true);
                }
                for (int round = 0; round < 20; round++) { // interleaved: each device answers on its own rings
                    for (int i = 0; i < 3; i++) {
                        int level = (round + i) & 1;
                        assertThat(fronts.get(i).request(SET_VALUE, 1, level)[0]).isZero();
                        if (round == 0) {
                            assertThat(fronts.get(i).request(SET_DIRECTION, 1, Direction.OUT.code())[0]).isZero();
                        }
                        assertThat(chips.get(i).observe(1)).isEqualTo(level);
                    }
                }

                servers.get(1).close();
                assertThat(Files.exists(dir.resolve("d1.sock"))).isFalse();
                assertThat(servers.get(1).isRunning()).isFalse();
                assertThat(loop.servers()).isEqualTo(2);
                chips.get(2).drive(0, 1);
                assertThat(fronts.get(2).request(SET_DIRECTION, 0, Direction.IN.code())[0]).isZero();
                assertThat(fronts.get(2).request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
                assertThat(fronts.get(0).request(GET_VALUE, 1, 0)[1]).isEqualTo(chips.get(0).observe(1));

                // a device that joins a running loop is served too
                SimulatedChip late = SimulatedChip.withLines("late", 1, "X");
                servers.add(VhostUserServer.in(loop, dir.resolve("late.sock"), device(late), "late",
                        ServerOptions.DEFAULTS, false).start());
                try (TestFrontend f = new TestFrontend(dir.resolve("late.sock"))) {
                    f.negotiate();
                    f.setUpQueues(true);
                    late.drive(0, 1);
                    assertThat(f.request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
                }
                assertThat(loopThreads("shared")).isEqualTo(1);
            } finally {
                fronts.forEach(TestFrontend::close);
                servers.forEach(VhostUserServer::close);
            }
            assertThat(loop.servers()).isZero();
            assertThat(loop.isRunning()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> loopThreads("shared") == 0);
    }

    @Test
    void aGivenSocketIsServedAndKeptSoThatTheNextDaemonServesTheSameSocket() throws Exception {
        Path path = dir.resolve("activated.sock");
        SimulatedChip chip = SimulatedChip.withLines("kept", 2, "K");
        try (UnixSocket parent = UnixSocket.listen(path, 4)) { // what systemd's socket unit holds
            try (VhostUserServer first = VhostUserServer.inherited(null,
                    UnixSocket.inherited(Fds.dup(parent.fd())), device(chip), "first", ServerOptions.DEFAULTS)
                    .start();
                    TestFrontend f = new TestFrontend(path)) {
                assertThat(first.path()).isEqualTo(path);
                f.negotiate();
                f.setUpQueues(true);
                assertThat(f.request(SET_VALUE, 0, 1)[0]).isZero();
                assertThat(f.request(SET_DIRECTION, 0, Direction.OUT.code())[0]).isZero();
            }
            // (no probe connection here: it would wait in the backlog and be the next daemon's first front end)
            assertThat(Files.exists(path)).as("a socket it was given is its parent's to remove").isTrue();

            // a front end that connects between the two daemons waits in the backlog, and the next one serves it
            try (TestFrontend waiting = new TestFrontend(path);
                    VhostUserServer second = VhostUserServer.inherited(null,
                            UnixSocket.inherited(Fds.dup(parent.fd())), device(chip), "second",
                            ServerOptions.DEFAULTS).start()) {
                waiting.negotiate();
                waiting.setUpQueues(true);
                assertThat(waiting.request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
                await().atMost(Duration.ofSeconds(5)).until(() -> second.connections() == 1);
            }
            assertThat(Files.exists(path)).isTrue();
        }
    }

    @Test
    void aDeviceWhoseWorkFailsDropsItsConnectionAndTheLoopServesEveryOtherDevice() throws Exception {
        SimulatedChip goodChip = SimulatedChip.withLines("good", 1, "G");
        VirtioGpioDevice real = device(SimulatedChip.withLines("bad", 1, "B"));
        java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
        VirtioDevice failing = (VirtioDevice) java.lang.reflect.Proxy.newProxyInstance(
                VirtioDevice.class.getClassLoader(), new Class<?>[] {VirtioDevice.class}, (proxy, method, args) -> {
                    if (method.getName().equals("claim") && claims.incrementAndGet() == 1) {
                        throw new IllegalStateException("a device's bug");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Path file = Files.writeString(dir.resolve("not-a-directory"), "");
        try (VhostUserLoop loop = VhostUserLoop.create("isolated");
                VhostUserServer good = VhostUserServer.in(loop, dir.resolve("good.sock"), device(goodChip), "good",
                        ServerOptions.DEFAULTS, false).start();
                VhostUserServer bad = VhostUserServer.in(loop, dir.resolve("bad.sock"), failing, "bad",
                        ServerOptions.DEFAULTS, false).start();
                // a client-mode device whose front end's path cannot exist (ENOTDIR) keeps trying, quietly
                VhostUserServer lost = VhostUserServer.in(loop, file.resolve("qemu.sock"), device(
                        SimulatedChip.withLines("lost", 1, "L")), "lost", ServerOptions.DEFAULTS, true).start()) {
            try (TestFrontend first = new TestFrontend(dir.resolve("bad.sock"))) {
                await().atMost(Duration.ofSeconds(5)).until(() -> claims.get() == 1);
                org.assertj.core.api.Assertions.assertThatThrownBy(first::negotiate)
                        .isInstanceOf(java.io.IOException.class);
            }
            Thread.sleep(3 * VhostUserServer.RECONNECT_MILLIS); // the lost device's tries turn the loop meanwhile
            assertThat(loop.isRunning()).isTrue();
            assertThat(List.of(good, bad, lost)).allMatch(VhostUserServer::isRunning);
            try (TestFrontend again = new TestFrontend(dir.resolve("bad.sock"));
                    TestFrontend other = new TestFrontend(dir.resolve("good.sock"))) {
                again.negotiate();
                again.setUpQueues(true);
                assertThat(again.request(GET_VALUE, 0, 0)[0]).isZero();
                other.negotiate();
                other.setUpQueues(true);
                goodChip.drive(0, 1);
                assertThat(other.request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
            }
            assertThat(lost.connections()).isZero();
        }
    }
}
