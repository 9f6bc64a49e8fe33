package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The man pages and the bash completion that scripts/package installs ({@link ManPages}) describe every command,
 * option and argument of the command model that {@code --help} prints.
 */
class ManPageTest {
    @TempDir
    Path dir;

    /** The pages, by name ({@code vgpio-ctl-get}). */
    private Map<String, String> pages() throws IOException {
        List<Path> written = ManPages.writePages(dir);
        Map<String, String> pages = new java.util.LinkedHashMap<>();
        for (Path p : written) {
            pages.put(p.getFileName().toString().replaceFirst("\\.adoc$", ""), Files.readString(p));
        }
        return pages;
    }

    /** Every command and subcommand of {@code vgpio} but {@code help}, as page names. */
    private static List<String> expectedPages() {
        List<String> names = new ArrayList<>();
        collect(Main.commandLine(), names);
        return names;
    }

    private static void collect(CommandLine cl, List<String> out) {
        out.add(cl.getCommandSpec().qualifiedName("-"));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                collect(sub, out);
            }
        });
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    @Test
    void everyCommandHasItsPage() throws IOException {
        Map<String, String> pages = pages();
        assertThat(pages.keySet()).containsExactlyInAnyOrderElementsOf(expectedPages())
                .contains("vgpio", "vgpio-serve", "vgpio-ctl-get", "vgpio-trace-export");
        for (var e : pages.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).contains("= " + e.getKey() + "(1)")
                    .contains(":manmanual: vgpio Manual").contains("== Synopsis").doesNotContain("xref:");
        }
    }

    @Test
    void everyOptionAndArgumentIsOnItsPageWithItsHelpText() throws IOException {
        Map<String, String> pages = pages();
        for (CommandSpec spec : ManPages.commands(ManPages.documented())) {
            String page = pages.get(ManPages.pageName(spec));
            String options = squash(section(page, "options"));
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) {
                    continue; // not in --help either
                }
                for (String name : o.names()) {
                    assertThat(options).as("%s: option %s", ManPages.pageName(spec), name).contains(name);
                }
                for (String line : o.description()) {
                    assertThat(options).as("%s: the help of %s", ManPages.pageName(spec), o.longestName())
                            .contains(squash(String.format(line)));
                }
            }
            String arguments = squash(section(page, "arguments"));
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (p.hidden()) {
                    continue;
                }
                assertThat(arguments).as("%s: argument %s", ManPages.pageName(spec), p.paramLabel())
                        .contains(p.paramLabel());
            }
            for (CommandLine sub : spec.subcommands().values()) {
                assertThat(squash(section(page, "commands"))).contains("*" + sub.getCommandName() + "*");
                assertThat(page).contains("*" + ManPages.pageName(sub.getCommandSpec()) + "*(1)");
            }
        }
    }

    /** The footer --help prints (notes, examples) is on the page, line for line. */
    @Test
    void theFooterOfTheHelpIsOnThePage() throws IOException {
        Map<String, String> pages = pages();
        int withFooter = 0;
        for (CommandSpec spec : ManPages.commands(ManPages.documented())) {
            if (spec.usageMessage().footer().length == 0) {
                continue;
            }
            withFooter++;
            String page = section(pages.get(ManPages.pageName(spec)), "footer");
            CliRun run = new CliRun();
            List<String> args = new ArrayList<>(List.of(spec.qualifiedName(" ").split(" ")));
            args.removeFirst();
            args.add("--help");
            assertThat(run.execute(args.toArray(String[]::new))).isZero();
            String help = run.out.toString();
            String footer = help.substring(help.indexOf(new CommandLine.Help(spec,
                    new CommandLine.Help.ColorScheme.Builder(CommandLine.Help.Ansi.OFF).build()).footer().strip()));
            for (String line : footer.split("\n")) {
                if (!line.isBlank() && !line.strip().matches("Examples?:")) {
                    assertThat(page).as("%s: footer line %s", ManPages.pageName(spec), line)
                            .contains(line.strip());
                }
            }
        }
        assertThat(withFooter).as("commands with notes or examples").isGreaterThan(10);
        assertThat(section(pages.get("vgpio-serve"), "footer")).contains("== Examples", "vgpio serve --config");
    }

    private static String section(String page, String name) {
        String start = "// tag::picocli-generated-man-section-" + name + "[]";
        String end = "// end::picocli-generated-man-section-" + name + "[]";
        int from = page.indexOf(start);
        int to = page.indexOf(end);
        assertThat(from).as("section %s", name).isNotNegative();
        return page.substring(from + start.length(), to);
    }

    @Test
    void theCompletionScriptIsValidBashAndKnowsEveryCommand() throws Exception {
        String script = ManPages.bashCompletion();
        for (CommandSpec spec : ManPages.commands(Main.commandLine())) {
            // picocli names the function after the command's path, dashes dropped: _picocli_vgpio_listhost
            String function = "_picocli_" + String.join("_", spec.qualifiedName(" ").replace("-", "").split(" "));
            assertThat(script).as("a completion function for %s", spec.qualifiedName(" "))
                    .contains("function " + function + "()");
            if (spec.parent() != null) {
                assertThat(script).as("the completion offers %s", spec.qualifiedName(" "))
                        .containsPattern("(?m)^\\s*local commands=\"[^\"]*\\b" + spec.name() + "\\b");
            }
        }
        Path file = dir.resolve("vgpio");
        Files.writeString(file, script);
        assertThat(bash("-n", file.toString())).isEmpty();
        // what the completion offers, as bash-completion would ask for it
        String offered = bash("-c", "source \"$1\" 2>/dev/null; complete() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 ));"
                + " COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _complete_vgpio 2>/dev/null;"
                + " echo \"${COMPREPLY[*]}\"; }; complete vgpio se; complete vgpio ctl p; complete vgpio serve --soc;"
                + " complete vgpio tr", "-", file.toString());
        assertThat(offered.split("\n")).containsExactly("serve set", "pulse",
                "--socket-path --socket --socket-count --socket-group", "trace");
    }

    /** Runs bash; what it prints on stdout and stderr, which must be nothing but that on success. */
    private static String bash(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("bash %s: %s", String.join(" ", args), out).isZero();
        return out.lines().collect(Collectors.joining("\n"));
    }
}
