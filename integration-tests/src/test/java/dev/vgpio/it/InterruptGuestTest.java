package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.vhostuser.VhostUserServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interrupts end to end: the host toggles simulated inputs, gpiomon in a real Linux guest reports every edge. */
class InterruptGuestTest {
    static final int BUTTON = 2;
    static final int TOGGLES = 200;
    /** Far above the guest's reaction time under TCG (a few ms), so every edge is seen on its own. */
    static final Duration INTERVAL = Duration.ofMillis(25);

    @TempDir
    Path dir;
    SimulatedChip chip;
    GpioController device;
    VirtioGpioDevice virtio;
    HostControl control;
    VhostUserServer server;
    final List<String> changes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @BeforeEach
    void serve() throws Exception {
        chip = new SimulatedChip("vgpio-it", LinuxGuestTest.NAMES);
        chip.addStateListener((offset, direction, level) -> changes.add(offset + ":" + direction + ":" + level));
        control = new HostControl(chip);
        device = new GpioController(chip);
        virtio = new VirtioGpioDevice(device);
        server = new VhostUserServer(dir.resolve("gpio.sock"), virtio, "it").start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** gpiomon prints a banner once armed, one line per edge, and exits by itself 3 s after the last edge. */
    private static String phase(String edge) {
        return """
                echo "VGPIO-MARK phase %1$s"
                gpiomon --banner --idle-timeout 3s -e %1$s -F 'EV %%E' -c gpiochip0 %2$d
                echo "VGPIO-MARK gpiomon-exit %1$s $?"
                """.formatted(edge, BUTTON);
    }

    @Test
    void gpiomonSeesEveryEdgeOfABurstInOrderAndTheLineIsReusableAfterwards() throws Exception {
        String scenario = phase("rising") + phase("falling") + phase("both") + """
                gpioset -t0 -c gpiochip0 %d=1
                echo "VGPIO-MARK reused"
                """.formatted(BUTTON);
        try (GuestVm vm = new GuestVm(dir, "gpiomon", scenario, server.path())) {
            for (String edge : List.of("rising", "falling", "both")) {
                vm.await("VGPIO-MARK phase " + edge, LinuxGuestTest.BOOT);
                vm.await("Monitoring", Duration.ofSeconds(30));
                control.toggle(BUTTON, TOGGLES, INTERVAL);
                vm.await("VGPIO-MARK gpiomon-exit " + edge, Duration.ofSeconds(30));
            }
            vm.await("VGPIO-MARK reused", Duration.ofSeconds(60));
            vm.finish(Duration.ofSeconds(30));
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            assertThat(events(out, "rising")).as("gpiomon -e rising").hasSize(TOGGLES / 2).containsOnly("rising");
            assertThat(events(out, "falling")).as("gpiomon -e falling").hasSize(TOGGLES / 2)
                    .containsOnly("falling");
            List<String> both = events(out, "both");
            assertThat(both).as("gpiomon -e both").hasSize(TOGGLES);
            for (int i = 0; i < both.size(); i++) {
                assertThat(both.get(i)).as("edge %d of %s", i, both).isEqualTo(i % 2 == 0 ? "rising" : "falling");
            }
            for (String edge : List.of("rising", "falling", "both")) {
                assertThat(out).as("gpiomon exits cleanly (idle timeout)")
                        .contains("VGPIO-MARK gpiomon-exit " + edge + " 0");
            }
        }
        assertThat(changes).as("the line was driven as an output after gpiomon released it").contains(BUTTON + ":OUT:1");
        assertThat(device.irqType(BUTTON)).as("gpiomon disabled the interrupt on exit").isEqualTo(IrqType.NONE);
        assertThat(server.isRunning()).isTrue();
    }

    /**
     * QEMU SIGKILLed while gpiomon waits for falling edges on two lines (the daemon holds both eventq buffers), edges
     * while no VM is there, then a second VM: its gpiomon (rising edges this time) sees exactly the edges the host
     * drives, the other line can be driven as an output, and the idle guest gets no interrupt buffer back.
     */
    @Test
    void killedVmWhileGpiomonWaitsLeavesNoInterruptToTheNextVm() throws Exception {
        int watched = 3;
        int pulses = 5;
        String first = """
                gpiomon --banner -e falling -c gpiochip0 %d %d &
                sleep 600
                """.formatted(BUTTON, watched);
        try (GuestVm vm = new GuestVm(dir, "gpiomon-killed", first, server.path())) {
            vm.await("Monitoring", LinuxGuestTest.BOOT);
            await("the daemon to hold both lines' interrupt buffers").atMost(Duration.ofSeconds(10))
                    .until(() -> device.isUnmasked(BUTTON) && device.isUnmasked(watched));
            assertThat(device.irqType(BUTTON)).isEqualTo(IrqType.EDGE_FALLING);
            vm.kill();
        }
        await("the daemon to notice the disconnect").atMost(Duration.ofSeconds(5))
                .until(() -> !server.isConnected());
        assertThat(server.isRunning()).as("the daemon keeps running").isTrue();
        for (int line : new int[] {BUTTON, watched}) {
            chip.drive(line, 1);
            chip.drive(line, 0); // a falling edge while no VM is there
        }

        String second = """
                gpioinfo -c gpiochip0 %1$d %2$d
                """.formatted(BUTTON, watched) + phase("rising") + """
                gpioset -t0 -c gpiochip0 %d=1
                echo "VGPIO-MARK set $?"
                """.formatted(watched);
        try (GuestVm vm = new GuestVm(dir, "gpiomon-next", second, server.path())) {
            vm.await("VGPIO-MARK phase rising", LinuxGuestTest.BOOT);
            vm.await("Monitoring", Duration.ofSeconds(30));
            await("gpiomon's interrupt buffer at the daemon").atMost(Duration.ofSeconds(10))
                    .until(() -> device.isUnmasked(BUTTON));
            long returned = virtio.eventBuffersReturned();
            await("an idle guest to get no interrupt buffer back").during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5)).until(() -> virtio.eventBuffersReturned() == returned);
            control.toggle(BUTTON, 2 * pulses, INTERVAL);
            vm.await("VGPIO-MARK gpiomon-exit rising", Duration.ofSeconds(30));
            vm.finish(Duration.ofSeconds(30));
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            assertThat(out).as("the second VM finds both lines as inputs, as the first left them")
                    .anyMatch(l -> l.matches("gpiochip0 %d\\s+\"BUTTON_A\"\\s+input\\s*".formatted(BUTTON)))
                    .anyMatch(l -> l.matches("gpiochip0 %d\\s+\"BUTTON_B\"\\s+input\\s*".formatted(watched)));
            assertThat(events(out, "rising")).as("exactly the rising edges the host drove, nothing from the first VM")
                    .hasSize(pulses).containsOnly("rising");
            assertThat(out).contains("VGPIO-MARK gpiomon-exit rising 0")
                    .as("the line the first VM watched can be driven").contains("VGPIO-MARK set 0");
        }
        assertThat(changes).contains(watched + ":OUT:1");
        assertThat(device.irqType(BUTTON)).isEqualTo(IrqType.NONE);
        assertThat(server.connections()).isEqualTo(2);
    }

    @Test
    void levelInterruptsFireWhileActiveAndStopWhenTheLevelGoesAway() throws Exception {
        chip.drive(4, 1); // line 4 idles high, so LEVEL_LOW is inactive until the host pulls it low
        String scenario = """
                count() { cat /sys/module/vgpio_level_irq/parameters/count; }
                insmod /lib/modules/vgpio_level_irq.ko line=3 trigger=high
                echo "VGPIO-MARK high-armed $(count)"
                sleep 2
                c1=$(count); sleep 1; c2=$(count)
                echo "VGPIO-LEVEL high $c1 $c2"
                grep vgpio-level /proc/interrupts
                rmmod vgpio_level_irq
                insmod /lib/modules/vgpio_level_irq.ko line=4 trigger=low
                echo "VGPIO-MARK low-armed $(count)"
                sleep 2
                c1=$(count); sleep 1; c2=$(count)
                echo "VGPIO-LEVEL low $c1 $c2"
                rmmod vgpio_level_irq
                """;
        try (GuestVm vm = new GuestVm(dir, "level", scenario, server.path())) {
            assertThat(vm.await("VGPIO-MARK high-armed", LinuxGuestTest.BOOT)).isEqualTo("VGPIO-MARK high-armed 0");
            assertThat(device.irqType(3)).isEqualTo(IrqType.LEVEL_HIGH);
            control.pulse(3, Duration.ofMillis(300));
            assertThat(vm.await("VGPIO-MARK low-armed", Duration.ofSeconds(30))).isEqualTo("VGPIO-MARK low-armed 0");
            assertThat(device.irqType(4)).isEqualTo(IrqType.LEVEL_LOW);
            control.pulse(4, Duration.ofMillis(300));
            vm.finish(Duration.ofSeconds(30));
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            for (String trigger : List.of("high", "low")) {
                String line = out.stream().filter(l -> l.startsWith("VGPIO-LEVEL " + trigger)).findFirst()
                        .orElseThrow(() -> new AssertionError("no level result for " + trigger + " in " + out));
                String[] w = line.split("\\s+");
                int during = Integer.parseInt(w[2]);
                int after = Integer.parseInt(w[3]);
                assertThat(during).as("LEVEL_%s fired again and again while active (%s)", trigger, line)
                        .isGreaterThanOrEqualTo(2);
                assertThat(after).as("and stopped once the level went away (%s)", trigger).isEqualTo(during);
            }
            assertThat(out).anyMatch(l -> l.contains("vgpio-level"));
        }
        assertThat(device.irqType(3)).isEqualTo(IrqType.NONE);
        assertThat(device.irqType(4)).isEqualTo(IrqType.NONE);
    }

    /** The edges gpiomon printed in phase {@code edge}. */
    /**
     * The VM paused (QMP {@code stop}) while gpiomon waits, an edge during the pause, then {@code cont}: QEMU stops
     * the rings and starts them again at the same indexes, and the guest still waits for the interrupt buffer the
     * daemon held. The edge of the pause reaches gpiomon after the resume, and so does the next one.
     */
    @Test
    void aPausedVmGetsTheEdgeOfThePauseAndTheNextOnes() throws Exception {
        String scenario = """
                gpiomon --banner -e rising -F 'EV %%E' -c gpiochip0 %d &
                sleep 600
                """.formatted(BUTTON);
        Path qmpSocket = dir.resolve("qmp.sock");
        try (GuestVm vm = new GuestVm(dir, "paused", scenario, server.path(),
                java.util.Map.of("VGPIO_GUEST_QMP", qmpSocket.toString()));
                Qmp qmp = Qmp.connect(qmpSocket, Duration.ofSeconds(30))) {
            vm.await("Monitoring", LinuxGuestTest.BOOT);
            await("the daemon to hold the interrupt buffer").atMost(Duration.ofSeconds(10))
                    .until(() -> device.isUnmasked(BUTTON));
            chip.drive(BUTTON, 1);
            vm.await("EV rising", Duration.ofSeconds(10));
            chip.drive(BUTTON, 0);
            await("the buffer queued again").atMost(Duration.ofSeconds(10)).until(() -> device.isUnmasked(BUTTON));

            qmp.execute("stop");
            await("QEMU to stop the rings").atMost(Duration.ofSeconds(10))
                    .until(() -> !server.session().isActive(VirtioGpio.EVENTQ));
            chip.drive(BUTTON, 1); // during the pause
            chip.drive(BUTTON, 0);
            qmp.execute("cont");
            vm.await("EV rising", Duration.ofSeconds(10));
            await("the buffer queued again").atMost(Duration.ofSeconds(10)).until(() -> device.isUnmasked(BUTTON));
            chip.drive(BUTTON, 1);
            vm.await("EV rising", Duration.ofSeconds(10));
            assertThat(vm.output().stream().filter(l -> l.startsWith("EV ")).toList())
                    .containsExactly("EV rising", "EV rising", "EV rising");
        }
        assertThat(server.isRunning()).isTrue();
    }

    private static List<String> events(List<String> out, String edge) {
        int from = out.indexOf("VGPIO-MARK phase " + edge);
        int to = -1;
        for (int i = from; i < out.size(); i++) {
            if (out.get(i).startsWith("VGPIO-MARK gpiomon-exit " + edge)) {
                to = i;
                break;
            }
        }
        assertThat(from).as("phase %s ran", edge).isNotNegative();
        assertThat(to).as("phase %s ended", edge).isGreaterThan(from);
        return out.subList(from, to).stream().filter(l -> l.startsWith("EV ")).map(l -> l.substring(3).trim())
                .toList();
    }
}
