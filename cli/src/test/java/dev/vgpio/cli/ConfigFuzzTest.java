package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
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
 * Fuzzes the two parsers of what a user writes: the {@code serve --config} file ({@link ServeConfig#load}, any bytes
 * as the file) and the chip spec ({@link ChipSpec#parse}, any bytes as UTF-8). The seeds are plain text files.
 *
 * <p>Invariants: the only errors are the documented ones, with a message — an {@link IOException} that names the
 * file for a config, an {@link IllegalArgumentException} for a chip spec; and what parses is within the documented
 * limits: at least one device, each with a socket path resolved against the file's directory and a chip of 1 to
 * 65535 lines whose names are valid virtio-gpio line names (7-bit ASCII, no NUL) and unique.
 */
class ConfigFuzzTest {
    private static Path dir;
    private static Path file;

    @BeforeAll
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("vgpio-config-fuzz");
        file = dir.resolve("devices.json");
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** JSON's and the config's words: Jazzer does not instrument Jackson (a jar), so it cannot learn them there. */
    @DictionaryEntries({"{\"devices\": [", "{\"socket\": ", "\"chip\": ", "\"label\": ", "\"lines\": [", "]}",
        "null", "true", "1e999", "\\u0000", "\\ud800", "\\", "sim:", "@", "\"\"", ", "})
    @FuzzTest
    void serveConfig(byte[] bytes) throws IOException {
        Files.write(file, bytes);
        List<DeviceSpec> devices;
        try {
            devices = ServeConfig.load(file);
        } catch (IOException e) {
            assertThat(e.getMessage()).as("the message of %s", e).isNotBlank().contains(file.toString());
            return;
        }
        assertThat(devices).isNotEmpty();
        for (DeviceSpec d : devices) {
            assertThat(d.socket()).isNotNull();
            assertThat(d.socket().isAbsolute()).as("socket %s is resolved against the file's directory", d.socket())
                    .isTrue();
            assertValid(d.chip());
        }
    }

    @DictionaryEntries({"sim", "sim:", "@", ",", "65535", "65536", "\u0000", "\u00e9"})
    @FuzzTest
    void chipSpec(byte[] bytes) {
        String spec = new String(bytes, StandardCharsets.UTF_8);
        ChipSpec chip;
        try {
            chip = ChipSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as("the message of %s", e).isNotBlank();
            return;
        }
        assertValid(chip);
        if (spec.trim().equals("sim")) {
            assertThat(chip).isEqualTo(ChipSpec.DEMO);
        }
    }

    /** A chip the device can serve: 1 to 65535 lines, valid and unique names, a label. */
    private static void assertValid(ChipSpec chip) {
        assertThat(chip.label()).isNotNull();
        assertThat(chip.names()).hasSizeBetween(1, 65535).doesNotContainNull();
        LineNames.validate(chip.names());
        Set<String> seen = new HashSet<>();
        for (String name : chip.names()) {
            assertThat(name.isEmpty() || seen.add(name)).as("name %s is unique", name).isTrue();
            assertThat(name.chars().allMatch(c -> c > 0 && c < 0x80)).as("name %s is 7-bit ASCII", name).isTrue();
        }
    }
}
