package dev.vgpio.vhostuser;

import static dev.vgpio.protocol.MessageType.GET_DIRECTION;
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
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtqueue.DeviceQueue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a front end that attacks the back end through its own descriptors and memory can do: each test sets up the
 * attack, shows it ends that connection at most, and that the same server then serves a new front end with the
 * line state it had.
 */
class HostileFrontEndTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    Path path;
    SimulatedChip chip;
    VhostUserServer server;
    final AtomicReference<Throwable> fatal = new AtomicReference<>();

    private void start(ServerOptions options) throws IOException {
        path = dir.resolve("gpio.sock");
        chip = new SimulatedChip("test", List.of("LED", "BUTTON", "", "RESET"));
        server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(chip)), "test", options)
                .onFatal(fatal::set).start();
    }

    private void start() throws IOException {
        start(ServerOptions.DEFAULTS);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        assertThat(fatal.get()).as("the serving thread never died").isNull();
    }

    private TestFrontend connect() throws Exception {
        TestFrontend f = new TestFrontend(path);
        f.negotiate();
        f.setUpQueues(true);
        return f;
    }

    /** Line 0 as an output at 1, the state every test expects to find again. */
    private TestFrontend connectAndDriveLine0() throws Exception {
        TestFrontend f = connect();
        f.request(SET_VALUE, 0, 1);
        f.request(SET_DIRECTION, 0, Direction.OUT.code());
        return f;
    }

    /** The connection has gone, the thread serves on, and a new front end finds line 0 as it was. */
    private void expectRecovered() throws Exception {
        await("the back end to drop the connection").atMost(WITHIN).until(() -> !server.isConnected());
        assertThat(server.isRunning()).isTrue();
        assertThat(path).exists();
        try (TestFrontend f = connect()) {
            assertThat(f.request(GET_DIRECTION, 0, 0)).containsExactly(0, Direction.OUT.code(), 2);
            assertThat(f.request(GET_VALUE, 0, 0)).containsExactly(0, 1, 2);
        }
        assertThat(chip.observe(0)).isEqualTo(1);
    }

    @Test
    void memoryTruncatedUnderAQueuedRequestEndsThatConnectionOnly() throws Exception {
        start();
        TestFrontend f = connectAndDriveLine0();
        try (f) {
            long buf = TestFrontend.BUFS + 0x8000;
            f.queueRequest(buf, GET_VALUE.code(), 0, 0, 2);
            Fds.ftruncate(f.memFd, 0); // from here on neither side may touch that memory
            f.kick[0].signal();
            await("the fault to be seen").atMost(WITHIN).until(() -> server.memoryFaults() == 1);
            f.mapping = null; // unmapping a truncated file is fine, but the test has no more use for it
        }
        expectRecovered();
    }

    @Test
    void memoryTruncatedUnderAHeldInterruptBufferEndsThatConnectionOnly() throws Exception {
        start();
        try (TestFrontend f = connectAndDriveLine0()) {
            f.watchRisingEdges(1);
            long buf = TestFrontend.IRQ_BUF;
            await("the back end to hold the buffer").atMost(WITHIN)
                    .until(() -> f.eventq.inFlightChains() == 1 && server.session().isActive(1));
            f.request(GET_DIRECTION, 1, 0); // the eventq kick has been served once this is answered
            Fds.ftruncate(f.memFd, 0);
            chip.drive(1, 1); // the back end writes the interrupt into memory that is no longer there
            await("the fault to be seen").atMost(WITHIN).until(() -> server.memoryFaults() == 1);
        }
        expectRecovered();
    }

    @Test
    void aBlockingCallFdWithAFullCounterNeverBlocksTheLoop() throws Exception {
        start();
        try (TestFrontend f = connectAndDriveLine0(); EventFd full = EventFd.create()) {
            Fds.setNonBlocking(full.fd(), false);
            TestFrontend.fillCounter(full);
            f.vringFd(VhostUser.SET_VRING_CALL, 0, full);
            // answered although the call fd cannot take another signal; the test sees used entries by polling
            long buf = TestFrontend.BUFS + 0x8000;
            for (int i = 0; i < 3; i++) {
                f.queueRequest(buf, GET_VALUE.code(), 0, 0, 2);
                f.kick[0].signal();
                List<Integer> used = new ArrayList<>();
                await("an answer").atMost(WITHIN).until(() -> {
                    f.requestq.drainUsed((h, len) -> used.add(len));
                    return !used.isEmpty();
                });
                assertThat(f.memory.readU8(buf + 17)).isEqualTo(1);
            }
            assertThat(server.isConnected()).as("EAGAIN on the call fd means: already signalled").isTrue();
        }
        expectRecovered();
    }

    /** The front end shares the call fd's open file: it clears O_NONBLOCK again after handing it over. */
    @Test
    void aCallFdMadeBlockingAgainByTheFrontEndEndsTheConnectionInsteadOfBlocking() throws Exception {
        start();
        try (TestFrontend f = connectAndDriveLine0()) {
            Fds.setNonBlocking(f.call[0].fd(), false);
            TestFrontend.fillCounter(f.call[0]);
            long buf = TestFrontend.BUFS + 0x8000;
            f.queueRequest(buf, GET_VALUE.code(), 0, 0, 2);
            f.kick[0].signal();
            await("the back end to drop the connection rather than block").atMost(WITHIN)
                    .until(() -> !server.isConnected());
        }
        expectRecovered();
    }

    @Test
    void aCallFdThatIsAPipeIsRefusedWhenItArrives() throws Exception {
        start();
        try (TestFrontend f = connectAndDriveLine0()) {
            Path fifo = dir.resolve("fifo");
            new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
            try (var ch = java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                int fd = fdOf(fifo);
                U64.write(f.payload, VringFd.of(0, false));
                f.send(VhostUser.SET_VRING_CALL, Header.FLAG_VERSION, VringFd.SIZE, new int[] {fd});
                assertThatThrownBy(() -> f.reply(VhostUser.GET_FEATURES)).isInstanceOf(IOException.class);
            }
        }
        expectRecovered();
    }

    @Test
    void aKickFdThatIsARegularFileIsRefusedWhenItArrives() throws Exception {
        start();
        try (TestFrontend f = connectAndDriveLine0()) {
            Path file = Files.writeString(dir.resolve("plain"), "x");
            try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
                f.vringBase(0);
                U64.write(f.payload, VringFd.of(0, false));
                f.send(VhostUser.SET_VRING_KICK, Header.FLAG_VERSION, VringFd.SIZE, new int[] {fdOf(file)});
                assertThatThrownBy(() -> f.reply(VhostUser.GET_FEATURES)).isInstanceOf(IOException.class);
            }
        }
        expectRecovered();
    }

    @Test
    void aFrontEndThatDripsAMessageNeitherHoldsTheLoopNorGetsAnAnswer() throws Exception {
        start(ServerOptions.DEFAULTS.withMessageTimeout(Duration.ofSeconds(2)));
        try (TestFrontend f = connectAndDriveLine0()) {
            f.watchRisingEdges(1);
            long buf = TestFrontend.IRQ_BUF;
            Header.write(f.msg, VhostUser.GET_FEATURES, Header.FLAG_VERSION, 0);
            f.socket.sendFully(f.msg, 0, 5, null, 0); // 5 of the header's 12 bytes, and then nothing for a while
            chip.drive(1, 1);
            await("the interrupt, while a message is half sent").atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(5)).until(() -> f.memory.readU8(buf + 8) == 1);
            assertThat(server.isConnected()).isTrue();
            await("the message deadline").atMost(WITHIN).until(() -> !server.isConnected());
            assertThatThrownBy(() -> f.socket.sendFully(f.msg, 5, 7, null, 0)).isInstanceOf(IOException.class);
        }
        expectRecovered();
    }

    @Test
    void aFrontEndThatConnectsAndSaysNothingIsClosedSoAnotherCanConnect() throws Exception {
        start(ServerOptions.DEFAULTS.withHandshakeTimeout(Duration.ofMillis(500)));
        try (TestFrontend f = connectAndDriveLine0()) {
            assertThat(f.request(GET_VALUE, 0, 0)[1]).isOne();
        }
        await().atMost(WITHIN).until(() -> !server.isConnected());
        try (UnixSocket silent = UnixSocket.connect(path)) {
            await("the silent one to be seen").atMost(WITHIN).until(server::isConnected);
            await("the handshake deadline").atMost(WITHIN).until(() -> !server.isConnected());
        }
        expectRecovered();
    }

    @Test
    void aFrontEndThatNeverReadsItsRepliesNeitherHoldsTheLoopNorStaysConnected() throws Exception {
        start(ServerOptions.DEFAULTS.withMessageTimeout(Duration.ofSeconds(4)));
        try (TestFrontend f = connectAndDriveLine0()) {
            f.watchRisingEdges(1);
            long buf = TestFrontend.IRQ_BUF;
            await("the back end to hold the buffer").atMost(WITHIN).until(() -> chip.edgeDetection(1)
                    != dev.vgpio.lines.Edge.NONE);
            f.request(GET_VALUE, 0, 0); // the eventq kick has been served once this is answered
            Header.write(f.msg, VhostUser.GET_FEATURES, Header.FLAG_VERSION, 0);
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            Thread flood = Thread.ofPlatform().start(() -> {
                try {
                    while (sent.get() < 1_000_000) {
                        f.socket.sendFully(f.msg, 0, Header.SIZE, null, 0);
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    // the back end stopped reading, then closed the connection
                }
            });
            int[] last = {-1};
            await("the back end to stop reading").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        int now = sent.get();
                        boolean still = now == last[0];
                        last[0] = now;
                        return still;
                    });
            assertThat(server.isConnected()).isTrue();
            chip.drive(1, 1);
            await("the interrupt, while a reply waits to be taken").atMost(Duration.ofSeconds(2))
                    .until(() -> f.memory.readU8(buf + 8) == 1);
            await("the message deadline").atMost(WITHIN).until(() -> !server.isConnected());
            f.socket.shutdown();
            flood.join(5000);
            assertThat(sent.get()).isLessThan(1_000_000);
        }
        expectRecovered();
    }

    @Test
    void aServingThreadThatDiesTellsItsOwner() throws Exception {
        path = dir.resolve("dies.sock");
        AtomicReference<Runnable> wake = new AtomicReference<>();
        VirtioDevice device = new DyingDevice(wake);
        AtomicReference<Throwable> died = new AtomicReference<>();
        try (VhostUserServer s = new VhostUserServer(path, device, "dies").onFatal(died::set).start()) {
            wake.get().run();
            await("the owner to hear of it").atMost(WITHIN).until(() -> died.get() != null);
            assertThat(died.get()).isInstanceOf(AssertionError.class).hasMessage("a bug in the device");
            assertThat(s.isRunning()).isFalse();
            assertThat(path).as("the socket goes with the thread").doesNotExist();
        }
    }

    private static int fdOf(Path file) throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(p).equals(file.toAbsolutePath())) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        throw new IOException(file + " is not open");
    }

    /** A device with a bug: its wakeup handler throws an {@link AssertionError}. */
    private record DyingDevice(AtomicReference<Runnable> wake) implements VirtioDevice {
        @Override
        public int deviceId() {
            return 41;
        }

        @Override
        public int queueCount() {
            return 1;
        }

        @Override
        public long deviceFeatures() {
            return 0;
        }

        @Override
        public void negotiate(long features) {
        }

        @Override
        public boolean queueAvailable(int index) {
            return true;
        }

        @Override
        public int configSize() {
            return 0;
        }

        @Override
        public void readConfig(int offset, MemorySegment dst, int length) {
        }

        @Override
        public void startQueue(int index, DeviceQueue queue, Notifier used, Notifier error) {
        }

        @Override
        public void stopQueue(int index) {
        }

        @Override
        public void queueNotified(int index) {
        }

        @Override
        public void setWakeup(Runnable w) {
            wake.set(w);
        }

        @Override
        public void onWakeup() {
            throw new AssertionError("a bug in the device");
        }
    }
}
