package dev.vgpio.lines.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChipLocatorTest {
    @TempDir
    Path dir;

    @Test
    void aChipThatCannotBeOpenedIsNotFound() {
        assertThat(new ChipLocator(dir.resolve("gpiochip7"), "nothing", true).find(java.util.List.of("a", "b"),
                java.util.Set.of())).isNull();
    }

    @Test
    void hintsSayWhatToDo() {
        assertThat(ChipLocator.hint(dev.vgpio.sys.Errno.EBUSY)).contains("another consumer holds the line");
        assertThat(ChipLocator.hint(dev.vgpio.sys.Errno.EACCES)).contains("access");
        assertThat(ChipLocator.hint(dev.vgpio.sys.Errno.EINVAL)).isEmpty();
    }
}
