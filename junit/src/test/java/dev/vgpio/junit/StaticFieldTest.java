package dev.vgpio.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.LineStatus;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.monitor.Activity;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The extension in a static field: one device for the class, one guest (the Java driver, connected once before
 * all tests) that keeps its lines from one test to the next, and a history of edges and activity per test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaticFieldTest {
    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final VgpioExtension GPIO = VgpioExtension.builder().lines("LED", "BUTTON", "ALARM").name("board0")
            .initialLevel("ALARM", 1).build();
    static GpioChip guest;
    static LineRequest led;
    static LineRequest button;
    static Path socket;

    @BeforeAll
    static void connect() throws Exception {
        assertThat(GPIO.isRunning()).as("a static field's device runs before @BeforeAll").isTrue();
        guest = Guest.connect(GPIO);
        led = guest.requestLines(LineSettings.output(1), 0);
        button = guest.requestLines(LineSettings.input(IrqType.EDGE_RISING), 1);
    }

    @AfterAll
    static void disconnect() {
        guest.close();
        assertThat(GPIO.isRunning()).as("and until after @AfterAll").isTrue();
    }

    @Test
    @Order(1)
    void theGuestSetUpItsLinesBeforeAllTests() throws Exception {
        socket = GPIO.socket();
        assertThat(socket.getFileName()).hasToString("board0.sock");
        GPIO.line("LED").awaitOutput(1, WAIT);
        GPIO.line("BUTTON").awaitArmed(WAIT);
        assertThat(GPIO.line("LED").edges()).as("the guest's set-up is no test's history").isEmpty();
        assertThat(GPIO.activity()).isEmpty();
        GPIO.line("BUTTON").press();
        EdgeEvent e = button.readEvent(WAIT);
        assertThat(e).isNotNull();
        assertThat(e.type()).isEqualTo(EdgeEvent.Type.RISING);
        assertThat(GPIO.line("BUTTON").edges()).hasSize(1);
    }

    @Test
    @Order(2)
    void theNextTestFindsTheSameDeviceAndGuestWithItsOwnHistory() throws Exception {
        assertThat(GPIO.socket()).isEqualTo(socket);
        assertThat(GPIO.line("BUTTON").level()).as("the press of the test before").isEqualTo(1);
        assertThat(GPIO.line("BUTTON").edges()).as("that test's edges are not this one's").isEmpty();
        assertThat(GPIO.line("LED").direction()).isEqualTo(Direction.OUT);
        led.setValue(0, 0);
        GPIO.line("LED").awaitOutput(0, WAIT);
        assertThat(GPIO.line("LED").edges()).extracting(Edge::falling).containsExactly(true);
        assertThat(GPIO.activity()).filteredOn(Activity.Request.class::isInstance).hasSize(1);
    }

    @Test
    @Order(3)
    void anInitialLevelIsDrivenByTheHostFromTheStartWithoutAnEdge() {
        Line alarm = GPIO.line("ALARM");
        assertThat(alarm.level()).isEqualTo(1);
        assertThat(alarm.driver()).isEqualTo(LineStatus.Driver.HOST);
        assertThat(alarm.view().level()).isEqualTo(1);
        assertThat(alarm.view().driver()).isEqualTo(LineStatus.Driver.HOST);
        assertThat(alarm.edges()).isEmpty();
    }
}
