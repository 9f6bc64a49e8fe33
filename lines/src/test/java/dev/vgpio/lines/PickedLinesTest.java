package dev.vgpio.lines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.LineCaps;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PickedLinesTest {
    private final SimulatedChip a = SimulatedChip.withLines("bank-a", 8, "a");
    private final SimulatedChip b = SimulatedChip.withLines("bank-b", 4, "b");

    private PickedLines picked() throws LineException {
        return new PickedLines("a+b", List.of(new PickedLines.Pick(a, 3, "LED"), new PickedLines.Pick(b, 2, "b2"),
                new PickedLines.Pick(a, 0, "BUTTON")));
    }

    @Test
    void eachDeviceLineActsOnItsSourceLineOnly() throws LineException {
        PickedLines lines = picked();
        assertThat(lines.lineCount()).isEqualTo(3);
        assertThat(lines.lineNames()).containsExactly("LED", "b2", "BUTTON");
        lines.setDirection(0, Direction.OUT, 1);
        assertThat(a.getDirection(3)).isEqualTo(Direction.OUT);
        assertThat(a.observe(3)).isEqualTo(1);
        for (int other : new int[] {0, 1, 2, 4, 5, 6, 7}) {
            assertThat(a.getDirection(other)).as("bank-a line %d", other).isEqualTo(Direction.NONE);
        }
        lines.setValue(0, 0);
        assertThat(a.observe(3)).isZero();
        lines.setDirection(1, Direction.IN, 0);
        b.drive(2, 1);
        assertThat(lines.getValue(1)).isEqualTo(1);
        assertThat(lines.getDirection(1)).isEqualTo(Direction.IN);
        assertThat(b.getDirection(1)).isEqualTo(Direction.NONE);
    }

    @Test
    void edgesOfSimulatedSourcesArriveUnderTheDeviceOffset() throws LineException {
        PickedLines lines = picked();
        List<String> seen = new ArrayList<>();
        lines.setEventListener((offset, rising, ts) -> seen.add(offset + (rising ? "+" : "-")));
        lines.setDirection(2, Direction.IN, 0);
        lines.setEdgeDetection(2, Edge.BOTH);
        lines.setDirection(1, Direction.IN, 0);
        lines.setEdgeDetection(1, Edge.RISING);
        a.setDirection(5, Direction.IN, 0); // not picked: its edges are never reported
        a.setEdgeDetection(5, Edge.BOTH);
        a.drive(0, 1);
        b.drive(2, 1);
        a.drive(5, 1);
        a.drive(0, 0);
        assertThat(seen).containsExactly("2+", "1+", "2-");
        assertThat(lines.eventFd()).as("simulated sources have no event fd").isEqualTo(-1);
        assertThat(lines.dispatchEvents((o, r, t) -> seen.add("fd"))).isZero();
    }

    @Test
    void aLinePickedTwiceIsRefused() {
        assertThatThrownBy(() -> new PickedLines("x", List.of(new PickedLines.Pick(a, 1, "x"),
                new PickedLines.Pick(a, 1, "y"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("picked twice")
                .hasMessageContaining("lines 0 and 1");
    }

    @Test
    void namesMustBeUniqueAndOffsetsMustExist() {
        assertThatThrownBy(() -> new PickedLines("x", List.of(new PickedLines.Pick(a, 1, "x"),
                new PickedLines.Pick(b, 1, "x")))).isInstanceOf(InvalidLineNamesException.class);
        assertThatThrownBy(() -> new PickedLines("x", List.of(new PickedLines.Pick(b, 4, "x"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 4 does not exist on bank-b");
        assertThatThrownBy(() -> picked().getValue(3)).isInstanceOf(LineException.class)
                .hasMessageContaining("it has 3 lines");
    }

    @Test
    void closingReleasesEverySource() throws LineException {
        PickedLines lines = picked();
        lines.setDirection(0, Direction.OUT, 1);
        lines.close();
        assertThat(a.getDirection(3)).isEqualTo(Direction.NONE);
    }

    @Test
    void settingsGoToTheSourceLineAndCapsComeFromIt() throws LineException {
        ConfigLines c = new ConfigLines("bank-c", 6, offset -> offset == 4 ? LineCaps.PULL_UP | LineCaps.DEBOUNCE
                : LineCaps.ALL);
        PickedLines lines = new PickedLines("a+c", List.of(new PickedLines.Pick(a, 3, "LED"),
                new PickedLines.Pick(c, 4, "KEY"), new PickedLines.Pick(c, 1, "BUS")));
        assertThat(lines.supportsLineConfig()).as("one source takes settings").isTrue();
        assertThat(lines.lineCaps(1)).isEqualTo(LineCaps.PULL_UP | LineCaps.DEBOUNCE);
        assertThat(lines.lineCaps(2)).isEqualTo(LineCaps.ALL);
        assertThat(lines.lineCaps(0)).as("a source without settings").isZero();

        lines.setBias(1, Bias.PULL_UP);
        lines.setDebounce(1, 2500);
        lines.setDrive(2, Drive.OPEN_DRAIN);
        lines.setBias(2, Bias.DISABLED);
        assertThat(c.log).containsExactly("4 bias pull-up", "4 debounce 2500", "1 drive open-drain",
                "1 bias disabled");
        assertThatThrownBy(() -> lines.setDrive(1, Drive.OPEN_DRAIN)).isInstanceOf(LineException.class)
                .hasMessageContaining("bank-c cannot make line 4 open-drain");
        assertThatThrownBy(() -> lines.setBias(0, Bias.PULL_DOWN)).as("the source's refusal passes through")
                .isInstanceOf(LineException.class).hasMessageContaining("bank-a").hasMessageContaining("line 3");
        lines.setBias(0, Bias.AS_IS);
        lines.setDrive(0, Drive.PUSH_PULL);
        lines.setDebounce(0, 0);
        assertThat(c.log).hasSize(4);
        assertThatThrownBy(() -> lines.lineCaps(3)).isInstanceOf(LineException.class)
                .hasMessageContaining("it has 3 lines");
        assertThatThrownBy(() -> lines.setDebounce(-1, 10)).isInstanceOf(LineException.class);
    }

    @Test
    void noSourceThatTakesSettingsMeansNoLineConfig() throws LineException {
        PickedLines plain = new PickedLines("a", List.of(new PickedLines.Pick(new ConfigLines("none", 2, o -> 0)
                .refusingAll(), 1, "x")));
        assertThat(plain.supportsLineConfig()).isFalse();
        assertThat(plain.lineCaps(0)).isZero();
    }

    /**
     * Lines that take the settings their caps allow and log each (a stand-in until SimulatedChip takes settings);
     * the rest of {@link GpioLines} goes to a simulated chip.
     */
    private static final class ConfigLines implements GpioLines {
        private final SimulatedChip chip;
        private final java.util.function.IntUnaryOperator caps;
        private boolean supports = true;
        final List<String> log = new ArrayList<>();

        ConfigLines(String label, int count, java.util.function.IntUnaryOperator caps) {
            this.chip = SimulatedChip.withLines(label, count, label + "-");
            this.caps = caps;
        }

        ConfigLines refusingAll() {
            supports = false;
            return this;
        }

        @Override
        public String label() {
            return chip.label();
        }

        @Override
        public int lineCount() {
            return chip.lineCount();
        }

        @Override
        public List<String> lineNames() {
            return chip.lineNames();
        }

        @Override
        public Direction getDirection(int offset) throws LineException {
            return chip.getDirection(offset);
        }

        @Override
        public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
            chip.setDirection(offset, direction, outputValue);
        }

        @Override
        public int getValue(int offset) throws LineException {
            return chip.getValue(offset);
        }

        @Override
        public void setValue(int offset, int value) throws LineException {
            chip.setValue(offset, value);
        }

        @Override
        public boolean supportsEdgeEvents() {
            return true;
        }

        @Override
        public void setEdgeDetection(int offset, Edge edge) throws LineException {
            chip.setEdgeDetection(offset, edge);
        }

        @Override
        public void setEventListener(LineEventListener listener) {
            chip.setEventListener(listener);
        }

        @Override
        public int lineCaps(int offset) throws LineException {
            GpioLines.super.lineCaps(offset);
            return supports ? caps.applyAsInt(offset) : 0;
        }

        @Override
        public boolean supportsLineConfig() {
            return supports;
        }

        @Override
        public void setBias(int offset, Bias bias) throws LineException {
            if ((lineCaps(offset) & bias.cap()) != bias.cap()) {
                GpioLines.super.setBias(offset, bias);
            }
            log.add(offset + " bias " + bias.label());
        }

        @Override
        public void setDrive(int offset, Drive drive) throws LineException {
            if ((lineCaps(offset) & drive.cap()) != drive.cap()) {
                GpioLines.super.setDrive(offset, drive);
            }
            log.add(offset + " drive " + drive.label());
        }

        @Override
        public void setDebounce(int offset, int periodMicros) throws LineException {
            if ((lineCaps(offset) & LineCaps.DEBOUNCE) == 0) {
                GpioLines.super.setDebounce(offset, periodMicros);
            }
            log.add(offset + " debounce " + periodMicros);
        }

        @Override
        public void close() {
            chip.close();
        }
    }
}
