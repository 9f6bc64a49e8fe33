package dev.vgpio.lines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.InvalidLineNamesException;
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
}
