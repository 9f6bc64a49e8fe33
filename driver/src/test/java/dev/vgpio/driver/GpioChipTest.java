package dev.vgpio.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The driver API against vgpio's device model in-process. */
class GpioChipTest {
    SimulatedChip sim;
    GpioChip chip;

    @BeforeEach
    void open() throws Exception {
        sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET", "A", "B", "C", "D"));
        chip = GpioChip.open(new InProcessTransport(new VirtioGpioDevice(new GpioController(sim)), 1 << 20));
    }

    @AfterEach
    void close() {
        chip.close();
    }

    @Test
    void chipReportsLinesNamesAndFeatures() throws Exception {
        assertThat(chip.lineCount()).isEqualTo(8);
        assertThat(chip.lineNames()).containsExactly("LED", "BUTTON", "", "RESET", "A", "B", "C", "D");
        assertThat(chip.hasInterrupts()).isTrue();
        assertThat(chip.features() & (1L << 32)).isNotZero();
        assertThat(chip.resolve("RESET")).isEqualTo(3);
        assertThat(chip.resolve("2")).isEqualTo(2);
        assertThatThrownBy(() -> chip.resolve("NOPE")).hasMessageContaining("no line named \"NOPE\"");
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void outputsStartAtTheirValueAndFollowSetValue() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        sim.addStateListener((o, d, l) -> seen.add(o + ":" + d + ":" + l));
        try (LineRequest led = chip.requestLines(LineSettings.output(1), 0)) {
            assertThat(sim.observe(0)).isEqualTo(1);
            led.setValue(0, 0);
            assertThat(sim.observe(0)).isZero();
            assertThat(led.getValue(0)).isZero();
            assertThat(chip.getDirection(0)).isEqualTo(Direction.OUT);
        }
        assertThat(seen).containsExactly("0:OUT:1", "0:OUT:0", "0:NONE:0");
        assertThat(sim.getDirection(0)).as("closing releases the line").isEqualTo(Direction.NONE);
    }

    @Test
    void inputsReadWhatTheHostDrives() throws Exception {
        try (LineRequest in = chip.requestLines(LineSettings.input(), 1, 3)) {
            sim.drive(3, 1);
            assertThat(in.getValues()).containsExactly(0, 1);
            assertThatThrownBy(() -> in.setValue(1, 1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> in.getValue(0)).hasMessageContaining("not part of this request");
        }
    }

    @Test
    void edgeEventsArriveInOrderWithSequenceNumbers() throws Exception {
        try (LineRequest button = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1)) {
            for (int i = 0; i < 10; i++) {
                sim.drive(1, i % 2 == 0 ? 1 : 0);
                EdgeEvent e = button.readEvent(Duration.ofSeconds(2));
                assertThat(e).as("event %d", i).isNotNull();
                assertThat(e.type()).isEqualTo(i % 2 == 0 ? EdgeEvent.Type.RISING : EdgeEvent.Type.FALLING);
                assertThat(e.sequence()).isEqualTo(i + 1);
                assertThat(e.offset()).isEqualTo(1);
            }
            assertThat(button.readEvent(Duration.ofMillis(50))).isNull();
        }
        assertThat(sim.edgeDetection(1)).isEqualTo(dev.vgpio.lines.Edge.NONE);
    }

    @Test
    void risingOnlyAndLevelEvents() throws Exception {
        try (LineRequest r = chip.requestLines(LineSettings.input(IrqType.EDGE_RISING), 4)) {
            sim.drive(4, 1);
            sim.drive(4, 0);
            assertThat(r.readEvent(Duration.ofSeconds(2)).type()).isEqualTo(EdgeEvent.Type.RISING);
            assertThat(r.readEvent(Duration.ofMillis(100))).isNull();
        }
        try (LineRequest level = chip.requestLines(LineSettings.input(IrqType.LEVEL_HIGH), 5)) {
            sim.drive(5, 1);
            assertThat(level.readEvent(Duration.ofSeconds(2)).type()).isEqualTo(EdgeEvent.Type.LEVEL_HIGH);
            assertThat(level.readEvent(Duration.ofSeconds(2))).as("still high: fires again").isNotNull();
            sim.drive(5, 0);
        }
    }

