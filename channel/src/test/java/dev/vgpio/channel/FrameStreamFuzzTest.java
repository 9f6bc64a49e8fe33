package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.virtqueue.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Fuzzes the device side of the channel: byte streams from a driver, fed to one {@link ChannelServer} that serves
 * vgpio's GPIO device for the whole run (so a stream that breaks it breaks the next one too). A stream is a sequence
 * of frames the harness puts in valid envelopes (most of them, so that sessions get to requests), raw bytes, and
 * shortcuts to a live session; socket and serial-line modes alternate.
 *
 * <p>Invariants: the server never sends a frame that does not decode, that is larger than 496 bytes, of a type a
 * device does not send, a RESPONSE piece outside its used length, or an ERROR with an unknown code; after each
 * stream the session ends and a real driver (vgpio's, over a fresh link) opens the device and reads a line.
 */
class FrameStreamFuzzTest {
    private static final BlockingQueue<Link> LINKS = new LinkedBlockingQueue<>();
    private static final SimulatedChip SIM = new SimulatedChip("fuzz", List.of("A", "B", "C", "D"));
    private static final ChannelServer SERVER = start();

    private static ChannelServer start() {
        try {
            GpioController controller = new GpioController(SIM);
            Listener listener = new Listener() {
                @Override
                public Link accept() throws java.io.IOException {
                    try {
                        return LINKS.take();
                    } catch (InterruptedException e) {
                        throw new java.io.IOException("closed");
                    }
                }

                @Override
                public String describe() {
                    return "fuzz links";
                }

                @Override
                public void close() {
                }
            };
            return new ChannelServer(new VirtioGpioDevice(controller), listener, new ChannelServer.Options("fuzz",
                    ChannelTest.gpioLimits(4, (int) controller.config().gpioNamesSize()), null,
                    Duration.ofSeconds(30), Duration.ofSeconds(30))).start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void frameStreams(byte[] bytes) throws Exception {
        FuzzInput in = new FuzzInput(bytes);
        boolean lossy = (in.u8() & 1) != 0;
        MemoryLink[] pair = MemoryLink.pair(lossy);
        LINKS.add(pair[0]);
        Envelope.Encoder encoder = new Envelope.Encoder();
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        for (int frames = 0; frames < 64 && in.hasMore(); frames++) {
            int op = in.u8();
            if (op < 200) {
                MemorySegment f = encoder.frame();
                int n = in.below(Frame.MAX_BODY + 1);
                Frame.header(f, op % 12, in.u8() & 3, in.u16() & 0x7f, in.u16() & 0x1ff, in.u16());
                byte[] body = in.bytes(n);
                MemorySegment.copy(body, 0, f, ValueLayout.JAVA_BYTE, Frame.BODY, body.length);
                encoder.commit(Frame.HEADER + body.length, out);
            } else if (op < 230) {
                MemorySegment f = encoder.frame();
                Frame.header(f, Frame.HELLO, 0, 0, 0, 0);
                Frame.u16(f, Frame.HELLO_MIN_VERSION, 1);
                Frame.u16(f, Frame.HELLO_MAX_VERSION, 1);
                Frame.u16(f, Frame.HELLO_TOKEN_LENGTH, 0);
                encoder.commit((int) Frame.HELLO_TOKEN, out);
                f = encoder.frame();
                Frame.header(f, Frame.FEATURES, 0, 0, 0, 0);
                Frame.u64(f, Frame.FEATURE_BITS, (1L << 32) | (in.u8() & 3));
                encoder.commit(Frame.HEADER + 8, out);
            } else {
                out.put(in.bytes(in.below(32)));
            }
            if ((op & 7) == 0 || out.remaining() < 2 * Envelope.MAX) {
                out.flip();
                pair[1].write(out);
                out.clear();
            }
        }
        out.flip();
        pair[1].write(out);
        pair[1].close();
        ByteArrayOutputStream answered = new ByteArrayOutputStream();
        for (byte[] b = pair[1].poll(5000); b != null; b = pair[1].poll(5000)) {
            answered.write(b);
        }
        check(answered.toByteArray());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (SERVER.inUse()) {
            assertThat(System.nanoTime()).as("the session ends with its link").isLessThan(deadline);
            Thread.sleep(1);
        }
        MemoryLink[] fresh = MemoryLink.pair(false);
        LINKS.add(fresh[0]);
        try (GpioChip chip = GpioChip.open(ChannelTransport.over(fresh[1], null, Duration.ofSeconds(5), 1 << 20))) {
            assertThat(chip.lineNames()).containsExactly("A", "B", "C", "D");
            assertThat(chip.getDirection(0)).isIn(Direction.NONE, Direction.IN, Direction.OUT);
        }
    }

    /** What the server sent: frames a device may send, each whole and in bounds. */
    private static void check(byte[] stream) throws Exception {
        Envelope.Decoder d = new Envelope.Decoder(false);
        d.feed(ByteBuffer.wrap(stream), (f, length) -> {
            int type = Frame.type(f);
            assertThat(length).isBetween(Frame.HEADER, Frame.MAX);
            assertThat(type).isIn(Frame.DEVICE, Frame.FEATURES_OK, Frame.RESPONSE, Frame.PONG, Frame.ERROR);
            if (type == Frame.RESPONSE) {
                assertThat(Frame.offset(f) + length - Frame.HEADER).isLessThanOrEqualTo(Frame.size(f));
                assertThat(Frame.queue(f)).isLessThan(2);
            }
            if (type == Frame.ERROR) {
                assertThat(ChannelError.of(Frame.u16(f, Frame.ERROR_CODE))).isNotNull();
            }
        });
        assertThat(d.partial()).as("no frame left unfinished").isFalse();
    }
}
