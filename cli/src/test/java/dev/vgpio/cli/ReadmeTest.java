package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.Test;

/** The README's command reference matches the command model that {@code --help} prints. */
class ReadmeTest {
    private static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"));
    }

    /** The text of the README's section under {@code heading}, up to the next heading of that level. */
    private static String section(String text, String heading) {
        int start = text.indexOf("\n" + heading + "\n");
        assertThat(start).as("the README has a section %s", heading).isNotNegative();
        int end = text.indexOf("\n## ", start + heading.length() + 2);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    @Test
    void everyServeOptionIsInTheReadmesTable() throws IOException {
        String serve = section(readme(), "## `vgpio serve`");
        CommandLine.Model.CommandSpec spec = Main.commandLine().getSubcommands().get("serve").getCommandSpec();
        for (OptionSpec o : spec.options()) {
            for (String name : o.names()) {
                assertThat(serve).as("serve's option %s in the README's table", name).contains("`" + name);
            }
        }
    }

    @Test
    void everyCommandIsInTheReadme() throws IOException {
        String text = readme();
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            if (!name.equals("help")) {
                assertThat(text).as("vgpio %s in the README", name).contains("vgpio " + name);
            }
        }
    }
}
