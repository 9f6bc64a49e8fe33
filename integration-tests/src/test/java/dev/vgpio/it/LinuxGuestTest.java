package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
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

/**
 * A real Linux guest (Debian 6.1 kernel, stock gpio-virtio driver, libgpiod 2.1 tools) under QEMU 10 talks to a
 * vgpio device served in this JVM over vhost-user; the test drives and observes the lines from the host side while
 * the guest runs, and reads the guest's own output.
 */
class LinuxGuestTest {
    static final List<String> NAMES = List.of(
            "LED_RED", "LED_GREEN", "BUTTON_A", "BUTTON_B", "RELAY", "BUZZER", "DOOR_SENSOR", "RESET_N");
    static final Duration BOOT = Duration.ofSeconds(90);
    /** What a stock guest does with {@code vgpio serve}'s built-in demo chip ({@link #checkDemoChip}). */
    static final String DEMO_SCENARIO = """
            gpiodetect
            gpioinfo
            gpioset -t0 LED_GREEN=1
            gpioget BUTTON_A
            """;

    /**
     * Boots the guest on the vhost-user {@code socket} of a {@code vgpio serve} daemon with its built-in demo chip,
     * and checks what libgpiod's tools see: the chip with its 8 named lines, an output set, an input read.
     */
    static void checkDemoChip(Path dir, String name, Path socket) throws Exception {
        try (GuestVm vm = new GuestVm(dir, name, DEMO_SCENARIO, socket)) {
            vm.finish(BOOT);
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            assertThat(out).contains("gpiochip0 [virtio0] (8 lines)");
            for (String line : NAMES) {
                assertThat(out).anyMatch(l -> l.contains("\"" + line + "\""));
            }
            assertThat(out).contains("\"BUTTON_A\"=inactive");
        }
    }

