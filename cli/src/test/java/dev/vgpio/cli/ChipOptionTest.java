package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.sys.UnixSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChipOptionTest {
    @TempDir
    Path dir;

    @Test
    void aPathIsTakenAsItIs() {
        assertThat(ChipOption.resolve("/tmp/x.sock", Map.of(), true)).isEqualTo(Path.of("/tmp/x.sock"));
        assertThat(ChipOption.resolve("sub/x", Map.of(), true)).isEqualTo(Path.of("sub/x"));
        assertThat(ChipOption.resolve("gpio.sock", Map.of(), true)).as("a .sock name is a path")
                .isEqualTo(Path.of("gpio.sock"));
    }

    @Test
    void aNameIsLookedUpInTheRuntimeDirectoryOfTheUser() throws Exception {
        Path runtime = dir.resolve("run-user");
        Files.createDirectories(runtime.resolve("vgpio"));
        String name = "board-" + ProcessHandle.current().pid(); // not in the working directory
        Path named = runtime.resolve("vgpio/" + name + ".sock");
        try (UnixSocket s = UnixSocket.listen(named, 1)) {
            assertThat(ChipOption.resolve(name, Map.of("XDG_RUNTIME_DIR", runtime.toString()), true))
                    .isEqualTo(named);
        }
    }

    @Test
    void aNameFoundNowhereListsThePlacesSearched() {
        String name = "gpio0-" + ProcessHandle.current().pid();
        assertThatThrownBy(() -> ChipOption.resolve(name, Map.of("XDG_RUNTIME_DIR", dir.toString()), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no device named \"" + name + "\": none of ./" + name + ".sock, "
                        + dir.resolve("vgpio/" + name + ".sock") + ", /run/vgpio/" + name + ".sock exists; give the"
                        + " socket path 'vgpio serve' printed (a device's name is its socket's file name without"
                        + " .sock)");
        assertThat(ChipOption.places(name, Map.of())).as("no XDG_RUNTIME_DIR, no such place")
                .containsExactly(Path.of(name + ".sock"), Path.of("/run/vgpio/" + name + ".sock"));
    }

    @Test
    void theDefaultDeviceIsVgpioSockWhenNothingIsThere() {
        assertThat(ChipOption.resolve(ChipOption.DEFAULT_NAME, Map.of("XDG_RUNTIME_DIR", dir.toString()), false))
                .isEqualTo(Path.of(ChipOption.DEFAULT));
    }
}
