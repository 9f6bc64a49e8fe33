package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {
    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private int run(String... args) {
        return cli.execute(args);
    }

    @Test
    void versionNamesTheBuildAndTheDevice() {
        assertThat(run("version")).isZero();
        assertThat(out.toString()).startsWith("vgpio ").contains("device ID 41").contains("Java 25");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: vgpio").contains("version");
    }

    @Test
    void unknownCommandIsAnErrorWithUsage() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched argument").contains("frobnicate");
    }
}