    @Test
    void callbacksAndStreams() throws Exception {
        try (LineRequest r = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 6)) {
            CountDownLatch two = new CountDownLatch(2);
            List<EdgeEvent> got = new CopyOnWriteArrayList<>();
            r.onEvent(e -> {
                got.add(e);
                two.countDown();
            });
            // EDGE_BOTH tells rising from falling by reading the line after the event (as Linux does), so edges are
            // paced: the second comes after the first was reported
            sim.drive(6, 1);
            await("the rising edge").atMost(Duration.ofSeconds(2)).until(() -> !got.isEmpty());
            sim.drive(6, 0);
            assertThat(two.await(2, TimeUnit.SECONDS)).isTrue();
            assertThat(got).extracting(EdgeEvent::type).containsExactly(EdgeEvent.Type.RISING, EdgeEvent.Type.FALLING);
        }
        LineRequest s = chip.requestLines(LineSettings.input(IrqType.EDGE_RISING), 7);
        Thread closer = Thread.ofVirtual().start(() -> {
            try {
                sim.drive(7, 1);
                Thread.sleep(200);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            s.close();
        });
        assertThat(s.events().toList()).extracting(EdgeEvent::type).containsExactly(EdgeEvent.Type.RISING);
        closer.join();
    }

    @Test
    void aLineIsHeldByOneRequestAtATime() throws Exception {
        try (LineRequest r = chip.requestLines(LineSettings.input(), 2)) {
            assertThatThrownBy(() -> chip.requestLines(LineSettings.output(0), 2))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("line 2 is already requested");
        }
        chip.requestLines(LineSettings.output(1), 2).close();
    }

    @Test
    void reconfigureGoesThroughNone() throws Exception {
        try (LineRequest r = chip.requestLines(LineSettings.input(IrqType.EDGE_RISING), 1)) {
            r.reconfigureLines(LineSettings.input(IrqType.EDGE_FALLING));
            sim.drive(1, 1);
            sim.drive(1, 0);
            assertThat(r.readEvent(Duration.ofSeconds(2)).type()).isEqualTo(EdgeEvent.Type.FALLING);
            r.reconfigureLines(LineSettings.output(1));
            assertThat(sim.observe(1)).isEqualTo(1);
        }
    }

    @Test
    void errAnswersBecomeExceptionsAndRawAnswersShowThem() throws Exception {
        Answer a = chip.sendMessage(MessageType.SET_DIRECTION.code(), 0, 7);
        assertThat(a.ok()).isFalse();
        assertThat(a.usedLength()).isEqualTo(2);
        assertThatThrownBy(() -> chip.checked(MessageType.SET_VALUE, 0, 9))
                .isInstanceOf(VirtioException.class).hasMessageContaining("refused SET_VALUE for line 0 \"LED\"")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(VirtioException.Reason.REFUSED);
    }

    @Test
    void manyThreadsOnDifferentLinesAtOnce() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int line = 0; line < 8; line++) {
            int l = line;
            threads.add(Thread.ofPlatform().start(() -> {
                try (LineRequest r = chip.requestLines(LineSettings.output(0), l)) {
                    for (int i = 0; i < 300; i++) {
                        r.setValue(l, i & 1);
                        assertThat(r.getValue(l)).isEqualTo(i & 1);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void closingTheChipReleasesEverything() throws Exception {
        chip.requestLines(LineSettings.output(1), 0);
        chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1);
        chip.close();
        assertThat(sim.getDirection(0)).isEqualTo(Direction.NONE);
        assertThat(sim.getDirection(1)).isEqualTo(Direction.NONE);
        assertThatThrownBy(() -> chip.getDirection(0)).hasMessageContaining("closed");
    }
}
