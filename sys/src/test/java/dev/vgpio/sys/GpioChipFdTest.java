package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpioChipFdTest {
    @TempDir
    Path dir;

    @Test
    void chipsAreListedInTheKernelsNumberingOrderAndOtherFilesAreIgnored() throws IOException {
        for (String name : new String[] {"gpiochip10", "gpiochip2", "gpiochip0", "gpiochipX", "gpiomem", "tty0"}) {
            Files.createFile(dir.resolve(name));
        }
        assertThat(GpioChipFd.chipsIn(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("gpiochip0", "gpiochip2", "gpiochip10");
        assertThatThrownBy(() -> GpioChipFd.chipsIn(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }

    @Test
    void aChipThatIsNotThereIsAnErrorNamingThePath() {
        assertThatThrownBy(() -> GpioChipFd.open(dir.resolve("gpiochip9"))).isInstanceOf(LinuxException.class)
                .hasMessageContaining("gpiochip9").hasMessageContaining("ENOENT");
    }
}
