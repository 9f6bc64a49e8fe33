package dev.vgpio.lines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated chip's model of bias, drive and debounce (docs/line-config.md). */
class SimulatedChipConfigTest {
    private final SimulatedChip chip = SimulatedChip.withLines("sim", 4, "L");
    private final List<String> edges = new CopyOnWriteArrayList<>();
    private final List<String> filtered = new CopyOnWriteArrayList<>();
    private final List<String> configs = new CopyOnWriteArrayList<>();

    SimulatedChipConfigTest() {
        chip.setEventListener((offset, rising, nanos) -> edges.add(offset + (rising ? "+" : "-")));
        chip.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
            }

            @Override
            public void onFiltered(int offset, int level, long widthNanos) {
                assertThat(widthNanos).isNotNegative();
                filtered.add(offset + ":" + level);
            }

            @Override
            public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
                configs.add(offset + " " + bias.label() + " " + drive.label() + " " + debounceMicros);
            }
        });
    }

    @AfterEach
    void close() {
        chip.close();
    }

    @Test
    void anUndrivenInputReadsItsPullAndTheHostCanStillDriveIt() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        assertThat(chip.getValue(0)).isZero();
        chip.setBias(0, Bias.PULL_UP);
        assertThat(chip.getValue(0)).isEqualTo(1);
        assertThat(chip.drivenLevel(0)).isEqualTo(1);
        chip.drive(0, 0);
        assertThat(chip.isHeld(0)).isTrue();
        assertThat(chip.getValue(0)).isZero();
        chip.release(0);
        assertThat(chip.getValue(0)).isEqualTo(1);
        chip.setBias(0, Bias.PULL_DOWN);
        assertThat(chip.getValue(0)).isZero();
        chip.setBias(0, Bias.DISABLED);
        assertThat(chip.getValue(0)).as("a floating line stays where its pull left it").isZero();
        assertThat(configs).containsExactly("0 pull-up push-pull 0", "0 pull-down push-pull 0",
                "0 disabled push-pull 0");
    }

    @Test
    void aPullChangeOnAnUndrivenInputIsAnEdge() throws LineException {
        chip.setDirection(1, Direction.IN, 0);
        chip.setEdgeDetection(1, Edge.BOTH);
        chip.setBias(1, Bias.PULL_UP);
        chip.setBias(1, Bias.PULL_DOWN);
        assertThat(edges).containsExactly("1+", "1-");
    }

    @Test
    void anOpenDrainOutputDrivenHighFloatsToItsPullOrToWhatTheHostDrives() throws LineException {
        chip.setDrive(2, Drive.OPEN_DRAIN);
        chip.setBias(2, Bias.PULL_UP);
        chip.setDirection(2, Direction.OUT, 0);
        assertThat(chip.observe(2)).isZero();
        chip.setValue(2, 1);
        assertThat(chip.observe(2)).as("let go: the pull-up").isEqualTo(1);
        chip.drive(2, 0);
        assertThat(chip.observe(2)).as("let go: held low from outside").isZero();
        assertThat(chip.getValue(2)).as("what the guest reads back").isZero();
        chip.setValue(2, 0);
        chip.drive(2, 1);
        assertThat(chip.observe(2)).as("driven low wins").isZero();
    }

    @Test
    void anOpenSourceOutputLetsGoForZero() throws LineException {
        chip.setDrive(3, Drive.OPEN_SOURCE);
        chip.setBias(3, Bias.PULL_DOWN);
        chip.setDirection(3, Direction.OUT, 1);
        assertThat(chip.observe(3)).isEqualTo(1);
        chip.setValue(3, 0);
        assertThat(chip.observe(3)).isZero();
        chip.drive(3, 1);
        assertThat(chip.observe(3)).isEqualTo(1);
    }

    @Test
    void releasingTheLineDiscardsItsSettings() throws LineException {
        chip.setBias(0, Bias.PULL_UP);
        chip.setDrive(0, Drive.OPEN_DRAIN);
        chip.setDebounce(0, 1000);
        chip.setDirection(0, Direction.NONE, 0);
        assertThat(chip.bias(0)).isEqualTo(Bias.AS_IS);
        assertThat(chip.drive(0)).isEqualTo(Drive.PUSH_PULL);
        assertThat(chip.debounce(0)).isZero();
        assertThat(chip.drivenLevel(0)).as("the line stays where the pull left it").isEqualTo(1);
        assertThat(configs).last().isEqualTo("0 as-is push-pull 0");
    }

    @Test
    void aPulseShorterThanTheDebouncePeriodIsFiltered() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        chip.setDebounce(0, 10_000_000); // 10 s: the pulse below is far shorter
        chip.drive(0, 1);
        assertThat(chip.getValue(0)).as("not yet settled").isZero();
        chip.drive(0, 0);
        assertThat(filtered).containsExactly("0:1");
        assertThat(edges).isEmpty();
        assertThat(chip.getValue(0)).isZero();
    }

    @Test
    void aChangeThatLastsThePeriodGoesThrough() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        chip.setDebounce(0, 2_000);
        chip.drive(0, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> edges.contains("0+"));
        assertThat(chip.getValue(0)).isEqualTo(1);
        assertThat(filtered).isEmpty();
    }

    @Test
    void reDrivingTheSameLevelIsNoChange() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        List<Integer> driven = new CopyOnWriteArrayList<>();
        chip.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
            }

            @Override
            public void onDriven(int offset, int level) {
                driven.add(level);
            }
        });
        chip.setDebounce(0, 50_000);
        chip.drive(0, 1);
        long end = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < end && !edges.contains("0+")) {
            chip.drive(0, 1); // re-asserting the level must not postpone its settling
            Thread.onSpinWait();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> edges.contains("0+"));
        assertThat(driven).containsExactly(1);
    }

    @Test
    void anInputMadeAnInputAgainKeepsWaitingForItsPeriod() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.BOTH);
        chip.setDebounce(0, 10_000_000);
        chip.drive(0, 1);
        chip.setDirection(0, Direction.IN, 0); // Linux does this on every reconfiguration of a requested line
        assertThat(chip.getValue(0)).as("the change has not lasted the period").isZero();
        chip.setDebounce(0, 9_000_000);
        assertThat(chip.getValue(0)).as("a new period keeps the settled level").isZero();
        chip.drive(0, 0);
        assertThat(filtered).containsExactly("0:1");
        assertThat(edges).isEmpty();
    }

    @Test
    void aShorterPeriodSettlesAWaitingChangeSooner() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.RISING);
        chip.setDebounce(0, 10_000_000);
        chip.drive(0, 1);
        chip.setDebounce(0, 1_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> edges.contains("0+"));
        assertThat(chip.getValue(0)).isEqualTo(1);
    }

    @Test
    void turningDebounceOffLetsAHeldBackChangeThrough() throws LineException {
        chip.setDirection(0, Direction.IN, 0);
        chip.setEdgeDetection(0, Edge.RISING);
        chip.setDebounce(0, 10_000_000);
        chip.drive(0, 1);
        assertThat(edges).isEmpty();
        chip.setDebounce(0, 0);
        assertThat(edges).containsExactly("0+");
        assertThat(chip.getValue(0)).isEqualTo(1);
    }

    @Test
    void settingsALineLacksAreRefusedAndChangeNothing() throws LineException {
        SimulatedChip some = new SimulatedChip("few", List.of("A", "B"), new int[] {LineCaps.PULL_UP, 0});
        try {
            some.setBias(0, Bias.PULL_UP);
            assertThatThrownBy(() -> some.setBias(0, Bias.PULL_DOWN)).isInstanceOf(LineException.class)
                    .hasMessageContaining("cannot take bias pull-down").hasMessageContaining("it takes pull-up");
            assertThat(some.bias(0)).isEqualTo(Bias.PULL_UP);
            assertThatThrownBy(() -> some.setDrive(1, Drive.OPEN_DRAIN)).hasMessageContaining("it takes none");
            assertThatThrownBy(() -> some.setDebounce(1, 5)).hasMessageContaining("cannot take debouncing");
            some.setBias(1, Bias.AS_IS);
            some.setDrive(1, Drive.PUSH_PULL);
            some.setDebounce(1, 0);
            assertThat(some.lineCaps(0)).isEqualTo(LineCaps.PULL_UP);
            assertThat(some.supportsLineConfig()).isTrue();
            assertThat(new SimulatedChip("none", List.of("A"), new int[] {0}).supportsLineConfig()).isFalse();
        } finally {
            some.close();
        }
    }

    @Test
    void aDebouncePeriodBeyond24BitsIsRefused() {
        assertThatThrownBy(() -> chip.setDebounce(0, LineConfig.MAX_DEBOUNCE_US + 1))
                .isInstanceOf(LineException.class).hasMessageContaining("0 to 16777215");
        assertThatThrownBy(() -> new SimulatedChip("x", List.of("A"), new int[] {1 << 7}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
