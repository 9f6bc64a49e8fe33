package dev.vgpio.lines.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.pick.HostChipDirectory.Unreadable;
import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.sys.GpioChipFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system directory over a folder of stand-ins: regular files called {@code gpiochipN} open, but are no GPIO
 * chips (the chip-info ioctl fails with ENOTTY), which is how an unreadable chip looks.
 */
class DevChipsTest {
    @TempDir
    Path dev;

    @Test
    void chipsAreTheGpiochipEntriesInTheOrderOfTheirNumberAndTheUnreadableAreKeptAside() throws IOException {
        for (String name : List.of("gpiochip10", "gpiochip2", "gpiochip0", "gpiochipX", "gpiochip", "ttyS0")) {
            Files.createFile(dev.resolve(name));
        }
        DevChips chips = new DevChips(dev);
        assertThat(chips.chips()).isEmpty();
        assertThat(chips.unreadable()).extracting(Unreadable::name)
                .containsExactly("gpiochip0", "gpiochip2", "gpiochip10");
        assertThat(chips.unreadable().get(1).problem()).contains(dev.resolve("gpiochip2").toString())
                .contains("ENOTTY");
        Files.delete(dev.resolve("gpiochip0"));
        assertThat(chips.unreadable()).as("read once").hasSize(3);
    }

    @Test
    void anUnreadableChipFailsTheSpecThatUsesItWithThePathAndTheErrno() throws IOException {
        Files.createFile(dev.resolve("gpiochip3"));
        DevChips chips = new DevChips(dev);
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip3 0"), List.of(), chips))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNREADABLE_CHIP))
                .hasMessageContaining(dev.resolve("gpiochip3").toString()).hasMessageContaining("ENOTTY");
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("board 0"), List.of(), chips))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_CHIP))
                .hasMessageContaining("not readable, so not searched").hasMessageContaining("ENOTTY");
        assertThat(LinePicker.pick(LineSpec.parse("sim:2"), List.of(), chips).lines()).hasSize(2);
    }

    @Test
    void aSimulatedSpecNeverReadsTheDirectory() {
        DevChips missing = new DevChips(dev.resolve("no-such-dir"));
        assertThat(LinePicker.pick(LineSpec.DEMO, List.of(), missing).lines()).hasSize(8);
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip0 0"), List.of(), missing))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNREADABLE_CHIP))
                .hasMessageContaining("cannot list the host's GPIO chips in " + dev.resolve("no-such-dir"));
    }

    @Test
    void theSystemDirectoryAccountsForEveryGpiochipInDev() throws IOException {
        HostChipDirectory system = HostChipDirectory.system();
        List<Path> entries = GpioChipFd.chipsIn(Path.of("/dev"));
        assertThat(system.chips().size() + system.unreadable().size()).isEqualTo(entries.size());
        assertThat(system.chips()).allSatisfy(c -> assertThat(entries).contains(c.path()));
    }
}
