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
        int[] caps = new int[6];
        caps[1] = LineCaps.ALL;
        caps[4] = LineCaps.PULL_UP | LineCaps.DEBOUNCE;
        SimulatedChip c = new SimulatedChip("bank-c", List.of("c0", "c1", "c2", "c3", "c4", "c5"), caps);
        PickedLines lines = new PickedLines("a+c", List.of(new PickedLines.Pick(a, 3, "LED"),
                new PickedLines.Pick(c, 4, "KEY"), new PickedLines.Pick(c, 1, "BUS"),
                new PickedLines.Pick(c, 0, "PLAIN")));
        assertThat(lines.supportsLineConfig()).isTrue();
        assertThat(lines.lineCaps(0)).isEqualTo(LineCaps.ALL);
        assertThat(lines.lineCaps(1)).isEqualTo(LineCaps.PULL_UP | LineCaps.DEBOUNCE);
        assertThat(lines.lineCaps(2)).isEqualTo(LineCaps.ALL);
        assertThat(lines.lineCaps(3)).isZero();

        lines.setBias(1, Bias.PULL_UP);
        lines.setDebounce(1, 2500);
        lines.setDrive(2, Drive.OPEN_DRAIN);
        lines.setBias(2, Bias.DISABLED);
        lines.setDrive(0, Drive.OPEN_SOURCE);
        assertThat(c.bias(4)).isEqualTo(Bias.PULL_UP);
        assertThat(c.debounce(4)).isEqualTo(2500);
        assertThat(c.drive(1)).isEqualTo(Drive.OPEN_DRAIN);
        assertThat(c.bias(1)).isEqualTo(Bias.DISABLED);
        assertThat(a.drive(3)).isEqualTo(Drive.OPEN_SOURCE);
        for (int other : new int[] {0, 2, 3, 5}) {
            assertThat(c.bias(other)).as("bank-c line %d", other).isEqualTo(Bias.AS_IS);
            assertThat(c.drive(other)).as("bank-c line %d", other).isEqualTo(Drive.PUSH_PULL);
            assertThat(c.debounce(other)).as("bank-c line %d", other).isZero();
        }
        assertThat(a.drive(2)).isEqualTo(Drive.PUSH_PULL);
        assertThat(a.drive(4)).isEqualTo(Drive.PUSH_PULL);

        assertThatThrownBy(() -> lines.setDrive(1, Drive.OPEN_DRAIN)).as("the source's refusal passes through")
                .isInstanceOf(LineException.class).hasMessageContaining("line 4 of bank-c");
        assertThatThrownBy(() -> lines.setBias(3, Bias.PULL_DOWN)).isInstanceOf(LineException.class)
                .hasMessageContaining("line 0 of bank-c");
        assertThat(c.drive(4)).isEqualTo(Drive.PUSH_PULL);
        lines.setBias(3, Bias.AS_IS);
        lines.setDrive(3, Drive.PUSH_PULL);
        lines.setDebounce(3, 0);
        assertThatThrownBy(() -> lines.lineCaps(4)).isInstanceOf(LineException.class)
                .hasMessageContaining("it has 4 lines");
        assertThatThrownBy(() -> lines.setDebounce(-1, 10)).isInstanceOf(LineException.class);
    }

    @Test
    void settingsReachTheSourceLineAsItsEffects() throws LineException {
        PickedLines lines = picked();
        lines.setDirection(2, Direction.IN, 0); // line 0 of bank-a, undriven from outside
        lines.setBias(2, Bias.PULL_UP);
        assertThat(lines.getValue(2)).as("an undriven input reads its pull").isEqualTo(1);
        lines.setBias(2, Bias.PULL_DOWN);
        assertThat(lines.getValue(2)).isZero();
        lines.setDirection(2, Direction.NONE, 0);
        assertThat(a.bias(0)).as("NONE forgets the settings").isEqualTo(Bias.AS_IS);
    }

    @Test
    void noSourceThatTakesSettingsMeansNoLineConfig() throws LineException {
        SimulatedChip none = new SimulatedChip("none", List.of("n0", "n1"), new int[2]);
        PickedLines plain = new PickedLines("n", List.of(new PickedLines.Pick(none, 1, "x")));
        assertThat(plain.supportsLineConfig()).isFalse();
        assertThat(plain.lineCaps(0)).isZero();
        PickedLines mixed = new PickedLines("n+a", List.of(new PickedLines.Pick(none, 1, "x"),
                new PickedLines.Pick(a, 1, "y")));
        assertThat(mixed.supportsLineConfig()).as("some source takes settings").isTrue();
        assertThat(mixed.lineCaps(0)).isZero();
        assertThat(mixed.lineCaps(1)).isEqualTo(LineCaps.ALL);
    }
}
