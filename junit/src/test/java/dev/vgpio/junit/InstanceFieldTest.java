package dev.vgpio.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.control.LineStatus;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.DriveException;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.Stimulus;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.AssertionFailedError;

/** The extension in an instance field, as a test author uses it: a device per test, the Java driver as its guest. */
class InstanceFieldTest {
    static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final VgpioExtension gpio = VgpioExtension.builder().lines("LED", "BUTTON", "").label("board").build();
    final Line led = gpio.line("LED");
    final Line button = gpio.line("BUTTON");
    GpioChip guest;

    @AfterEach
    void closeGuest() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void theDeviceServesTheLinesOnItsSocket() throws Exception {
        assertThat(gpio.isRunning()).isTrue();
        assertThat(gpio.socket()).isAbsolute().hasFileName("gpio0.sock");
        assertThat(Files.exists(gpio.socket())).isTrue();
        guest = Guest.connect(gpio);
        assertThat(guest.lineNames()).containsExactly("LED", "BUTTON", "");
        assertThat(guest.hasInterrupts()).isTrue();
        assertThat(gpio.lines()).extracting(Line::offset, Line::name).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "LED"), org.assertj.core.groups.Tuple.tuple(1, "BUTTON"),
                org.assertj.core.groups.Tuple.tuple(2, ""));
        assertThat(gpio.line(2).toString()).isEqualTo("line 2 of gpio0");
        assertThat(led.toString()).isEqualTo("line 0 \"LED\" of gpio0");
        assertThat(gpio.device().label()).isEqualTo("board");
    }

    @Test
    void theGuestsOutputPassesAwaitOutputAndReadsAtOnce() throws Exception {
        guest = Guest.connect(gpio);
        try (LineRequest r = guest.requestLines(LineSettings.output(1), guest.resolve("LED"))) {
            assertThat(led.level()).as("read from the line itself, at once").isEqualTo(1);
            assertThat(led.direction()).isEqualTo(Direction.OUT);
            assertThat(led.driver()).isEqualTo(LineStatus.Driver.GUEST);
            LineView v = led.awaitOutput(1, WAIT);
            assertThat(v.direction()).isEqualTo(Direction.OUT);
            assertThat(v.driver()).isEqualTo(LineStatus.Driver.GUEST);
            assertThat(led.awaitLevel(1, WAIT).level()).isEqualTo(1);
            r.setValue(0, 0);
            led.awaitOutput(0, WAIT);
            assertThat(led.edges()).extracting(Edge::level, Edge::driver).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(1, LineStatus.Driver.GUEST),
                    org.assertj.core.groups.Tuple.tuple(0, LineStatus.Driver.GUEST));
            assertThat(led.activity()).filteredOn(Activity.Request.class::isInstance)
                    .map(a -> (Activity.Request) a)
                    .extracting(Activity.Request::type)
                    .contains(MessageType.SET_DIRECTION.code(), MessageType.SET_VALUE.code());
            List<Activity> ledActivity = led.activity();
            assertThat(gpio.activity()).as("the device's activity holds the line's").containsAll(ledActivity);
        }
        led.awaitDirection(Direction.NONE, WAIT);
        assertThat(led.direction()).as("the driver released the line").isEqualTo(Direction.NONE);
    }

    @Test
    void aPressReachesTheGuestAsALevelAndAsAnEdgeEvent() throws Exception {
        guest = Guest.connect(gpio);
        int offset = guest.resolve("BUTTON");
        try (LineRequest r = guest.requestLines(LineSettings.input(IrqType.EDGE_BOTH), offset)) {
            LineView armed = button.awaitArmed(WAIT);
            assertThat(armed.irqType()).isEqualTo(IrqType.EDGE_BOTH);
            button.press();
            assertThat(button.edges()).as("the host's press is in the edges when press() returns").hasSize(1);
            assertThat(r.getValue(offset)).isEqualTo(1);
            EdgeEvent rising = r.readEvent(WAIT);
            assertThat(rising).isNotNull();
            assertThat(rising.type()).isEqualTo(EdgeEvent.Type.RISING);
            assertThat(rising.offset()).isEqualTo(offset);
            button.release();
            EdgeEvent falling = r.readEvent(WAIT);
            assertThat(falling).isNotNull();
            assertThat(falling.type()).isEqualTo(EdgeEvent.Type.FALLING);
            assertThat(r.getValue(offset)).isZero();
            List<Edge> edges = button.edges();
            assertThat(edges).extracting(Edge::rising, Edge::driver).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(true, LineStatus.Driver.HOST),
                    org.assertj.core.groups.Tuple.tuple(false, LineStatus.Driver.HOST));
            assertThat(edges.getFirst().nanos()).as("the same monotonic clock as the driver's events")
                    .isLessThanOrEqualTo(rising.timestampNanos());
            assertThat(edges.getLast().nanos()).isBetween(rising.timestampNanos(), falling.timestampNanos());
            button.awaitLevel(0, WAIT);
            assertThat(button.view().interrupts()).isEqualTo(2);
        }
    }

    @Test
    void aPulseIsTwoEdgesAtLeastItsWidthApartAndAStimulusIsAwaitedByItsEdges() throws Exception {
        Duration width = Duration.ofMillis(20);
        button.pulse(width);
        List<Edge> edges = button.edges();
        assertThat(edges).extracting(Edge::level).containsExactly(1, 0);
        assertThat(edges.get(1).nanos() - edges.get(0).nanos()).isGreaterThanOrEqualTo(width.toNanos());
        assertThat(button.level()).isZero();

        button.stimulate(new Stimulus.Toggles(6, Duration.ofMillis(2)));
        assertThatThrownBy(button::press).as("a stimulus runs: the host's press would fight it")
                .isInstanceOf(DriveException.class)
                .extracting(e -> ((DriveException) e).reason()).isEqualTo(DriveException.Reason.BUSY);
        List<Edge> all = button.awaitEdges(8, WAIT);
        assertThat(all).hasSize(8).extracting(Edge::level).containsExactly(1, 0, 1, 0, 1, 0, 1, 0);
        assertThat(all).isSortedAccordingTo(java.util.Comparator.comparingLong(Edge::nanos));
    }

    @Test
    void theHostCannotDriveTheGuestsOutput() throws Exception {
        guest = Guest.connect(gpio);
        try (LineRequest r = guest.requestLines(LineSettings.output(0), 0)) {
            assertThatThrownBy(led::press).isInstanceOf(DriveException.class)
                    .hasMessage("line 0 \"LED\" of gpio0 is the guest's output: the guest drives its level")
                    .extracting(e -> ((DriveException) e).reason()).isEqualTo(DriveException.Reason.GUEST_OUTPUT);
            assertThatThrownBy(() -> led.pulse(Duration.ofMillis(1))).isInstanceOf(DriveException.class);
            assertThat(led.level()).isZero();
            assertThat(r.getValue(0)).isZero();
        }
    }

    @Test
    void aWaitWithNoGuestSaysWhatItAwaitedAndThatNobodyConnected() {
        assertThatThrownBy(() -> led.awaitOutput(1, Duration.ofMillis(200)))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("line 0 \"LED\" of gpio0: awaited the guest to hold it as an output at 1 for 200 ms, but"
                        + " at the deadline it was released at 0, driven by nobody; it did not change while waiting"
                        + " (no front end has connected to " + gpio.socket() + " yet)");
    }

    @Test
    void aWaitThatTimesOutTellsTheLineAtTheDeadline() throws Exception {
        guest = Guest.connect(gpio);
        try (LineRequest r = guest.requestLines(LineSettings.input(), 0)) {
            led.awaitDirection(Direction.IN, WAIT);
            long start = System.nanoTime();
            assertThatThrownBy(() -> led.awaitOutput(1, Duration.ofMillis(150)))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("line 0 \"LED\" of gpio0: awaited the guest to hold it as an output at 1 for 150 ms,"
                            + " but at the deadline it was an input at 0, driven by nobody; it did not change while"
                            + " waiting");
            assertThat(System.nanoTime() - start).as("it waited its time").isGreaterThanOrEqualTo(150_000_000L);
            button.press();
            assertThatThrownBy(() -> button.awaitLevel(0, Duration.ofMillis(100)))
                    .hasMessage("line 1 \"BUTTON\" of gpio0: awaited level 0 for 100 ms, but at the deadline it was"
                            + " released at 1, driven by the host; it did not change while waiting");
            assertThatThrownBy(() -> led.awaitArmed(Duration.ofMillis(100)))
                    .hasMessageStartingWith("line 0 \"LED\" of gpio0: awaited the guest to arm an interrupt on it for"
                            + " 100 ms, but at the deadline it was an input at 0, driven by nobody;");
            assertThatThrownBy(() -> button.awaitEdges(3, Duration.ofMillis(100)))
                    .hasMessageStartingWith("line 1 \"BUTTON\" of gpio0: awaited 3 edges since the test started for"
                            + " 100 ms, but at the deadline it was released at 1, driven by the host; it went through"
                            + " 1 edge;");
        }
    }

    @Test
    void aFailedWaitListsTheChangesItSawAndWhenTheFrontEndLeft() throws Exception {
        guest = Guest.connect(gpio);
        GpioChip g = guest;
        CompletableFuture<Void> later = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(50); // inside the wait below: what the guest does while the test waits
                g.requestLines(LineSettings.output(0), 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> led.awaitOutput(1, Duration.ofMillis(600)))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageMatching("line 0 \"LED\" of gpio0: awaited the guest to hold it as an output at 1 for 600"
                        + " ms, but at the deadline it was an output at 0, driven by the guest; while waiting it was"
                        + " an output at 0, driven by the guest \\(\\+\\d+\\.\\d ms\\)");
        later.get(5, TimeUnit.SECONDS);
        guest.close();
        guest = null;
        assertThatThrownBy(() -> led.awaitOutput(1, Duration.ofMillis(100)))
                .hasMessageEndingWith("(the front end has disconnected)");
        assertThat(led.direction()).as("closing the driver released the line").isEqualTo(Direction.NONE);
    }

    @Test
    void aWaitPassesOnAViewTheMonitorReportsAfterItBegan() throws Exception {
        guest = Guest.connect(gpio);
        GpioChip g = guest;
        CompletableFuture<LineView> seen = CompletableFuture.supplyAsync(() -> led.await(
                v -> v.direction() == Direction.OUT && v.requests() >= 2, "the guest's output", WAIT));
        try (LineRequest r = g.requestLines(LineSettings.output(1), 0)) {
            assertThat(seen.get(10, TimeUnit.SECONDS).level()).isEqualTo(1);
        }
        assertThatThrownBy(() -> led.await(v -> {
            throw new IllegalArgumentException("a broken condition");
        }, "anything", WAIT)).isInstanceOf(IllegalArgumentException.class).hasMessage("a broken condition");
    }

    @Test
    void linesAreFoundByNameOrOffsetAndUnknownOnesNamed() {
        assertThat(gpio.line(1)).isSameAs(button);
        assertThatThrownBy(() -> gpio.line("SWITCH"))
                .hasMessage("no line named \"SWITCH\" on gpio0 (lines: LED, BUTTON)");
        assertThatThrownBy(() -> gpio.line(3)).hasMessage("line 3 does not exist: gpio0 has 3 lines");
        assertThatThrownBy(() -> led.awaitLevel(2, WAIT)).hasMessage("a level is 0 or 1, not 2");
        assertThatThrownBy(() -> button.drive(2)).hasMessage("a level is 0 or 1, not 2");
    }
}
