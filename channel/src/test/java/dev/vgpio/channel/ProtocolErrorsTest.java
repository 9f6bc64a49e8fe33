package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.MessageType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a device answers a driver that breaks the channel protocol: an ERROR frame with the code of
 * docs/channel.md and a message, then the end of the connection; the server goes on serving the next driver.
 */
class ProtocolErrorsTest {
    static final Duration WAIT = Duration.ofSeconds(5);
    @TempDir
    Path dir;
    SimulatedChip sim;
    ChannelServer server;
    Endpoint at;

    @BeforeEach
    void serve() throws Exception {
        sim = new SimulatedChip("sim", List.of("A", "B", "C", "D"));
        GpioController controller = new GpioController(sim);
        at = new Endpoint.Unix(dir.resolve("board.sock"));
        server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(), new ChannelServer.Options("test",
                ChannelTest.gpioLimits(4, (int) controller.config().gpioNamesSize()), "sesame".getBytes(),
                Duration.ofSeconds(30), Duration.ofMillis(500))).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    RawPeer peer() throws Exception {
        return new RawPeer(at.connect());
    }

    RawPeer ready() throws Exception {
        RawPeer p = peer();
        p.hello("sesame".getBytes());
        byte[] device = p.next(WAIT);
        assertThat(device[0]).isEqualTo((byte) Frame.DEVICE);
        p.features(1L << 32 | 1);
        assertThat(p.next(WAIT)[0]).isEqualTo((byte) Frame.FEATURES_OK);
        return p;
    }

    /** The peer gets ERROR {@code code}, whose message contains {@code words}, and the link ends. */
    static void refused(RawPeer p, ChannelError code, String words) throws Exception {
        byte[] f = p.next(WAIT);
        while (f != null && f[0] == Frame.RESPONSE) {
            f = p.next(WAIT); // answers to the requests before the bad one may come first
        }
        assertThat(f).as("an ERROR frame").isNotNull();
        assertThat(f[0]).isEqualTo((byte) Frame.ERROR);
        assertThat(RawPeer.u16(f, 8)).as("error code").isEqualTo(code.code());
        assertThat(new String(f, 12, f.length - 12, StandardCharsets.UTF_8)).contains(words);
        assertThat(p.closedWithin(WAIT)).as("the device ends the connection").isTrue();
    }

    @Test
    void aSessionAnswersRequestsByTag() throws Exception {
        try (RawPeer p = ready()) {
            sim.drive(2, 1);
            p.send(Frame.REQUEST, 0, 3, 2, 0, RawPeer.gpio(MessageType.SET_DIRECTION.code(), 2, 2));
            p.send(Frame.REQUEST, 0, 7, 2, 0, RawPeer.gpio(MessageType.GET_VALUE.code(), 2, 0));
            byte[] a = p.next(WAIT);
            byte[] b = p.next(WAIT);
            assertThat(a).containsExactly(Frame.RESPONSE, 0, 3, 0, 2, 0, 0, 0, 0, 0);
            assertThat(b).containsExactly(Frame.RESPONSE, 0, 7, 0, 2, 0, 0, 0, 0, 1);
            p.send(Frame.PING, 0, 0, 0, 0, RawPeer.le64(0x1234));
            assertThat(p.next(WAIT)).containsExactly(Frame.PONG, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void aWrongTokenOrVersionOrOrder() throws Exception {
        try (RawPeer p = peer()) {
            p.hello("open".getBytes());
            refused(p, ChannelError.DENIED, "not this device's");
        }
        try (RawPeer p = peer()) {
            p.hello();
            refused(p, ChannelError.DENIED, "needs a token");
        }
        try (RawPeer p = peer()) {
            p.send(Frame.HELLO, 0, 0, 0, 0, new byte[] {2, 0, 3, 0, 0, 0});
            refused(p, ChannelError.VERSION, "version 1 only");
        }
        try (RawPeer p = peer()) {
            p.send(Frame.REQUEST, 0, 0, 2, 0, RawPeer.gpio(MessageType.GET_VALUE.code(), 0, 0));
            refused(p, ChannelError.SEQUENCE, "REQUEST before FEATURES_OK");
        }
        try (RawPeer p = peer()) {
            p.hello("sesame".getBytes());
            p.next(WAIT);
            p.features(1L << 40);
            refused(p, ChannelError.FEATURES, "VERSION_1");
        }
        try (RawPeer p = ready()) {
            p.send(0x42, 0, 0, 0, 0);
            refused(p, ChannelError.MALFORMED, "type 0x42");
        }
    }

    @Test
    void tagsAndSizesAreBounded() throws Exception {
        try (RawPeer p = ready()) {
            p.send(Frame.REQUEST, 0, 64, 2, 0, RawPeer.gpio(MessageType.GET_VALUE.code(), 0, 0));
            refused(p, ChannelError.TAG, "not below queue 0's size 64");
        }
        try (RawPeer p = ready()) {
            // line 0 an input with its interrupt enabled: its buffer pair is held by the device, its tag in flight
            p.send(Frame.REQUEST, 0, 0, 2, 0, RawPeer.gpio(MessageType.SET_DIRECTION.code(), 0, 2));
            assertThat(p.next(WAIT)).containsExactly(Frame.RESPONSE, 0, 0, 0, 2, 0, 0, 0, 0, 0);
            p.send(Frame.REQUEST, 0, 0, 2, 0, RawPeer.gpio(MessageType.SET_IRQ_TYPE.code(), 0, 3));
            assertThat(p.next(WAIT)).containsExactly(Frame.RESPONSE, 0, 0, 0, 2, 0, 0, 0, 0, 0);
            p.send(Frame.REQUEST, 1, 0, 1, 0, new byte[] {0, 0});
            p.send(Frame.REQUEST, 1, 0, 1, 0, new byte[] {1, 0});
            refused(p, ChannelError.TAG, "already in flight");
        }
        try (RawPeer p = ready()) {
            p.send(Frame.REQUEST, 0, 0, 2, 0, new byte[9]);
            refused(p, ChannelError.TOO_LARGE, "at most 8");
        }
        try (RawPeer p = ready()) {
            p.send(Frame.REQUEST, 5, 0, 2, 0, RawPeer.gpio(MessageType.GET_VALUE.code(), 0, 0));
            refused(p, ChannelError.TAG, "queue 5 does not exist");
        }
    }

    @Test
    void aBrokenEnvelopeOrAStalledFrameEndsTheConnectionNotTheServer() throws Exception {
        try (RawPeer p = peer()) {
            p.sendRaw(new byte[] {'V', 'G', 3, 0});
            refused(p, ChannelError.MALFORMED, "\"VG\" and a length");
        }
        try (RawPeer p = peer()) {
            p.sendRaw(new byte[] {'V', 'G', 16, 0, 1});
            refused(p, ChannelError.TIMEOUT, "not finished within 500 ms");
        }
        try (RawPeer p = ready()) {
            p.send(Frame.REQUEST, 0, 1, 2, 0, RawPeer.gpio(MessageType.GET_DIRECTION.code(), 0, 0));
            assertThat(p.next(WAIT)).containsExactly(Frame.RESPONSE, 0, 1, 0, 2, 0, 0, 0, 0, 0);
        }
    }
}
