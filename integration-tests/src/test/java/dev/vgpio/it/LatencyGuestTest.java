package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.vhostuser.VhostUserServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures how long a host-side level change takes to reach a program in the guest: the host changes an input,
 * vgpio-echo in the guest (GPIO uAPI v2 edge events) copies it to an output at once, and the host times the
 * round trip until it sees the output follow. Reports median, p99 and max (no timing assertions: figures go to
 * the report and to target/latency.txt); asserts only that every edge came back, in order.
 */
class LatencyGuestTest {
    static final int IN = 2;
    static final int OUT = 6;
    static final int WARMUP = 20;
    static final int MEASURED = 200;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @Test
    void hostLevelChangeToGuestProgramAndBack() throws Exception {
        SimulatedChip chip = new SimulatedChip("vgpio-latency", LinuxGuestTest.NAMES);
        LinkedBlockingQueue<long[]> outputs = new LinkedBlockingQueue<>();
        chip.addStateListener((offset, direction, level) -> {
            if (offset == OUT && direction == Direction.OUT) {
                outputs.add(new long[] {System.nanoTime(), level});
            }
        });
        int total = WARMUP + MEASURED;
        String scenario = "vgpio-echo gpiochip0 %d %d %d | grep -v '^VGPIO-ECHO ev'\necho \"VGPIO-MARK echo-exit $?\"\n"
                .formatted(IN, OUT, total);
        long[] rtt = new long[total];
        try (VhostUserServer server = new VhostUserServer(dir.resolve("gpio.sock"),
                new VirtioGpioDevice(new GpioController(chip)), "latency").start();
                GuestVm vm = new GuestVm(dir, "latency", scenario, server.path())) {
            vm.await("VGPIO-ECHO ready", LinuxGuestTest.BOOT);
            Thread.sleep(200);
            outputs.clear();
            int level = 0;
            for (int i = 0; i < total; i++) {
                level = 1 - level;
                long t0 = System.nanoTime();
                chip.drive(IN, level);
                long[] seen = outputs.poll(5, TimeUnit.SECONDS);
                assertThat(seen).as("the guest echoed edge %d within 5 s", i).isNotNull();
                assertThat(seen[1]).as("echo of edge %d", i).isEqualTo(level);
                rtt[i] = seen[0] - t0;
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            vm.await("VGPIO-MARK echo-exit", Duration.ofSeconds(30));
            vm.finish(Duration.ofSeconds(30));
            assertThat(vm.scenarioOutput()).contains("VGPIO-ECHO done " + total + " rising " + total / 2
                    + " falling " + total / 2, "VGPIO-MARK echo-exit 0");
        }
        long[] measured = Arrays.copyOfRange(rtt, WARMUP, total);
        Arrays.sort(measured);
        String report = String.format(
                "host level change -> guest program (vgpio-echo, uAPI v2 edge event) -> guest sets an output -> host"
                        + " sees it%nround trip over %d edges (after %d warm-up): median %.2f ms, p99 %.2f ms, max %.2f ms%n",
                MEASURED, WARMUP, ms(percentile(measured, 50)), ms(percentile(measured, 99)),
                ms(measured[measured.length - 1]));
        System.out.print(report);
        Files.writeString(Path.of("target", "latency.txt"), report);
    }

    static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

}
