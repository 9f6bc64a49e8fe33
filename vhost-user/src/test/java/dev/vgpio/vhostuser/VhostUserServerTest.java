package dev.vgpio.vhostuser;

import static dev.vgpio.protocol.MessageType.GET_DIRECTION;
import static dev.vgpio.protocol.MessageType.GET_LINE_NAMES;
import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.UnixSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The back end against a test front end over a real Unix socket, memfd memory and eventfds. */
class VhostUserServerTest {
    @TempDir
    Path dir;
    Path path;
    SimulatedChip chip;
    VhostUserServer server;

    @BeforeEach
    void start() throws IOException {
        path = dir.resolve("gpio.sock");
        chip = new SimulatedChip("test", List.of("LED", "BUTTON", "", "RESET"));
        server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(chip)), "test").start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestFrontend connect() throws Exception {
        TestFrontend f = new TestFrontend(path);
        f.negotiate();
        f.setUpQueues(true);
        return f;
    }

    @Test
    void socketIsPrivateToItsOwner() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    }

    @Test
    void aSocketGroupMayConnectToo() throws IOException {
        Path shared = dir.resolve("shared.sock");
        SimulatedChip c = SimulatedChip.withLines("shared", 2, "S");
        try (VhostUserServer s = new VhostUserServer(shared, new VirtioGpioDevice(new GpioController(c)), "shared",
                ServerOptions.DEFAULTS.withAccess(dev.vgpio.sys.SocketAccess.group("daemon")))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-rw----");
            assertThat(Files.readAttributes(shared, java.nio.file.attribute.PosixFileAttributes.class).group()
                    .getName()).isEqualTo("daemon");
        }
    }

    @Test
    void offersWhatQemuNeedsAndTheIrqFeatureOfTheChip() throws IOException {
        try (TestFrontend f = new TestFrontend(path)) {
            f.negotiate();
            assertThat(f.backendFeatures & (1L << 30)).as("PROTOCOL_FEATURES").isNotZero();
            assertThat(f.backendFeatures & (1L << 32)).as("VERSION_1").isNotZero();
            assertThat(f.backendFeatures & 1L).as("VIRTIO_GPIO_F_IRQ").isEqualTo(1L);
            assertThat(f.backendFeatures & (1L << 29)).as("EVENT_IDX").isNotZero();
            assertThat(f.config()).isEqualTo(new GpioConfig(4, LineNames.encodedSize(chip.lineNames())));
        }
    }

    @Test
    void requestsTravelThroughSharedMemoryAndEventfds() throws Exception {
        try (TestFrontend f = connect()) {
            assertThat(f.request(SET_VALUE, 0, 1)).containsExactly(0, 0, 2);
            assertThat(f.request(SET_DIRECTION, 0, Direction.OUT.code())).containsExactly(0, 0, 2);
            assertThat(chip.observe(0)).isEqualTo(1);
            chip.drive(1, 1);
            assertThat(f.request(SET_DIRECTION, 1, Direction.IN.code())[0]).isZero();
            assertThat(f.request(GET_VALUE, 1, 0)).containsExactly(0, 1, 2);
            int[] names = f.request(GET_LINE_NAMES.code(), 0, 0, 1 + LineNames.encodedSize(chip.lineNames()));
            assertThat(names[2]).isEqualTo(1 + LineNames.encodedSize(chip.lineNames()));
            assertThat(f.request(GET_DIRECTION, 9, 0)).containsExactly(1, 0, 2);
        }
    }

    @Test
    void getVringBaseStopsTheRingAtTheNextAvailableIndex() throws Exception {
        try (TestFrontend f = connect()) {
            for (int i = 0; i < 5; i++) {
                f.request(GET_DIRECTION, 0, 0);
            }
            assertThat(f.vringBase(0)).isEqualTo(5);
            assertThat(server.session().isActive(0)).isFalse();
        }
    }

    @Test
    void lineStateSurvivesADisconnectAndANewFrontEndFindsIt() throws Exception {
        try (TestFrontend f = connect()) {
            f.request(SET_VALUE, 3, 1);
            f.request(SET_DIRECTION, 3, Direction.OUT.code());
        }
        awaitDisconnected();
        assertThat(chip.observe(3)).as("the output is not glitched by the disconnect").isEqualTo(1);
        try (TestFrontend f = connect()) {
            assertThat(f.request(GET_DIRECTION, 3, 0)).containsExactly(0, Direction.OUT.code(), 2);
            assertThat(f.request(GET_VALUE, 3, 0)).containsExactly(0, 1, 2);
        }
        assertThat(server.connections()).isEqualTo(2);
    }

    private void awaitDisconnected() {
        await("the back end to see the front end go").atMost(Duration.ofSeconds(2)).until(() -> !server.isConnected());
    }

    /** Sends a bad message, expects the back end to close the connection, and checks the daemon still serves. */
    private void expectClosedAndRecovered(ThrowingSend bad) throws Exception {
        try (TestFrontend f = connect()) {
            f.request(SET_VALUE, 0, 1);
            f.request(SET_DIRECTION, 0, Direction.OUT.code());
            bad.send(f);
            assertThatThrownBy(() -> f.reply(VhostUser.GET_FEATURES)).isInstanceOf(IOException.class);
        }
        awaitDisconnected();
        try (TestFrontend f = connect()) {
            assertThat(f.request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
        }
    }

    @FunctionalInterface
    interface ThrowingSend {
        void send(TestFrontend f) throws Exception;
    }

    @Test
    void tooLargeMessageClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> {
            Header.write(f.msg, VhostUser.SET_FEATURES, Header.FLAG_VERSION, 1 << 20);
            f.socket.sendFully(f.msg, 0, Header.SIZE, null, 0);
        });
    }

    @Test
    void wrongFdCountClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> {
            try (EventFd extra = EventFd.create()) {
                U64.write(f.payload, 1L << 32);
                f.send(VhostUser.SET_FEATURES, Header.FLAG_VERSION, U64.SIZE, new int[] {extra.fd()});
            }
        });
    }

    @Test
    void queueThatDoesNotExistClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> f.state(VhostUser.SET_VRING_NUM, 7, 64));
    }

    @Test
    void wrongPayloadSizeClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> f.send(VhostUser.SET_VRING_BASE, 4));
    }

    @Test
    void unknownMessageClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> f.send(99, 0));
    }

    @Test
    void unofferedFeaturesCloseTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> f.u64Message(VhostUser.SET_FEATURES, 1L << 40));
    }

    @Test
    void ringOutsideGuestMemoryClosesTheConnectionOnly() throws Exception {
        expectClosedAndRecovered(f -> {
            f.vringBase(0); // stop the ring so its address may change
            VringAddress.write(f.payload, 0, 0x1000, 0x2000, 0x3000);
            f.send(VhostUser.SET_VRING_ADDR, VringAddress.SIZE);
            try (EventFd k = EventFd.create()) {
                f.vringFd(VhostUser.SET_VRING_KICK, 0, k);
            }
        });
    }

    @Test
    void aWriteToTheConfigurationSpaceIsRefusedAndTheConnectionStays() throws Exception {
        try (TestFrontend f = connect()) {
            int size = DeviceConfig.write(f.payload, 0, 2);
            f.send(VhostUser.SET_CONFIG, Header.FLAG_VERSION | Header.FLAG_NEED_REPLY, size, null);
            f.reply(VhostUser.SET_CONFIG);
            assertThat(U64.value(f.payload)).as("REPLY_ACK: refused").isOne();
            assertThat(f.request(GET_DIRECTION, 0, 0)[0]).as("still served").isZero();
        }
    }

    @Test
    void secondFrontEndIsTurnedAwayWhileTheFirstKeepsWorking() throws Exception {
        try (TestFrontend first = connect()) {
            try (TestFrontend second = new TestFrontend(path)) {
                assertThatThrownBy(second::negotiate).isInstanceOf(IOException.class);
            }
            assertThat(first.request(GET_DIRECTION, 0, 0)[0]).isZero();
        }
    }

    @Test
    void liveSocketIsRefusedAndStaleOneReplaced() throws Exception {
        SimulatedChip other = SimulatedChip.withLines("other", 2, "X");
        assertThatThrownBy(() -> new VhostUserServer(path, new VirtioGpioDevice(new GpioController(other)), "dup"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("already serving");
        Path stale = dir.resolve("stale.sock");
        UnixSocket.listen(stale, 1).close(); // leaves the socket file behind, nobody listening
        assertThat(stale).exists();
        try (VhostUserServer s = new VhostUserServer(stale, new VirtioGpioDevice(new GpioController(other)), "s")) {
            s.start();
            assertThat(UnixSocket.isLive(stale)).isTrue();
        }
        assertThat(stale).doesNotExist();
    }

    @Test
    void interruptsTravelOnTheEventqWhenTheHostDrivesAnInput() throws Exception {
        try (TestFrontend f = connect()) {
            f.watchRisingEdges(1);
            long buf = TestFrontend.IRQ_BUF;
            Thread.sleep(50);
            chip.drive(1, 1);
            List<int[]> used = new java.util.ArrayList<>();
            await("the interrupt on the eventq").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        f.epoll.await(f.events, 10);
                        f.eventq.drainUsed((h, len) -> used.add(new int[] {h, len}));
                        return !used.isEmpty();
                    });
            assertThat(used).hasSize(1);
            assertThat(used.getFirst()[1]).isEqualTo(1);
            assertThat(f.memory.readU8(buf + 8)).isEqualTo(1);
        }
    }

    /** QEMU pauses a VM with GET_VRING_BASE and resumes it at the same index: held interrupt buffers still count. */
    @Test
    void aPausedVmGetsTheInterruptThatCameDuringThePause() throws Exception {
        try (TestFrontend f = connect()) {
            f.watchRisingEdges(1);
            long buf = TestFrontend.IRQ_BUF;
            await("the back end to take the buffer").atMost(Duration.ofSeconds(5))
                    .until(() -> eventqTaken(f));
            int requestBase = f.vringBase(0);
            int eventBase = f.vringBase(1);
            assertThat(eventBase).as("the held buffer counts as taken").isEqualTo(1);
            chip.drive(1, 1); // while the VM is paused
            f.state(VhostUser.SET_VRING_BASE, 0, requestBase);
            f.vringFd(VhostUser.SET_VRING_KICK, 0, f.kick[0]);
            f.state(VhostUser.SET_VRING_BASE, 1, eventBase);
            f.vringFd(VhostUser.SET_VRING_KICK, 1, f.kick[1]);
            List<int[]> used = new java.util.ArrayList<>();
            await("the interrupt after the resume").atMost(Duration.ofSeconds(5))
                    .until(() -> {
                        f.eventq.drainUsed((h, len) -> used.add(new int[] {h, len}));
                        return !used.isEmpty();
                    });
            assertThat(used.getFirst()[1]).isEqualTo(1);
            assertThat(f.memory.readU8(buf + 8)).as("VALID").isEqualTo(1);
        }
    }

    /** Whether the back end has taken the one interrupt buffer: its avail_event moved past it (EVENT_IDX). */
    private static boolean eventqTaken(TestFrontend f) throws Exception {
        long usedRing = f.eventq.config().usedRing();
        return f.memory.readU16(usedRing + 4 + 8L * TestFrontend.QSIZE) >= 1;
    }

    @Test
    void clientModeConnectsToAListeningFrontEndAndReconnectsAfterADrop() throws Exception {
        Path qemu = dir.resolve("qemu.sock");
        SimulatedChip c = SimulatedChip.withLines("client", 2, "C");
        try (UnixSocket listening = UnixSocket.listen(qemu, 1);
                VhostUserServer client = VhostUserServer.connecting(qemu,
                        new VirtioGpioDevice(new GpioController(c)), "client").start()) {
            try (TestFrontend f = new TestFrontend(listening.accept())) {
                f.negotiate();
                f.setUpQueues(true);
                f.request(SET_VALUE, 1, 1);
                f.request(SET_DIRECTION, 1, Direction.OUT.code());
            }
            assertThat(c.observe(1)).isEqualTo(1);
            try (TestFrontend f = new TestFrontend(listening.accept())) {
                f.negotiate();
                f.setUpQueues(true);
                assertThat(f.request(GET_VALUE, 1, 0)).containsExactly(0, 1, 2);
                assertThat(client.connections()).isEqualTo(2);
            }
            assertThat(qemu).as("the front end's socket is not the back end's to remove").exists();
        }
    }

    /** A front end that listens but does not accept (its backlog is full) must not hold the connecting loop. */
    @Test
    void clientModeDoesNotWaitForAFrontEndThatDoesNotAccept() throws Exception {
        Path qemu = dir.resolve("frozen.sock");
        List<UnixSocket> queued = new java.util.ArrayList<>();
        try (UnixSocket listening = UnixSocket.listen(qemu, 0)) {
            UnixSocket s;
            while ((s = UnixSocket.connectWithoutWaiting(qemu)) != null) {
                queued.add(s); // fill the backlog: nobody accepts
            }
            VhostUserServer client = VhostUserServer.connecting(qemu,
                    new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("c", 2, "C"))), "frozen").start();
            Thread.sleep(500); // a few connection attempts (every 200 ms)
            client.close();
            assertThat(client.isRunning()).as("the loop was not stuck in connect()").isFalse();
            assertThat(client.connections()).isZero();
        } finally {
            queued.forEach(UnixSocket::close);
        }
    }

    @Test
    void eventqIsNotServedWithoutTheIrqFeature() throws Exception {
        try (TestFrontend f = new TestFrontend(path)) {
            f.backendFeatures = f.u64Request(VhostUser.GET_FEATURES);
            long protocol = f.u64Request(VhostUser.GET_PROTOCOL_FEATURES);
            f.u64Message(VhostUser.SET_PROTOCOL_FEATURES, protocol);
            f.send(VhostUser.SET_OWNER, 0);
            f.u64Message(VhostUser.SET_FEATURES, f.backendFeatures & ~1L);
            f.setUpQueues(true);
            assertThat(f.request(GET_DIRECTION, 0, 0)[0]).isZero();
            assertThat(server.session().isActive(0)).isTrue();
            assertThat(server.session().isActive(1)).isFalse();
            assertThat(f.request(dev.vgpio.protocol.MessageType.SET_IRQ_TYPE, 1, 1)[0]).as("IRQ without F_IRQ").isOne();
        }
    }
}
