package dev.vgpio.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.control.LineStatus;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MonitorTest {
    private final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET"));
    private final GpioController controller = new GpioController(chip);
    private final Monitor monitor = new Monitor();
    private final List<Activity> seen = new CopyOnWriteArrayList<>();
    private final WatchedDevice device;

    MonitorTest() {
        controller.negotiate(GpioFeatures.IRQ);
        device = monitor.watch("gpio0", Path.of("gpio.sock"), controller, chip, null);
        monitor.addSink(seen::add);
        monitor.start();
    }

    @AfterEach
    void close() {
        monitor.close();
    }

    private <T extends Activity> List<T> seen(Class<T> kind) {
        return seen.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    @Test
    void guestRequestsReachTheSinksWithTheLinesNewView() {
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        controller.handle(MessageType.SET_VALUE.code(), 0, 1);
        controller.handle(MessageType.SET_DIRECTION.code(), 9, Direction.OUT.code());
        await().atMost(Duration.ofSeconds(5)).until(() -> seen(Activity.Request.class).size() == 3);
        List<Activity.Request> requests = seen(Activity.Request.class);
        assertThat(requests.get(1)).extracting(Activity.Request::name, Activity.Request::type,
                Activity.Request::value, Activity.Request::ok).containsExactly("LED", 5, 1L, true);
        assertThat(requests.get(2).ok()).isFalse();
        assertThat(requests.get(2).refusal()).contains("line");
        await().until(() -> device.line(0).level() == 1);
        LineView led = device.line(0);
        assertThat(led.direction()).isEqualTo(Direction.OUT);
        assertThat(led.driver()).isEqualTo(LineStatus.Driver.GUEST);
        assertThat(led.requests()).isEqualTo(2);
        assertThat(seen(Activity.LineChanged.class)).extracting(c -> c.line().level()).containsExactly(0, 1);
        assertThat(requests).isSortedAccordingTo(java.util.Comparator.comparingLong(Activity::nanos));
    }

    @Test
    void settingsShowInTheViewAndAFilteredPulseIsRecorded() throws Exception {
        controller.negotiate(GpioFeatures.IRQ | GpioFeatures.LINE_CONFIG);
        controller.handle(MessageType.SET_DIRECTION.code(), 1, Direction.IN.code());
        controller.handle(MessageType.SET_LINE_CONFIG.code(), 1, LineConfig.bias(Bias.PULL_UP));
        controller.handle(MessageType.SET_LINE_CONFIG.code(), 1, LineConfig.debounce(10_000_000));
        await().atMost(Duration.ofSeconds(5)).until(() -> device.line(1).debounceMicros() == 10_000_000);
        assertThat(device.line(1).bias()).isEqualTo(Bias.PULL_UP);
        assertThat(device.line(1).level()).as("the undriven input reads its pull").isEqualTo(1);
        chip.drive(1, 0);
        chip.drive(1, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !seen(Activity.Filtered.class).isEmpty());
        assertThat(seen(Activity.Filtered.class)).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("BUTTON");
            assertThat(f.level()).isZero();
            assertThat(f.widthMicros()).isNotNegative();
        });
        controller.handle(MessageType.SET_LINE_CONFIG.code(), 0, LineConfig.drive(Drive.OPEN_DRAIN));
        controller.handle(MessageType.SET_VALUE.code(), 0, 1);
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        await().atMost(Duration.ofSeconds(5)).until(() -> device.line(0).drive() == Drive.OPEN_DRAIN);
        assertThat(device.line(0).level()).as("let go with no pull: where the line was").isZero();
        controller.handle(MessageType.SET_DIRECTION.code(), 1, Direction.NONE.code());
        await().atMost(Duration.ofSeconds(5)).until(() -> device.line(1).bias() == Bias.AS_IS);
        assertThat(device.line(1).debounceMicros()).isZero();
    }

    @Test
    void theHostDrivesSimulatedInputsButNeverTheGuestsOutputs() throws Exception {
        device.drive(1, 1);
        await().until(() -> device.line(1).level() == 1);
        assertThat(device.line(1).driver()).isEqualTo(LineStatus.Driver.HOST);
        assertThat(seen(Activity.Driven.class)).extracting(Activity.Driven::name, Activity.Driven::level)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("BUTTON", 1));
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        assertThatThrownBy(() -> device.drive(0, 1)).isInstanceOf(DriveException.class)
                .hasMessage("line 0 \"LED\" of gpio0 is the guest's output: the guest drives its level")
                .extracting(e -> ((DriveException) e).reason()).isEqualTo(DriveException.Reason.GUEST_OUTPUT);
        assertThatThrownBy(() -> device.drive(1, 2)).hasMessageContaining("0 or 1");
        assertThat(chip.drivenLevel(0)).as("a refused drive changes nothing").isZero();
        assertThatThrownBy(() -> device.resolve("SWITCH")).hasMessage("no line named \"SWITCH\" on gpio0");
        assertThat(device.resolve("RESET")).isEqualTo(2);
        assertThat(device.resolve("1")).isEqualTo(1);
    }

    @Test
    void edgesAndInterruptsAreCountedPerLine() throws Exception {
        controller.handle(MessageType.SET_DIRECTION.code(), 1, Direction.IN.code());
        controller.handle(MessageType.SET_IRQ_TYPE.code(), 1, IrqType.EDGE_BOTH.code());
        controller.unmask(1, 7);
        await().until(() -> !device.line(1).masked());
        assertThat(device.line(1).irqType()).isEqualTo(IrqType.EDGE_BOTH);
        controller.onEdge(1, true); // as the device thread would, after the chip reported it
        await().until(() -> device.line(1).interrupts() == 1);
        assertThat(device.line(1).edges()).isEqualTo(1);
        assertThat(device.line(1).masked()).as("the buffer went back").isTrue();
        controller.disableInterrupts();
        await().until(() -> device.line(1).irqType() == IrqType.NONE);
        assertThat(seen(Activity.Reset.class)).hasSize(1);
    }

    @Test
    void stimuliPulseToggleAndSquareThenStop() throws Exception {
        monitor.stimuli().start(device, 1, new Stimulus.Pulse(Duration.ofMillis(20)));
        assertThatThrownBy(() -> monitor.stimuli().start(device, 1, new Stimulus.Pulse(Duration.ofMillis(20))))
                .extracting(e -> ((DriveException) e).reason()).isEqualTo(DriveException.Reason.BUSY);
        await().until(() -> monitor.stimuli().running(device, 1).isEmpty());
        await().until(() -> seen(Activity.Driven.class).size() == 2);
        await().until(() -> seen(Activity.StimulusChanged.class).size() == 2);
        assertThat(seen(Activity.StimulusChanged.class)).extracting(Activity.StimulusChanged::stimulus)
                .as("started, then ended by itself").containsExactly("pulse", null);
        assertThat(seen(Activity.Driven.class)).extracting(Activity.Driven::level).containsExactly(1, 0);
        List<Activity.Driven> pulse = seen(Activity.Driven.class);
        assertThat(pulse.get(1).nanos() - pulse.get(0).nanos()).as("the pulse's width")
                .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());

        monitor.stimuli().start(device, 2, new Stimulus.Toggles(4, Duration.ofMillis(2)));
        await().until(() -> seen(Activity.Driven.class).stream().filter(d -> d.line() == 2).count() == 4);
        assertThat(chip.drivenLevel(2)).as("an even number of toggles").isZero();

        monitor.stimuli().start(device, 1, new Stimulus.Square(Duration.ofMillis(4), 0));
        await().until(() -> seen(Activity.Driven.class).stream().filter(d -> d.line() == 1).count() >= 6);
        assertThat(monitor.stimuli().stop(device, 1)).isTrue();
        assertThat(monitor.stimuli().stop(device, 1)).isFalse();
        assertThatThrownBy(() -> new Stimulus.Square(Duration.ofNanos(199_000), 1))
                .hasMessage("period must be at least 200 us (each half at least 100 us), not 199 us");
        assertThatThrownBy(() -> new Stimulus.Toggles(0, Duration.ofMillis(1))).hasMessageContaining("count");
        assertThatThrownBy(() -> new Stimulus.Toggles(1000, Duration.ofMinutes(1))).hasMessageContaining("last");
    }

    @Test
    void aStimulusStopsWhenTheGuestTakesTheLineAsAnOutput() throws Exception {
        monitor.stimuli().start(device, 2, new Stimulus.Square(Duration.ofMillis(2), 0));
        await().until(() -> seen(Activity.Driven.class).size() >= 2);
        controller.handle(MessageType.SET_DIRECTION.code(), 2, Direction.OUT.code());
        await().until(() -> monitor.stimuli().running(device, 2).isEmpty());
        assertThatThrownBy(() -> monitor.stimuli().start(device, 2, new Stimulus.Pulse(Duration.ofMillis(1))))
                .extracting(e -> ((DriveException) e).reason()).isEqualTo(DriveException.Reason.GUEST_OUTPUT);
    }

    @Test
    void aWatcherThatFallsBehindLosesRecordsAndIsToldHowMany() throws Exception {
        Monitor stopped = new Monitor(); // never started: nobody reads its rings
        SimulatedChip other = SimulatedChip.withLines("x", 1, "l");
        GpioController c = new GpioController(other);
        WatchedDevice d = stopped.watch("gpio1", Path.of("x.sock"), c, other, null);
        List<Activity> got = new CopyOnWriteArrayList<>();
        stopped.addSink(got::add);
        for (int i = 0; i < WatchedDevice.RING_CAPACITY + 10; i++) {
            c.handle(MessageType.GET_VALUE.code(), 0, 0);
        }
        assertThat(d.dropped()).isEqualTo(10);
        stopped.close();
        assertThat(got.stream().filter(Activity.Dropped.class::isInstance).map(a -> ((Activity.Dropped) a).count()))
                .containsExactly(10L);
    }

    @Test
    void awaitHandedOverReturnsOnceEverySinkHasWhatWasRecordedBefore() throws Exception {
        for (int round = 0; round < 200; round++) {
            int before = seen.size();
            controller.handle(MessageType.GET_VALUE.code(), 2, 0);
            assertThat(monitor.awaitHandedOver(Duration.ofSeconds(5))).isTrue();
            assertThat(seen.size()).as("round %d", round).isGreaterThan(before);
        }
        Monitor idle = new Monitor(); // never started: nobody reads its rings
        SimulatedChip other = SimulatedChip.withLines("x", 1, "l");
        GpioController c = new GpioController(other);
        idle.watch("gpio1", Path.of("x.sock"), c, other, null);
        assertThat(idle.awaitHandedOver(Duration.ofMillis(20))).as("nothing recorded: nothing to wait for").isTrue();
        c.handle(MessageType.GET_VALUE.code(), 0, 0);
        assertThat(idle.awaitHandedOver(Duration.ofMillis(20))).isFalse();
        idle.close();
    }

    @Test
    void awaitHandedOverDoesNotWaitForQuietWhileAnotherLineIsBusy() throws Exception {
        monitor.stimuli().start(device, 2, new Stimulus.Square(Duration.ofNanos(200_000), 0));
        try {
            for (int round = 0; round < 20; round++) {
                device.drive(1, round & 1);
                assertThat(monitor.awaitHandedOver(Duration.ofSeconds(5))).as("round %d", round).isTrue();
                assertThat(device.line(1).level()).isEqualTo(round & 1);
            }
        } finally {
            monitor.stimuli().stop(device, 2);
        }
    }

    @Test
    void anEdgeThatWaitsForTheGuestShowsAsLatched() throws Exception {
        controller.handle(MessageType.SET_DIRECTION.code(), 1, Direction.IN.code());
        controller.handle(MessageType.SET_IRQ_TYPE.code(), 1, IrqType.EDGE_RISING.code());
        controller.onEdge(1, true); // no buffer queued: the edge is latched
        assertThat(monitor.awaitHandedOver(Duration.ofSeconds(5))).isTrue();
        assertThat(device.line(1).latched()).isTrue();
        controller.unmask(1, 9);
        assertThat(monitor.awaitHandedOver(Duration.ofSeconds(5))).isTrue();
        assertThat(device.line(1).latched()).as("delivered on unmask").isFalse();
        assertThat(device.line(1).interrupts()).isEqualTo(1);
    }

    @Test
    void theJsonFormNamesEveryField() throws Exception {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            ActivityJson.write(g, new Activity.Request(5, "gpio0", 1, "BUTTON", 6, 3, false, 0, "interrupts not"
                    + " negotiated"));
        }
        assertThat(w.toString()).isEqualTo("{\"t\":5,\"device\":\"gpio0\",\"kind\":\"request\",\"line\":1,"
                + "\"name\":\"BUTTON\",\"type\":\"SET_IRQ_TYPE\",\"value\":3,\"ok\":false,"
                + "\"refusal\":\"interrupts not negotiated\"}");
        StringWriter v = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(v)) {
            ActivityJson.write(g, device.line(1));
        }
        assertThat(v.toString()).isEqualTo("{\"line\":1,\"name\":\"BUTTON\",\"simulated\":true,\"direction\":"
                + "\"released\",\"level\":0,\"driver\":\"nobody\",\"irqType\":\"none\",\"masked\":true,"
                + "\"latched\":false,\"requests\":0,\"errors\":0,\"edges\":0,\"interrupts\":0,\"bias\":\"as-is\","
                + "\"drive\":\"push-pull\",\"debounceMicros\":0}");
    }
}
