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

    /**
     * docs/commands.md is the {@code --help} of every command and subcommand, as the command model prints it. When
     * a command changes, this writes the new reference to cli/target/commands.md: copy it over docs/commands.md.
     */
    @Test
    void theCommandReferenceIsTheHelpOfEveryCommand() throws IOException {
        StringBuilder doc = new StringBuilder("""
                # Command reference

                The `--help` of every `vgpio` command, as it prints it (cli's `ReadmeTest` checks that this page is
                exactly that). The README explains what each command is for.
                """);
        java.util.List<java.util.List<String>> commands = new java.util.ArrayList<>();
        commands.add(java.util.List.of());
        collect(Main.commandLine(), java.util.List.of(), commands);
        for (java.util.List<String> command : commands) {
            CliRun run = new CliRun();
            java.util.List<String> args = new java.util.ArrayList<>(command);
            args.add("--help");
            assertThat(run.execute(args.toArray(String[]::new))).isZero();
            doc.append("\n## `").append(String.join(" ", java.util.stream.Stream.concat(
                    java.util.stream.Stream.of("vgpio"), command.stream()).toList())).append("`\n\n```text\n")
                    .append(run.out.toString().stripTrailing()).append("\n```\n");
        }
        Path generated = Path.of("target", "commands.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, doc);
        assertThat(Files.readString(Path.of("..", "docs", "commands.md")))
                .as("docs/commands.md is out of date: cp cli/target/commands.md docs/commands.md")
                .isEqualTo(doc.toString());
    }

    private static void collect(CommandLine cl, java.util.List<String> path, java.util.List<java.util.List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            java.util.List<String> next = new java.util.ArrayList<>(path);
            next.add(e.getKey());
            out.add(next);
            collect(e.getValue(), next, out);
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
