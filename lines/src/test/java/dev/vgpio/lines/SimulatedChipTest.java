package dev.vgpio.lines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.InvalidLineNamesException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedChipTest {
    private final SimulatedChip chip = SimulatedChip.withLines("sim", 4, "L");

    @Test
    void linesStartReleasedAndSenseTheDrivenLevel() throws Exception {
        assertThat(chip.lineCount()).isEqualTo(4);
        assertThat(chip.lineNames()).containsExactly("L0", "L1", "L2", "L3");
        assertThat(chip.getDirection(2)).isEqualTo(Direction.NONE);
        chip.drive(2, 1);
        assertThat(chip.getValue(2)).isEqualTo(1);
        chip.setDirection(2, Direction.IN, 0);
        assertThat(chip.getValue(2)).isEqualTo(1);
    }

    @Test
    void hostObservesWhatTheGuestDrivesAndTheOutputStartsAtItsInitialValue() throws Exception {
        List<String> changes = new ArrayList<>();
        chip.addStateListener((off, dir, level) -> changes.add(off + ":" + dir + ":" + level));
        chip.setDirection(1, Direction.OUT, 1);
        assertThat(chip.observe(1)).isEqualTo(1);
        chip.setValue(1, 0);
        assertThat(chip.observe(1)).isEqualTo(0);
        chip.drive(1, 1); // the outside world cannot override an output
        assertThat(chip.observe(1)).isEqualTo(0);
        assertThat(chip.drivenLevel(1)).isEqualTo(1);
        assertThat(changes).containsExactly("1:OUT:1", "1:OUT:0");
    }

    @Test
    void listenersThatAskHearOfEdgeDetectionChanges() throws Exception {
        List<String> changes = new ArrayList<>();
        chip.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                changes.add(offset + ":" + direction + ":" + level);
            }

            @Override
            public void onEdgeDetectionChanged(int offset, Edge edge) {
                changes.add(offset + ":" + edge);
            }
        });
        chip.setDirection(2, Direction.IN, 0);
        chip.setEdgeDetection(2, Edge.RISING);
        chip.setEdgeDetection(2, Edge.RISING);
        chip.setEdgeDetection(2, Edge.NONE);
        assertThat(changes).containsExactly("2:IN:0", "2:RISING", "2:NONE");
    }

    @Test
    void directionNoneReleasesTheLineAndForgetsItsState() throws Exception {
        chip.setDirection(0, Direction.OUT, 1);
        chip.setDirection(0, Direction.NONE, 0);
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
        assertThat(chip.observe(0)).isEqualTo(0);
        chip.setDirection(3, Direction.IN, 0);
        chip.setEdgeDetection(3, Edge.BOTH);
        chip.setDirection(3, Direction.NONE, 0);
        assertThat(chip.edgeDetection(3)).isEqualTo(Edge.NONE);
    }

    @Test
    void edgesOfDrivenInputsAreReportedAsConfigured() throws Exception {
        List<String> edges = new ArrayList<>();
        chip.setEventListener((off, rising, ts) -> edges.add(off + (rising ? "+" : "-")));
        chip.setDirection(2, Direction.IN, 0);
        chip.setEdgeDetection(2, Edge.RISING);
        chip.drive(2, 1);
        chip.drive(2, 1); // no change, no edge
        chip.drive(2, 0); // falling, not reported
        chip.setEdgeDetection(2, Edge.BOTH);
        chip.drive(2, 1);
        chip.drive(2, 0);
        chip.setEdgeDetection(2, Edge.FALLING);
        chip.drive(2, 1);
        chip.drive(2, 0);
        assertThat(edges).containsExactly("2+", "2+", "2-", "2-");
    }

    @Test
    void edgeDetectionNeedsAnInput() {
        assertThatThrownBy(() -> chip.setEdgeDetection(0, Edge.RISING))
                .isInstanceOf(LineException.class)
                .hasMessageContaining("needs line 0 to be an input");
    }

    @Test
    void settingTheValueOfANonOutputFails() {
        assertThatThrownBy(() -> chip.setValue(0, 1)).isInstanceOf(LineException.class)
                .hasMessageContaining("not an output");
    }

    @Test
    void offsetsOutsideTheChipAreErrors() {
        assertThatThrownBy(() -> chip.getValue(4)).isInstanceOf(LineException.class)
                .hasMessageContaining("line 4 does not exist on sim (it has 4 lines)");
        assertThatThrownBy(() -> chip.drive(-1, 1)).isInstanceOf(LineException.class);
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThatThrownBy(() -> new SimulatedChip("sim", List.of("A", "B", "A")))
                .isInstanceOf(InvalidLineNamesException.class)
                .hasMessageContaining("duplicate line name \"A\" on lines 0 and 2");
    }

    @Test
    void unnamedLinesAreAllowedAndFoundByNameOnlyWhenNamed() {
        SimulatedChip c = new SimulatedChip("sim", java.util.Arrays.asList("BTN", "", null));
        assertThat(c.lineNames()).containsExactly("BTN", "", "");
        assertThat(c.offsetOf("BTN")).isZero();
        assertThat(c.offsetOf("")).isEqualTo(-1);
    }

    @Test
    void hostAndGuestChangeTheSameLineConcurrentlyWithoutLosingUpdates() throws Exception {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        chip.setDirection(1, Direction.OUT, 0);
        java.util.concurrent.atomic.AtomicInteger edges = new java.util.concurrent.atomic.AtomicInteger();
        chip.setEventListener((offset, rising, timestamp) -> edges.incrementAndGet());
        int toggles = 100_000;
        Thread host = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < toggles; i++) {
                    chip.drive(0, (i + 1) & 1); // 1, 0, 1, ...: every drive is an edge
                    chip.drive(1, i & 1);
                }
            } catch (LineException e) {
                throw new AssertionError(e);
            }
        });
        // the guest side, meanwhile, keeps line 1 an output and flips its value; line 0's edge setting stays
        for (int i = 0; i < toggles; i++) {
            chip.setValue(1, i & 1);
            chip.setDirection(1, Direction.OUT, (i + 1) & 1);
            assertThat(chip.getDirection(0)).isEqualTo(Direction.IN);
        }
        host.join();
        assertThat(edges.get()).isEqualTo(toggles);
        assertThat(chip.drivenLevel(0)).isZero();
        assertThat(chip.edgeDetection(0)).isEqualTo(Edge.BOTH);
        assertThat(chip.getDirection(1)).isEqualTo(Direction.OUT);
        assertThat(chip.observe(1)).isEqualTo(toggles & 1); // the guest's last setDirection drove (toggles - 1 + 1) & 1
        assertThat(chip.drivenLevel(1)).isEqualTo((toggles - 1) & 1); // the host's last drive of line 1
    }

    @Test
    void closeReleasesEveryLineButKeepsTheOutsideLevels() throws Exception {
        chip.drive(2, 1);
        chip.setDirection(2, Direction.IN, 0);
        chip.setEdgeDetection(2, Edge.RISING);
        chip.setDirection(3, Direction.OUT, 1);
        chip.close();
        assertThat(chip.getDirection(2)).isEqualTo(Direction.NONE);
        assertThat(chip.edgeDetection(2)).isEqualTo(Edge.NONE);
        assertThat(chip.getDirection(3)).isEqualTo(Direction.NONE);
        assertThat(chip.drivenLevel(2)).isEqualTo(1);
        assertThat(chip.getValue(3)).isZero();
    }
}
