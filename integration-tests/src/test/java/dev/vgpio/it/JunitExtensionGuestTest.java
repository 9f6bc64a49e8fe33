package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.LineStatus;
import dev.vgpio.junit.Edge;
import dev.vgpio.junit.Line;
import dev.vgpio.junit.VgpioExtension;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest example of docs/junit.md: {@link VgpioExtension} serves the device, a real Linux guest boots against
 * its socket; a guest command lights the LED line and a press of the BUTTON line reaches gpiomon in the guest.
 */
class JunitExtensionGuestTest {
    @RegisterExtension
    final VgpioExtension gpio = VgpioExtension.withLines("LED", "BUTTON");
    final Line led = gpio.line("LED");
    final Line button = gpio.line("BUTTON");

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare(); // the kernel, initramfs and QEMU of scripts/guest (cached after the first run)
    }

    @Test
    @SuppressWarnings("try") // GuestVm.close() may throw InterruptedException, as the test method may
    void aGuestCommandLightsTheLedAndAPressReachesGpiomon() throws Exception {
        String scenario = """
                gpioset LED=1 &
                holder=$!
                read lit
                kill $holder; wait $holder
                gpiomon --banner --num-events 1 -e rising -F 'EV %E %l' BUTTON
                echo "VGPIO-MARK gpiomon-exit $?"
                """;
        try (GuestVm vm = new GuestVm(dir, "junit-example", scenario, gpio.socket())) {
            led.awaitOutput(1, LinuxGuestTest.BOOT); // the guest boots, then gpioset holds LED at 1
            assertThat(led.driver()).isEqualTo(LineStatus.Driver.GUEST);
            vm.send("lit");
            led.awaitDirection(Direction.NONE, Duration.ofSeconds(30)); // gpioset ended: the line is released

            vm.await("Monitoring", Duration.ofSeconds(30));
            assertThat(button.awaitArmed(Duration.ofSeconds(30)).irqType()).isEqualTo(IrqType.EDGE_RISING);
            button.press();
            assertThat(vm.await("EV ", Duration.ofSeconds(30))).isEqualTo("EV rising BUTTON");
            assertThat(vm.await("VGPIO-MARK gpiomon-exit", Duration.ofSeconds(30)))
                    .isEqualTo("VGPIO-MARK gpiomon-exit 0");
            vm.finish(Duration.ofSeconds(30));
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
        }
        assertThat(led.edges()).extracting(Edge::level, Edge::driver).startsWith(
                org.assertj.core.groups.Tuple.tuple(1, LineStatus.Driver.GUEST));
        assertThat(button.edges()).extracting(Edge::rising).containsExactly(true);
        assertThat(button.view().interrupts()).as("the interrupt gpiomon got").isEqualTo(1);
    }
}
