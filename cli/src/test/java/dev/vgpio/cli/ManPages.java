package dev.vgpio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * vgpio's man pages and bash completion, generated from the command model that {@code --help} prints
 * ({@link Main#commandLine()}, with its own help sections): one AsciiDoc page per command and subcommand, in the form
 * picocli-codegen's man-page generator writes, which asciidoctor turns into roff. {@code scripts/package} runs
 * {@link #main}; {@code ManPageTest} checks the result. It lives in test scope so that picocli-codegen is no part of
 * vgpio.jar.
 */
public final class ManPages {
    /** Where the installed package keeps the docs/ pages the help texts name. */
    static final String DOCS = "/usr/share/doc/vgpio/docs";

    private ManPages() {
    }

    /**
     * {@code ManPages MAN_DIR COMPLETION_FILE}: writes {@code vgpio.adoc}, {@code vgpio-serve.adoc}, ... into MAN_DIR
     * and the bash completion script to COMPLETION_FILE.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ManPages MAN_DIR COMPLETION_FILE");
            System.exit(2);
        }
        List<Path> pages = writePages(Path.of(args[0]));
        Path completion = Path.of(args[1]);
        Files.createDirectories(completion.toAbsolutePath().getParent());
        Files.writeString(completion, bashCompletion());
        System.out.println("ManPages: " + pages.size() + " pages in " + args[0] + ", completion in " + completion);
    }

    /** The command line the pages describe: {@code vgpio}'s, less picocli's {@code help} command (it has no page). */
    static CommandLine documented() {
        CommandLine cl = Main.commandLine();
        cl.getCommandSpec().removeSubcommand("help");
        return cl;
    }

    /** Every command that gets a page, {@code vgpio} first, then each subcommand before its own subcommands. */
    static List<CommandSpec> commands(CommandLine cl) {
        List<CommandSpec> out = new ArrayList<>();
        collect(cl, out);
        return out;
    }

    private static void collect(CommandLine cl, List<CommandSpec> out) {
        out.add(cl.getCommandSpec());
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, out);
        }
    }

    /** The page's name: {@code vgpio-ctl-get} for {@code vgpio ctl get}. */
    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** Writes one AsciiDoc page per command into {@code dir}; the pages written. */
    static List<Path> writePages(Path dir) throws IOException {
        Files.createDirectories(dir);
        CommandLine cl = documented();
        List<Path> pages = new ArrayList<>();
        for (CommandSpec spec : commands(cl)) {
            StringWriter text = new StringWriter();
            try (PrintWriter pw = new PrintWriter(text)) {
                ManPageGenerator.writeSingleManPage(pw, spec);
            }
            Path page = dir.resolve(pageName(spec) + ".adoc");
            Files.writeString(page, edit(text.toString(), spec));
            pages.add(page);
        }
        return pages;
    }

    /**
     * The generator's page with what it leaves out: the footer {@code --help} prints (picocli-codegen writes a
     * footer only under a footer heading, which no vgpio command has), split into NOTES and EXAMPLES; a SEE ALSO
     * section; plain command names in the command list instead of links to .adoc files.
     */
    static String edit(String page, CommandSpec spec) {
        String s = page.replace(":manmanual: Vgpio Manual", ":manmanual: vgpio Manual")
                .replaceAll("xref:[a-z0-9-]+\\.adoc\\[(\\*[a-z0-9-]+\\*)]", "$1");
        s = replaceSection(s, "footer", footer(spec));
        String end = "// end::picocli-generated-full-manpage[]";
        int at = s.lastIndexOf(end);
        return s.substring(0, at) + seeAlso(spec) + s.substring(at);
    }

    private static String replaceSection(String page, String section, String body) {
        String start = "// tag::picocli-generated-man-section-" + section + "[]\n";
        String end = "// end::picocli-generated-man-section-" + section + "[]";
        int from = page.indexOf(start);
        int to = page.indexOf(end, from);
        if (from < 0 || to < 0) {
            throw new IllegalStateException("no " + section + " section in the generated page");
        }
        return page.substring(0, from + start.length()) + body + page.substring(to);
    }

    /**
     * The footer as {@code --help} prints it (the same wrapping), as literal blocks: the text before a line
     * {@code Examples:} (or {@code Example:}) under NOTES, the examples under EXAMPLES.
     */
    static String footer(CommandSpec spec) {
        if (spec.usageMessage().footer().length == 0) {
            return "";
        }
        CommandLine.Help help = new CommandLine.Help(spec,
                new CommandLine.Help.ColorScheme.Builder(CommandLine.Help.Ansi.OFF).build());
        List<String> lines = new ArrayList<>(List.of(help.footer().split("\n", -1)));
        lines.replaceAll(String::stripTrailing);
        int examples = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("Examples:") || lines.get(i).equals("Example:")) {
                examples = i;
                break;
            }
        }
        StringBuilder b = new StringBuilder();
        List<String> notes = examples < 0 ? lines : lines.subList(0, examples);
        literal(b, "Notes", notes, 0);
        if (examples >= 0) {
            literal(b, "Examples", lines.subList(examples + 1, lines.size()), 2);
        }
        return b.toString();
    }

    private static void literal(StringBuilder b, String heading, List<String> lines, int indent) {
        int first = 0;
        int last = lines.size();
        while (first < last && lines.get(first).isBlank()) {
            first++;
        }
        while (last > first && lines.get(last - 1).isBlank()) {
            last--;
        }
        if (first == last) {
            return;
        }
        b.append("== ").append(heading).append("\n\n[subs=\"specialchars\"]\n....\n");
        for (String line : lines.subList(first, last)) {
            b.append(line.startsWith(" ".repeat(indent)) ? line.substring(indent) : line).append('\n');
        }
        b.append("....\n\n");
    }

    /** The pages of the command's parent and subcommands, and where the docs/ pages its help names are. */
    static String seeAlso(CommandSpec spec) {
        List<String> related = new ArrayList<>();
        if (spec.parent() != null) {
            related.add("*" + pageName(spec.parent()) + "*(1)");
        }
        for (CommandLine sub : spec.subcommands().values()) {
            related.add("*" + pageName(sub.getCommandSpec()) + "*(1)");
        }
        StringBuilder b = new StringBuilder("// tag::vgpio-see-also[]\n== See also\n\n");
        if (!related.isEmpty()) {
            b.append(String.join(", ", related)).append("\n\n");
        }
        b.append("The docs/ pages named above (docs/config.md, ...) are installed in ").append(DOCS)
                .append("; packaging.md there describes the systemd units, socket activation and QEMU and libvirt"
                        + " set-ups.\n\n// end::vgpio-see-also[]\n\n");
        return b.toString();
    }

    /** picocli's bash completion script for {@code vgpio} and every subcommand, {@code help} included. */
    static String bashCompletion() {
        return AutoComplete.bash("vgpio", Main.commandLine());
    }
}
