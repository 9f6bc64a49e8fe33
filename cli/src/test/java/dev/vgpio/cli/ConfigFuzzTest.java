package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.lines.pick.HostChipDirectory;
import dev.vgpio.lines.pick.HostChipInfo;
import dev.vgpio.lines.pick.LineSpecException;
import dev.vgpio.lines.pick.PickedDevice;
import dev.vgpio.protocol.LineNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the {@code serve --config} file ({@link ServeConfig#load}) with any bytes as the file: JSON, or YAML if the
 * input starts with {@code # yaml}, or TOML if it starts with {@code # toml} (a comment in both). The seeds are plain
 * text files. (The line spec in {@code "chip"} has a target of its own, the lines module's
 * {@code LineSpecFuzzTest#lineSpec}.)
 *
 * <p>Invariants: the only error is an {@link IOException} whose message names the file; what loads is within the
 * documented limits: at least one device, each with a socket path resolved against the file's directory, and lines
 * that {@link dev.vgpio.lines.pick.LinePicker#pick} either refuses with a {@link LineSpecException} (against a small
 * fake host) or picks as 1 to 65535 lines whose names are valid virtio-gpio line names (7-bit ASCII, no NUL) and
 * unique, the renames where given.
 */
class ConfigFuzzTest {
    private static final HostChipDirectory HOST = HostChipDirectory.of(List.of(
            new HostChipInfo("gpiochip0", Path.of("/dev/gpiochip0"), "pinctrl", List.of("LED", "", "RESET_N")),
            new HostChipInfo("gpiochip1", Path.of("/dev/gpiochip1"), "bank", List.of("A0", "LED_RED"))));
    private static Path dir;

    @BeforeAll
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("vgpio-config-fuzz");
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The formats' and the config's words: Jazzer does not instrument Jackson (a jar), so it cannot learn them
     * there. A newline is libFuzzer's escape {@code \x0a}: an entry is one line of its dictionary.
     */
    @DictionaryEntries({"{\"devices\": [", "{\"socket\": ", "\"chip\": ", "\"label\": ", "\"lines\": [",
        "\"names\": [", "{\"chip\": \"gpiochip0\", \"offset\": ", "{\"line\": ", "\"name\": ", "]}", "null",
        "true", "1e999", "\\u0000", "\\ud800", "\\", "sim:", "@", "\"\"", ", ", "# yaml\\x0a", "# toml\\x0a",
        "devices:\\x0a  - socket: ", "    lines: [", "[[devices]]\\x0a", "socket = ", "gpiochip0 0-2", "RESET_N"})
    @FuzzTest
    void serveConfig(byte[] bytes) throws IOException {
        String head = new String(bytes, 0, Math.min(bytes.length, 6), StandardCharsets.ISO_8859_1);
        Path file = dir.resolve(head.equals("# yaml") ? "devices.yaml" : head.equals("# toml") ? "devices.toml"
                : "devices.json");
        Files.write(file, bytes);
        List<DeviceSpec> devices;
        try {
            devices = ServeConfig.load(file);
        } catch (IOException e) {
            assertThat(e.getMessage()).as("the message of %s", e).isNotBlank().contains(file.toString());
            return;
        } finally {
            Files.delete(file);
        }
        assertThat(devices).isNotEmpty();
        for (DeviceSpec d : devices) {
            assertThat(d.socket()).isNotNull();
            assertThat(d.socket().isAbsolute()).as("socket %s is resolved against the file's directory", d.socket())
                    .isTrue();
            assertPicksValidLines(d);
        }
    }

    /** Lines the device can serve: 1 to 65535 lines, valid and unique names, the renames where given. */
    private static void assertPicksValidLines(DeviceSpec d) {
        PickedDevice picked;
        try {
            picked = d.pick(HOST);
        } catch (LineSpecException e) {
            assertThat(e.getMessage()).as("the message of %s", e).isNotBlank();
            return;
        }
        assertThat(picked.label()).isNotNull();
        List<String> names = picked.names();
        assertThat(names).hasSizeBetween(1, 65535).doesNotContainNull();
        LineNames.validate(names);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            assertThat(name.isEmpty() || seen.add(name)).as("name %s is unique", name).isTrue();
            assertThat(name.chars().allMatch(c -> c > 0 && c < 0x80)).as("name %s is 7-bit ASCII", name).isTrue();
            if (i < d.names().size() && !d.names().get(i).isEmpty()) {
                assertThat(name).isEqualTo(d.names().get(i));
            }
        }
    }
}
