package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.sys.Pty;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The channel over a serial line (a pseudo-terminal pair): the same session, and resynchronisation after noise. */
class SerialChannelTest {
    @Test
    void aDriverOverASerialLineAndNoiseBetweenFrames() throws Exception {
        SimulatedChip sim = new SimulatedChip("board", List.of("LED", "BUTTON"));
        GpioController controller = new GpioController(sim);
        try (Pty pty = Pty.open()) {
            // the device serves the master side; the driver opens the slave as a board's serial port would be
            Endpoint.Serial line = new Endpoint.Serial(pty.slavePath(), 115_200);
            try (ChannelServer server = new ChannelServer(new VirtioGpioDevice(controller), line.listen(),
                    ChannelServer.Options.of("board", ChannelTest.gpioLimits(2,
                            (int) controller.config().gpioNamesSize()))).start()) {
                Link host = new Link() {
                    @Override
                    public int read(java.nio.ByteBuffer dst) throws java.io.IOException {
                        int n;
                        do {
                            n = pty.master().read(dst, 250);
                        } while (n == 0);
                        return n;
                    }

                    @Override
                    public void write(java.nio.ByteBuffer src) throws java.io.IOException {
                        pty.master().write(src);
                    }

                    @Override
                    public void wakeReader() {
                    }

                    @Override
                    public boolean lossy() {
                        return true;
                    }

                    @Override
                    public String describe() {
                        return "pty master";
                    }

                    @Override
                    public void close() {
                    }
                };
                try (RawPeer noise = new RawPeer(host)) {
                    // garbage, a frame whose CRC is wrong, then a session: the device skips to the next good frame
                    noise.sendRaw(new byte[] {0x00, 'V', 'x', (byte) 0xff, 'V', 'G', 8, 0, 7, 0, 0, 0, 0, 0, 0, 0,
                        1, 2, 3, 4});
                    noise.hello();
                    byte[] device = noise.next(Duration.ofSeconds(5));
                    assertThat(device[0]).isEqualTo((byte) Frame.DEVICE);
                    noise.features(1L << 32 | 1);
                    assertThat(noise.next(Duration.ofSeconds(5))[0]).isEqualTo((byte) Frame.FEATURES_OK);
                    noise.send(Frame.REQUEST, 0, 0, 2, 0, RawPeer.gpio(MessageType.SET_VALUE.code(), 0, 1));
                    assertThat(noise.next(Duration.ofSeconds(5))).containsExactly(Frame.RESPONSE, 0, 0, 0, 2, 0, 0,
                            0, 0, 0);
                    // noise in a session: a frame may be lost, so the session ends, and the driver is told
                    noise.sendRaw(new byte[] {'V', 'G', 5, 0});
                    byte[] lost = noise.next(Duration.ofSeconds(5));
                    assertThat(lost[0]).isEqualTo((byte) Frame.ERROR);
                    assertThat(RawPeer.u16(lost, 8)).isEqualTo(ChannelError.MALFORMED.code());
                    // a protocol error ends the session, not the line: a new HELLO begins the next one
                    noise.hello();
                    assertThat(noise.next(Duration.ofSeconds(5))[0]).isEqualTo((byte) Frame.DEVICE);
                    noise.send(Frame.REQUEST, 0, 99, 2, 0, RawPeer.gpio(MessageType.GET_VALUE.code(), 0, 0));
                    byte[] sequence = noise.next(Duration.ofSeconds(5));
                    assertThat(RawPeer.u16(sequence, 8)).as("REQUEST before FEATURES_OK")
                            .isEqualTo(ChannelError.SEQUENCE.code());
                }
                // and vgpio's own driver over the same line, through the transport
                try (GpioChip chip = GpioChip.open(ChannelTransport.over(host, null, Duration.ofSeconds(5),
                        1 << 20)); LineRequest led = chip.requestLines(LineSettings.output(1), 0)) {
                    assertThat(chip.lineNames()).containsExactly("LED", "BUTTON");
                    led.setValue(0, 0);
                    assertThat(sim.observe(0)).isZero();
                    led.setValue(0, 1);
                    assertThat(sim.observe(0)).isEqualTo(1);
                }
            }
        }
    }
}
