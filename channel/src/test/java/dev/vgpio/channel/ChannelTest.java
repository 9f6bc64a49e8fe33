package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.virtio.VirtioException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vgpio's GPIO device served over the channel, driven by vgpio's driver over the channel: a real device each end. */
class ChannelTest {
    @TempDir
    Path dir;
    SimulatedChip sim;
    ChannelServer server;
    Endpoint at;

    static List<ChannelServer.QueueLimits> gpioLimits(int ngpio, int namesSize) {
        return List.of(new ChannelServer.QueueLimits(64, 8, Math.max(2, 1 + namesSize)),
                new ChannelServer.QueueLimits(ngpio, 2, 1));
    }

    @BeforeEach
    void serve() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            names.add("LINE_WITH_A_LONG_NAME_" + i); // a names block of ~960 bytes: RESPONSE in pieces
        }
        sim = new SimulatedChip("sim", names);
        GpioController controller = new GpioController(sim);
        VirtioGpioDevice device = new VirtioGpioDevice(controller);
        at = new Endpoint.Unix(dir.resolve("board.sock"));
        server = new ChannelServer(device, at.listen(), ChannelServer.Options.of("test",
                gpioLimits(40, (int) controller.config().gpioNamesSize()))).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    GpioChip open() throws VirtioException {
        return GpioChip.open(ChannelTransport.connect(at, null, Duration.ofSeconds(5), 1 << 20));
    }

    @Test
    void theDriverSeesTheDeviceAsOverAVirtqueue() throws Exception {
        try (GpioChip chip = open()) {
            assertThat(chip.lineCount()).isEqualTo(40);
            assertThat(chip.lineNames().get(39)).isEqualTo("LINE_WITH_A_LONG_NAME_39");
            assertThat(chip.hasInterrupts()).isTrue();
            try (LineRequest out = chip.requestLines(LineSettings.output(1), 0)) {
                assertThat(sim.observe(0)).isEqualTo(1);
                out.setValue(0, 0);
                assertThat(sim.observe(0)).isZero();
                assertThat(chip.getDirection(0)).isEqualTo(Direction.OUT);
            }
            try (LineRequest in = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 5)) {
                for (int i = 0; i < 20; i++) {
                    sim.drive(5, i % 2 == 0 ? 1 : 0);
                    EdgeEvent e = in.readEvent(Duration.ofSeconds(5));
                    assertThat(e).as("edge %d", i).isNotNull();
                    assertThat(e.type()).isEqualTo(i % 2 == 0 ? EdgeEvent.Type.RISING : EdgeEvent.Type.FALLING);
                }
            }
        }
    }

    @Test
    void oneDriverAtATimeAndTheNextFindsTheOutputsKept() throws Exception {
        ChannelTransport link = ChannelTransport.connect(at, null, Duration.ofSeconds(5), 1 << 20);
        GpioChip first = GpioChip.open(link);
        LineRequest out = first.requestLines(LineSettings.output(1), 3);
        assertThatThrownBy(this::open).isInstanceOf(VirtioException.class).hasMessageContaining("BUSY")
                .hasMessageContaining("serves another driver");
        link.close(); // the link goes without the driver letting its lines go
        first.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !server.inUse());
        assertThat(sim.observe(3)).as("the line is still driven").isEqualTo(1);
        try (GpioChip second = open()) {
            assertThat(second.getDirection(3)).isEqualTo(Direction.OUT);
        }
        assertThat(out).isNotNull();
    }

    @Test
    void manyRequestsInFlightFromManyThreads() throws Exception {
        try (GpioChip chip = open(); LineRequest in = chip.requestLines(LineSettings.input(), 10, 11, 12, 13)) {
            sim.drive(12, 1);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 500; i++) {
                            assertThat(in.getValues()).containsExactly(0, 0, 1, 0);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failures).isEmpty();
        }
    }
}
