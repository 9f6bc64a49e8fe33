package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.IrqType;
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
        server = new VhostUserServer(dir.resolve("gpio.sock"), new VirtioGpioDevice(device), "it").start();
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
