package dev.vgpio.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bias, drive and debounce through the driver (vgpio's VIRTIO_GPIO_F_LINE_CONFIG), against the device model. */
class LineConfigTest {
    /** LED takes everything, BUTTON pull-up and open-drain, PLAIN nothing, SLOW only debounce. */
    static final int[] CAPS = {LineCaps.ALL, LineCaps.PULL_UP | LineCaps.OPEN_DRAIN, 0, LineCaps.DEBOUNCE};

    SimulatedChip sim;
    GpioChip chip;
    /** What the simulated chip saw the guest do, in order: "OUT 1" (direction and level) or "cfg pull-up ...". */
    final List<String> seen = new CopyOnWriteArrayList<>();

    GpioChip open(SimulatedChip s, GpioChip.Options options) throws VirtioException {
        sim = s;
        sim.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                seen.add(offset + " " + direction + " " + level);
            }

            @Override
            public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
                seen.add(offset + " cfg " + bias.label() + " " + drive.label() + " " + debounceMicros);
            }
        });
        chip = GpioChip.open(new InProcessTransport(new VirtioGpioDevice(new GpioController(sim)), 1 << 20),
                options);
        return chip;
    }

    GpioChip open() throws VirtioException {
        return open(new SimulatedChip("sim", List.of("LED", "BUTTON", "PLAIN", "SLOW"), CAPS),
                GpioChip.Options.DEFAULT);
    }

    @AfterEach
    void close() {
        if (chip != null) {
            chip.close();
        }
    }

    @Test
    void theChipNegotiatesTheExtensionAndReadsEveryLinesCapsWhileOpening() throws Exception {
        open();
        assertThat(chip.supportsLineConfig()).isTrue();
        assertThat(GpioFeatures.hasLineConfig(chip.features())).isTrue();
        assertThat(List.of(chip.lineCaps(0), chip.lineCaps(1), chip.lineCaps(2), chip.lineCaps(3)))
                .containsExactly(CAPS[0], CAPS[1], CAPS[2], CAPS[3]);
        assertThatThrownBy(() -> chip.lineCaps(4)).hasMessageContaining("line 4 does not exist");
        assertThat(seen).as("opening changes nothing").isEmpty();
    }

    @Test
    void aBigChipHasItsCapsReadSeveralAtATime() throws Exception {
        int[] caps = new int[300];
        for (int i = 0; i < caps.length; i++) {
            caps[i] = i % (LineCaps.ALL + 1);
        }
        open(new SimulatedChip("big", Collections.nCopies(caps.length, ""), caps), GpioChip.Options.DEFAULT);
        for (int i = 0; i < caps.length; i++) {
            assertThat(chip.lineCaps(i)).as("line %d", i).isEqualTo(caps[i]);
        }
    }

    @Test
    void defaultSettingsSendNoLineConfig() throws Exception {
        open();
        chip.requestLines(LineSettings.output(1), 0).close();
        chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH), 1).close();
        assertThat(seen).containsExactly("0 OUT 1", "0 NONE 0", "1 IN 0", "1 NONE 0");
    }

    @Test
    void anOutputGetsItsDriveAndBiasBeforeItsDirectionAndLosesThemOnRelease() throws Exception {
        open();
        try (LineRequest r = chip.requestLines(LineSettings.output(1).withDrive(Drive.OPEN_DRAIN)
                .withBias(Bias.PULL_UP), 0)) {
            assertThat(seen).containsExactly("0 cfg as-is open-drain 0", "0 cfg pull-up open-drain 0", "0 OUT 1");
            assertThat(sim.drive(0)).isEqualTo(Drive.OPEN_DRAIN);
            assertThat(sim.bias(0)).isEqualTo(Bias.PULL_UP);
            assertThat(r.getValue(0)).as("open drain lets go for 1: the pull-up gives 1").isEqualTo(1);
            sim.drive(0, 0);
            assertThat(r.getValue(0)).as("someone else pulls the wire low").isZero();
            sim.release(0);
            r.setValue(0, 0);
            assertThat(sim.observe(0)).isZero();
        }
        assertThat(sim.getDirection(0)).isEqualTo(Direction.NONE);
        assertThat(sim.bias(0)).as("SET_DIRECTION(NONE) discards the settings").isEqualTo(Bias.AS_IS);
        assertThat(sim.drive(0)).isEqualTo(Drive.PUSH_PULL);
    }

    @Test
    void anInputGetsItsBiasBeforeItsDirectionAndItsDebounceAfter() throws Exception {
        open();
        try (LineRequest r = chip.requestLines(LineSettings.input(IrqType.EDGE_BOTH).withBias(Bias.PULL_DOWN)
                .withDebounce(Duration.ofMillis(40)), 0)) {
            assertThat(seen).containsExactly("0 cfg pull-down push-pull 0", "0 IN 0",
                    "0 cfg pull-down push-pull 40000");
            assertThat(sim.debounce(0)).isEqualTo(40_000);
            sim.drive(0, 1);
            sim.drive(0, 0);
            assertThat(r.readEvent(Duration.ofMillis(150))).as("a pulse shorter than the period").isNull();
            sim.drive(0, 1);
            EdgeEvent e = r.readEvent(Duration.ofSeconds(2));
            assertThat(e).isNotNull();
            assertThat(e.type()).isEqualTo(EdgeEvent.Type.RISING);
            assertThat(r.getValue(0)).isEqualTo(1);
        }
        assertThat(sim.debounce(0)).isZero();
    }

    @Test
    void aPullUpShowsOnAnUndrivenInput() throws Exception {
        open();
        try (LineRequest up = chip.requestLines(LineSettings.input().withBias(Bias.PULL_UP), 1)) {
            assertThat(up.getValue(1)).isEqualTo(1);
        }
    }

    @Test
    void anOutputChangingItsDriveNeverDrivesALevelItShouldNot() throws Exception {
        open();
        List<Integer> wire = new CopyOnWriteArrayList<>();
        sim.addStateListener((offset, direction, level) -> wire.add(level));
        sim.setBias(0, Bias.PULL_DOWN); // a let-go output reads 0
        try (LineRequest r = chip.requestLines(LineSettings.output(0), 0)) {
            wire.clear();
            r.reconfigureLines(LineSettings.output(1).withDrive(Drive.OPEN_DRAIN));
            assertThat(wire).as("push-pull 0 to open-drain 1: never a driven 1").doesNotContain(1);
            sim.setBias(0, Bias.PULL_UP);
            wire.clear();
            r.reconfigureLines(LineSettings.output(0));
            assertThat(wire).as("let go (1) to push-pull 0: never a driven 1 on the way").containsOnly(0);
        }
    }

    @Test
    void reconfiguringPutsBackADriveOrDebounceTheNewSettingsLackAndKeepsAnAsIsBias() throws Exception {
        open();
        try (LineRequest r = chip.requestLines(LineSettings.input().withBias(Bias.PULL_UP)
                .withDebounce(Duration.ofMillis(5)), 0)) {
            seen.clear();
            r.reconfigureLines(LineSettings.output(1).withDrive(Drive.OPEN_SOURCE).withBias(Bias.PULL_UP));
            assertThat(seen).containsExactly("0 cfg pull-up open-source 5000", "0 OUT 1",
                    "0 cfg pull-up open-source 0");
            seen.clear();
            r.reconfigureLines(LineSettings.input());
            assertThat(seen).containsExactly("0 IN 1", "0 cfg pull-up push-pull 0");
            assertThat(sim.bias(0)).as("as-is leaves the bias as it is, as libgpiod's does").isEqualTo(Bias.PULL_UP);
        }
    }

    @Test
    void aSettingALineLacksIsRefusedBeforeAnyMessage() throws Exception {
        open();
        assertThatThrownBy(() -> chip.requestLines(LineSettings.input().withBias(Bias.PULL_DOWN), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 1 \"BUTTON\" cannot take bias pull-down: it supports pull-up,open-drain"
                        + " (GET_LINE_CAPS)");
        assertThatThrownBy(() -> chip.requestLines(LineSettings.output(0).withDrive(Drive.OPEN_DRAIN), 3, 2))
                .hasMessage("line 3 \"SLOW\" cannot take drive open-drain: it supports debounce (GET_LINE_CAPS)");
        assertThatThrownBy(() -> chip.requestLines(LineSettings.input().withDebounce(Duration.ofMillis(1))
                .withBias(Bias.DISABLED), 2))
                .hasMessage("line 2 \"PLAIN\" cannot take bias disabled, debounce 1000 us: it supports no setting"
                        + " but the defaults (as-is, push-pull, no debounce) (GET_LINE_CAPS)");
        assertThat(seen).isEmpty();
        try (LineRequest r = chip.requestLines(LineSettings.input(), 1)) {
            assertThatThrownBy(() -> r.reconfigureLines(LineSettings.output(1).withDrive(Drive.OPEN_SOURCE)))
                    .hasMessageContaining("cannot take drive open-source");
            assertThat(sim.getDirection(1)).as("nothing was sent").isEqualTo(Direction.IN);
        }
        chip.requestLines(LineSettings.output(1), 1).close(); // nothing was left held
    }

    @Test
    void aSettingTheDeviceDidNotNegotiateIsRefusedBeforeAnyMessage() throws Exception {
        open(new SimulatedChip("sim", List.of("LED", "BUTTON", "PLAIN", "SLOW"), CAPS),
                new GpioChip.Options(Duration.ofSeconds(1), 256, true, false));
        assertThat(chip.supportsLineConfig()).isFalse();
        assertThat(chip.lineCaps(0)).isZero();
        assertThatThrownBy(() -> chip.requestLines(LineSettings.input().withBias(Bias.PULL_UP), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot give line 0 \"LED\" bias pull-up: the chip was opened without"
                        + " VIRTIO_GPIO_F_LINE_CONFIG (Options.lineConfig), which the device offers, so its lines keep"
                        + " bias as-is, drive push-pull and no debounce");
        assertThat(chip.sendMessage(MessageType.GET_LINE_CAPS.code(), 0, 0).ok())
                .as("the device refuses the extension's messages too").isFalse();
        chip.requestLines(LineSettings.input(), 0).close();
        assertThat(seen).containsExactly("0 IN 0", "0 NONE 0");
    }

    @Test
    void aDeviceWithoutTheExtensionGetsOnlyDefaults() throws Exception {
        open(new SimulatedChip("plain", List.of("A", "B"), new int[2]), GpioChip.Options.DEFAULT);
        assertThat(chip.supportsLineConfig()).isFalse();
        assertThatThrownBy(() -> chip.requestLines(LineSettings.output(1).withDrive(Drive.OPEN_DRAIN), 1))
                .hasMessage("cannot give line 1 \"B\" drive open-drain: the device does not offer"
                        + " VIRTIO_GPIO_F_LINE_CONFIG, so its lines keep bias as-is, drive push-pull and no debounce");
        chip.requestLines(LineSettings.output(1).withBias(Bias.AS_IS).withDrive(Drive.PUSH_PULL), 1).close();
    }

    @Test
    void anErrAnswerNamesTheMessageTheSettingTheLineAndTheStatus() throws Exception {
        open();
        assertThatThrownBy(() -> chip.checked(MessageType.SET_LINE_CONFIG, 2, LineConfig.bias(Bias.PULL_UP)))
                .isInstanceOf(VirtioException.class)
                .hasMessage("the device refused SET_LINE_CONFIG(bias pull-up) for line 2 \"PLAIN\": status ERR")
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(VirtioException.Reason.REFUSED);
        assertThatThrownBy(() -> chip.checked(MessageType.SET_LINE_CONFIG, 0, 9 | 1 << 8))
                .hasMessage("the device refused SET_LINE_CONFIG(param 9 argument 1) for line 0 \"LED\": status ERR");
        assertThatThrownBy(() -> chip.checked(MessageType.SET_LINE_CONFIG, 0, LineConfig.Param.DRIVE.code() | 7 << 8))
                .hasMessage("the device refused SET_LINE_CONFIG(drive 7) for line 0 \"LED\": status ERR");
    }

    @Test
    void settingsAreValidatedAsALibgpiodRequestIsOnLinux() {
        LineSettings in = LineSettings.input(IrqType.EDGE_RISING);
        assertThat(in.bias()).isEqualTo(Bias.AS_IS);
        assertThat(in.drive()).isEqualTo(Drive.PUSH_PULL);
        assertThat(in.debounce()).isEqualTo(Duration.ZERO);
        assertThat(in.hasDefaultLineConfig()).isTrue();
        assertThat(new LineSettings(Direction.OUT, 1, IrqType.NONE)).isEqualTo(LineSettings.output(1));
        assertThat(in.withDebounceMicros(250).debounce()).isEqualTo(Duration.ofNanos(250_000));
        assertThat(in.withDebounce(Duration.ofMillis(3)).debounceMicros()).isEqualTo(3000);
        assertThat(LineSettings.output(0).withOutputValue(1).withDrive(Drive.OPEN_DRAIN).withBias(Bias.PULL_UP))
                .isEqualTo(new LineSettings(Direction.OUT, 1, IrqType.NONE, Bias.PULL_UP, Drive.OPEN_DRAIN,
                        Duration.ZERO));
        assertThat(LineSettings.input().withBias(Bias.PULL_DOWN).hasDefaultLineConfig()).isFalse();
        assertThatThrownBy(() -> LineSettings.input().withDrive(Drive.OPEN_DRAIN))
                .hasMessageContaining("drive open-drain is for an output");
        assertThatThrownBy(() -> LineSettings.output(1).withDebounce(Duration.ofMillis(1)))
                .hasMessageContaining("a debounce period is for an input");
        assertThatThrownBy(() -> in.withDebounce(Duration.ofNanos(1500)))
                .hasMessageContaining("whole number of microseconds");
        assertThatThrownBy(() -> in.withDebounce(Duration.ofSeconds(17)))
                .hasMessageContaining("0 (off) to 16777215 microseconds");
        assertThatThrownBy(() -> in.withDebounceMicros(-1)).hasMessageContaining("not -1 microseconds");
        assertThat(in.withDebounceMicros(LineConfig.MAX_DEBOUNCE_US).debounceMicros())
                .isEqualTo(LineConfig.MAX_DEBOUNCE_US);
    }
}