    @TempDir
    Path dir;
    SimulatedChip chip;
    VhostUserServer server;
    final List<String> changes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @BeforeEach
    void serve() throws Exception {
        chip = new SimulatedChip("vgpio-it", NAMES);
        chip.addStateListener((offset, direction, level) -> changes.add(offset + ":" + direction + ":" + level));
        server = new VhostUserServer(dir.resolve("gpio.sock"), new VirtioGpioDevice(new GpioController(chip)), "it")
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void guestSeesTheChipAndDrivesAndReadsLines() throws Exception {
        chip.drive(2, 1); // BUTTON_A pressed before the guest boots
        String scenario = """
                echo "FEATURES $(cat /sys/bus/virtio/devices/virtio0/features)"
                gpiodetect
                gpioinfo
                gpioinfo RESET_N
                gpioset -t0 LED_RED=1
                gpioget -c gpiochip0 2
                gpioset -c gpiochip0 4=1 &
                holder=$!
                sleep 1
                gpioinfo -c gpiochip0 4
                echo "VGPIO-MARK held"
                v=0; i=0
                while [ $i -lt 100 ]; do
                  v=$(gpioget --numeric -c gpiochip0 3)
                  [ "$v" = 1 ] && break
                  i=$((i+1)); sleep 0.1
                done
                echo "VGPIO-MARK read $v"
                kill $holder; wait $holder
                gpioinfo -c gpiochip0 3
                """;
        try (GuestVm vm = new GuestVm(dir, "basic", scenario, server.path())) {
            vm.await("VGPIO-MARK held", BOOT);
            // the guest holds RELAY (line 4) as an output at 1: the host sees exactly that
            assertThat(chip.getDirection(4)).isEqualTo(Direction.OUT);
            assertThat(chip.observe(4)).isEqualTo(1);
            chip.drive(3, 1); // now the guest's gpioget on BUTTON_B must see the level the host set
            vm.await("VGPIO-MARK read", Duration.ofSeconds(30));
            List<String> out = vm.finish(Duration.ofSeconds(60));
            List<String> scenarioOut = vm.scenarioOutput();
            assertThat(out).anyMatch(l -> l.equals("VGPIO-SCENARIO-EXIT 0"));
            String features = scenarioOut.stream().filter(l -> l.startsWith("FEATURES ")).findFirst().orElseThrow();
            assertThat(features.charAt("FEATURES ".length())).as("VIRTIO_GPIO_F_IRQ negotiated").isEqualTo('1');
            assertThat(scenarioOut).contains("gpiochip0 [virtio0] (8 lines)", "gpiochip0 - 8 lines:");
            for (int i = 0; i < NAMES.size(); i++) {
                String name = NAMES.get(i);
                int line = i;
                assertThat(scenarioOut).as("gpioinfo shows line %d as %s", i, name)
                        .anyMatch(l -> l.matches("\\s*line\\s+" + line + ":\\s+\"" + name + "\"\\s+input\\s*"));
            }
            assertThat(scenarioOut).anyMatch(l -> l.matches("gpiochip0 7\\s+\"RESET_N\"\\s+input\\s*"));
            assertThat(scenarioOut).contains("\"2\"=active");
            assertThat(scenarioOut).anyMatch(l -> l.matches("gpiochip0 4\\s+\"RELAY\"\\s+output consumer=\"?gpioset\"?"));
            assertThat(scenarioOut).anyMatch(l -> l.startsWith("VGPIO-MARK read 1"));
            assertThat(scenarioOut).anyMatch(l -> l.matches("gpiochip0 3\\s+\"BUTTON_B\"\\s+input\\s*"));
        }
        // what the host saw: LED_RED went to 1 as an output (gpioset -t0), then was released
        assertThat(changes).containsSubsequence("0:OUT:1", "0:NONE:0");
        assertThat(changes).containsSubsequence("4:OUT:1", "4:NONE:0");
    }

    @Test
    void killedVmLeavesTheOutputDrivenAndTheNextVmFindsIt() throws Exception {
        String holder = """
                gpioset -c gpiochip0 5=1 &
                sleep 1
                echo "VGPIO-MARK held"
                sleep 600
                """;
        try (GuestVm vm = new GuestVm(dir, "killed", holder, server.path())) {
            vm.await("VGPIO-MARK held", BOOT);
            assertThat(chip.observe(5)).isEqualTo(1);
            vm.kill();
        }
        await("the daemon to notice the disconnect").atMost(Duration.ofSeconds(5)).until(() -> !server.isConnected());
        assertThat(server.isRunning()).as("the daemon keeps running").isTrue();
        assertThat(chip.getDirection(5)).isEqualTo(Direction.OUT);
        assertThat(chip.observe(5)).as("BUZZER still driven at 1 after QEMU was killed").isEqualTo(1);
        assertThat(changes).doesNotContain("5:NONE:0", "5:OUT:0");

        String second = """
                gpiodetect
                gpioinfo -c gpiochip0 5
                gpioset -t0 -c gpiochip0 6=1
                gpioget -c gpiochip0 6
                """;
        try (GuestVm vm = new GuestVm(dir, "second", second, server.path())) {
            vm.finish(BOOT);
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            assertThat(out).contains("gpiochip0 [virtio0] (8 lines)");
            assertThat(out).as("the second VM finds line 5 as the first left it")
                    .anyMatch(l -> l.matches("gpiochip0 5\\s+\"BUZZER\"\\s+output\\s*"));
            assertThat(out).contains("\"6\"=inactive");
        }
        assertThat(changes).contains("6:OUT:1");
        assertThat(server.connections()).isEqualTo(2);
        assertThat(chip.observe(5)).isEqualTo(1);
        assertThat(changes.stream().filter(c -> c.startsWith("5:")))
                .as("BUZZER changed once, when the first VM drove it, and never glitched through the kill and the"
                        + " second VM's start")
                .containsExactly("5:OUT:1");
    }
}
