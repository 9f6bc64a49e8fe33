package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restarted daemon finds its simulated lines as the last one left them, and trusts no one else's file. */
class StateFileTest {
    @TempDir
    Path dir;

    private SimulatedChip chip() {
        return new SimulatedChip("board", List.of("LED", "BUTTON", "", "RESET"));
    }

    @Test
    void aNewChipStartsWithTheLinesTheLastOneLeft() throws Exception {
        Path file = dir.resolve("gpio.sock.state");
        SimulatedChip first = chip();
        try (StateFile s = StateFile.open(file, first).watch()) {
            first.setDirection(0, Direction.OUT, 1); // as a driver's SET_VALUE + SET_DIRECTION(OUT) do
            first.setDirection(3, Direction.IN, 0);
            first.drive(1, 1); // the host presses BUTTON
            await("the change to be saved").atMost(Duration.ofSeconds(5))
                    .until(() -> Files.readString(file).contains("\"out\""));
        }
        SimulatedChip second = chip();
        try (StateFile s = StateFile.open(file, second)) {
            assertThat(second.getDirection(0)).isEqualTo(Direction.OUT);
            assertThat(second.observe(0)).as("the output level").isEqualTo(1);
            assertThat(second.getDirection(3)).isEqualTo(Direction.IN);
            assertThat(second.drivenLevel(1)).as("saved on close: what the host drove").isEqualTo(1);
            assertThat(second.getDirection(2)).isEqualTo(Direction.NONE);
            GpioController device = new GpioController(second);
            assertThat(device.direction(0)).as("the device starts from the restored lines").isEqualTo(Direction.OUT);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void theGuestsLineSettingsAndAReleasedLineAreKept() throws Exception {
        Path file = dir.resolve("settings.state");
        SimulatedChip first = chip();
        try (StateFile s = StateFile.open(file, first).watch()) {
            first.setDrive(0, Drive.OPEN_DRAIN);
            first.setBias(0, Bias.PULL_UP);
            first.setDirection(0, Direction.OUT, 1);
            first.setDirection(3, Direction.IN, 0);
            first.setDebounce(3, 1500);
            first.drive(1, 1);
            first.release(1);
            await("the change to be saved").atMost(Duration.ofSeconds(5))
                    .until(() -> Files.readString(file).contains("\"debounce\" : 1500"));
        }
        SimulatedChip second = chip();
        try (StateFile s = StateFile.open(file, second)) {
            assertThat(second.drive(0)).isEqualTo(Drive.OPEN_DRAIN);
            assertThat(second.bias(0)).isEqualTo(Bias.PULL_UP);
            assertThat(second.outputValue(0)).isEqualTo(1);
            assertThat(second.observe(0)).as("let go, pulled up").isEqualTo(1);
            assertThat(second.debounce(3)).isEqualTo(1500);
            assertThat(second.isHeld(1)).isFalse();
            assertThat(second.drivenLevel(1)).as("left where the host let it go").isEqualTo(1);
        }
        SimulatedChip fewer = new SimulatedChip("board", first.lineNames(), new int[] {LineCaps.PULL_UP, 0, 0, 0});
        try (StateFile s = StateFile.open(file, fewer)) {
            assertThat(fewer.bias(0)).isEqualTo(Bias.PULL_UP);
            assertThat(fewer.drive(0)).as("a drive the line no longer takes is dropped").isEqualTo(Drive.PUSH_PULL);
            assertThat(fewer.debounce(3)).isZero();
            assertThat(fewer.getDirection(3)).as("the rest of the state applies").isEqualTo(Direction.IN);
        }
    }

    @Test
    void aFileForOtherLinesIsRefusedWithWhatDiffers() throws Exception {
        Path file = dir.resolve("s.state");
        StateFile.open(file, SimulatedChip.withLines("other", 4, "X")).watch().close();
        assertThatThrownBy(() -> StateFile.open(file, chip())).isInstanceOf(IOException.class)
                .hasMessageContaining("has line 0 \"X0\" where this chip has line 0 \"LED\"");
        Files.delete(file);
        StateFile.open(file, SimulatedChip.withLines("small", 2, "X")).watch().close();
        assertThatThrownBy(() -> StateFile.open(file, chip())).hasMessageContaining("saved for 2 lines");
    }

    @Test
    void aFileAnotherUserMayWriteIsNotTrusted() throws Exception {
        Path file = dir.resolve("s.state");
        StateFile.open(file, chip()).watch().close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> StateFile.open(file, chip())).hasMessageContaining("refusing to take line levels");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setOwner(file, file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> StateFile.open(file, chip())).hasMessageContaining("owner nobody");
    }

    @Test
    void twoSocketsOfTheSameNameInTwoDirectoriesGetTwoFiles() {
        assertThat(StateFile.nameFor(Path.of("/run/vm1/gpio.sock")))
                .isEqualTo("_run_vm1_gpio.sock.state")
                .isNotEqualTo(StateFile.nameFor(Path.of("/run/vm2/gpio.sock")));
        assertThat(StateFile.nameFor(Path.of("/a_b/c"))).isNotEqualTo(StateFile.nameFor(Path.of("/a/b_c")));
    }

    @Test
    void aFileIsNotWrittenBeforeTheDaemonOwnsItsSocket() throws Exception {
        Path file = dir.resolve("n.state");
        StateFile.open(file, chip()).close();
        assertThat(file).doesNotExist();
    }

    @Test
    void garbageIsAClearError() throws Exception {
        Path file = Files.writeString(dir.resolve("s.state"), "{\"lines\": [1, 2");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> StateFile.open(file, chip())).hasMessageContaining("is not a saved line state")
                .hasMessageContaining("remove it");
        Path wrong = Files.writeString(dir.resolve("w.state"), """
                {"label": "board", "lines": [
                  {"offset": 0, "name": "LED", "direction": "sideways", "value": 0, "driven": 0},
                  {"offset": 1, "name": "BUTTON", "direction": "in", "value": 0, "driven": 0},
                  {"offset": 2, "name": "", "direction": "none", "value": 0, "driven": 0},
                  {"offset": 3, "name": "RESET", "direction": "none", "value": 0, "driven": 0}]}""");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> StateFile.open(wrong, chip())).hasMessageContaining("direction 'sideways'");
    }
}
