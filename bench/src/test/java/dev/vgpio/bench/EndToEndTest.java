package dev.vgpio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.vhostuser.VhostUserServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end benchmark runs and its figures are consistent (no timing assertions). */
class EndToEndTest {
    @TempDir
    Path dir;

    private static void consistent(EndToEnd.Result r) {
        assertThat(r.syncSamples()).isPositive();
        assertThat(r.syncP50Ns()).isPositive().isLessThanOrEqualTo(r.syncP99Ns());
        assertThat(r.syncP99Ns()).isLessThanOrEqualTo(r.syncP999Ns());
        assertThat(r.syncOpsPerS()).isPositive();
        assertThat(r.batchOpsPerS()).isPositive();
        assertThat(r.lines()).isEqualTo(8);
    }

    @Test
    void overVhostUserAgainstVgpiosBackEnd() throws Exception {
        Path socket = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(socket,
                new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("sim", 8, "L"))), "bench").start()) {
            EndToEnd.Result r = EndToEnd.run(socket, Duration.ofMillis(100), Duration.ofMillis(300), 64);
            consistent(r);
            assertThat(r.batchInFlight()).isEqualTo(64);
        }
    }

    @Test
    void inProcess() throws Exception {
        try (InProcessTransport t = new InProcessTransport(
                new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("sim", 8, "L"))), 4 << 20)) {
            consistent(EndToEnd.run(t, Duration.ofMillis(50), Duration.ofMillis(200), 128));
        }
    }
}
