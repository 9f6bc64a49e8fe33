package dev.vgpio.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HostControlTest {
    final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "", "RESET"));
    final HostControl control = new HostControl(chip);
    final List<String> edges = new CopyOnWriteArrayList<>();

    HostControlTest() throws Exception {
        chip.setEventListener((offset, rising, ts) -> edges.add(offset + (rising ? "+" : "-")));
        chip.setDirection(1, Direction.IN, 0);
        chip.setEdgeDetection(1, Edge.BOTH);
    }

    @Test
    void linesResolveByOffsetOrName() {
        assertThat(control.resolve("1")).isEqualTo(1);
        assertThat(control.resolve("RESET")).isEqualTo(3);
        assertThatThrownBy(() -> control.resolve("4")).hasMessageContaining("board has 4 lines (0..3)");
        assertThatThrownBy(() -> control.resolve("SWITCH"))
                .hasMessageContaining("no line named \"SWITCH\" on board (lines: LED, BUTTON, RESET)");
    }

    @Test
    void releaseLetsTheLineReadTheGuestsPullAndStatusShowsTheSettings() throws Exception {
        control.set(1, 0);
        chip.setBias(1, Bias.PULL_UP);
        chip.setDebounce(1, 2500);
        assertThat(control.status(1).level()).as("held low by the host").isZero();
        control.release(1);
        LineStatus s = control.status(1);
        assertThat(s.level()).isEqualTo(1);
        assertThat(s.driver()).isEqualTo(LineStatus.Driver.NOBODY);
        assertThat(s.describe()).isEqualTo(
                "line 1 \"BUTTON\": level=1 direction=input driver=nobody edge=both bias=pull-up debounce=2500us");
        LineChange change = new LineChange(5_000_000_001L, LineChange.Kind.RECONFIGURED, s);
        assertThat(LineChange.parse(change.describe())).isEqualTo(change);
        chip.setDrive(0, Drive.OPEN_DRAIN);
        LineChange drive = new LineChange(1, LineChange.Kind.RECONFIGURED, control.status(0));
        assertThat(LineChange.parse(drive.describe()).status().drive()).isEqualTo(Drive.OPEN_DRAIN);
    }

    @Test
    void aPulseOnAPulledUpLineLetsItGoAgain() throws Exception {
        chip.setBias(1, Bias.PULL_UP);
        control.pulse(1, Duration.ofMillis(1));
        assertThat(chip.isHeld(1)).isFalse();
        assertThat(control.status(1).level()).isEqualTo(1);
        assertThat(edges).containsExactly("1+", "1-", "1+");
    }

    @Test
    void aSettingChangeIsWatchedAsAReconfiguration() throws Exception {
        List<LineChange> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable w = control.watch(seen::add)) {
            chip.setBias(1, Bias.PULL_DOWN);
        }
        assertThat(seen).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(LineChange.Kind.RECONFIGURED);
            assertThat(c.status().bias()).isEqualTo(Bias.PULL_DOWN);
        });
    }

    @Test
    void setDrivesWhatAnInputSenses() throws Exception {
        control.set(1, 1);
        assertThat(control.status(1))
                .isEqualTo(new LineStatus(1, "BUTTON", Direction.IN, 1, LineStatus.Driver.HOST, Edge.BOTH));
        assertThat(control.status(1).describe())
                .isEqualTo("line 1 \"BUTTON\": level=1 direction=input driver=host edge=both");
        assertThat(edges).containsExactly("1+");
        assertThatThrownBy(() -> control.set(1, 2)).hasMessageContaining("0 or 1");
    }

    @Test
    void pulseInvertsAndRestores() throws Exception {
        control.pulse(1, Duration.ofMillis(5));
        assertThat(edges).containsExactly("1+", "1-");
        assertThat(chip.drivenLevel(1)).isZero();
        control.set(1, 1);
        control.pulse(1, Duration.ZERO);
        assertThat(edges).containsExactly("1+", "1-", "1+", "1-", "1+");
    }

    @Test
    void toggleProducesExactlyCountEdges() throws Exception {
        control.toggle(1, 101, Duration.ofMillis(1));
        assertThat(edges).hasSize(101);
        assertThat(edges.getFirst()).isEqualTo("1+");
        assertThat(edges.getLast()).isEqualTo("1+");
        for (int i = 1; i < edges.size(); i++) {
            assertThat(edges.get(i)).isNotEqualTo(edges.get(i - 1));
        }
        assertThat(chip.drivenLevel(1)).isEqualTo(1);
        assertThatThrownBy(() -> control.toggle(1, 0, Duration.ofMillis(1))).hasMessageContaining("toggle count");
        assertThatThrownBy(() -> control.toggle(1, 1000, Duration.ofSeconds(1)))
                .hasMessageContaining("between 0 and 10 minutes");
    }
}
