package dev.vgpio.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** Entry point of the {@code vgpio} command. */
@Command(name = "vgpio",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "virtio-gpio devices, drivers and tools.%n"
                + "A VMM hands GPIO lines to a guest through vhost-user; vgpio serves them from simulated or real "
                + "chips.",
        subcommands = {ServeCommand.class, CtlCommand.class, DetectCommand.class, InfoCommand.class,
            GetCommand.class, SetCommand.class, MonCommand.class, NotifyCommand.class, ListHostCommand.class,
            EventsCommand.class, TraceCommand.class, ConformCommand.class, BenchCommand.class,
            VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    private Main() {
    }

    /** Builds the command line; tests run it in-process. */
    public static CommandLine commandLine() {
        return configured(new CommandLine(new Main()));
    }

    /**
     * The command line with {@code serve} alone under {@code vgpio}: what {@code vgpio serve ...} runs, so that a
     * daemon does not build the model of every other command before it listens (about a third of its start-up).
     * It parses, prints and fails exactly as {@link #commandLine()} does for {@code serve}.
     */
    static CommandLine serveOnly() {
        CommandLine cl = new CommandLine(CommandSpec.create().name("vgpio"));
        cl.addSubcommand("serve", new ServeCommand());
        return configured(cl);
    }

    private static CommandLine configured(CommandLine cl) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText(cmd.getCommandSpec().qualifiedName(" ") + ": "
                    + ex.getMessage()));
            return 1;
        });
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionStrategy(Main::execute);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        return cl;
    }

    /**
     * Runs the command parsed, as picocli does, except that an argument nothing took is an error even when
     * {@code --help} was given too: picocli would print the help of the command before it ({@code vgpio find
     * --help} the top-level help) and exit 0.
     */
    private static int execute(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** picocli's message for {@code ex}, in the words of a command's user. */
    static String message(ParameterException ex) {
        String m = ex.getMessage();
        java.util.regex.Matcher unmatched = UNMATCHED.matcher(m);
        if (!unmatched.matches()) {
            return m;
        }
        boolean command = !ex.getCommandLine().getSubcommands().isEmpty() && !unmatched.group(2).startsWith("-");
        return (command ? "unknown command " : "unexpected argument" + (unmatched.group(1).startsWith("s") ? "s " : " "))
                + unmatched.group(2);
    }

    private static final java.util.regex.Pattern UNMATCHED =
            java.util.regex.Pattern.compile("Unmatched argument(s from index \\d+| at index \\d+): (.*)");

    /**
     * A usage error as libgpiod's tools and coreutils report one: {@code vgpio serve: <message>}, any "did you
     * mean" suggestions, and a line naming the help to read; exit status 2.
     */
    static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        CommandSpec spec = cmd.getCommandSpec();
        String name = spec.qualifiedName(" ");
        err.println(cmd.getColorScheme().errorText(name + ": " + message(ex)));
        UnmatchedArgumentException.printSuggestions(ex, err);
        String help = spec.findOption("--help") != null ? name + " --help" : "vgpio --help";
        err.println("Try '" + help + "' for more information.");
        err.flush();
        return spec.exitCodeOnInvalidInput();
    }

    /** The subcommand list: each command's name and the first sentence of its description. */
    private static String commandList(Help help) {
        Map<String, Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        int nameWidth = subs.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
        Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(),
                new Help.Column(nameWidth + 2, 2, Help.Column.Overflow.SPAN),
                new Help.Column(help.commandSpec().usageMessage().width() - (nameWidth + 2), 2,
                        Help.Column.Overflow.WRAP));
        for (Map.Entry<String, Help> e : subs.entrySet()) {
            CommandLine.Model.UsageMessageSpec usage = e.getValue().commandSpec().usageMessage();
            String[] text = usage.header().length > 0 ? usage.header() : usage.description();
            table.addRowValues(help.colorScheme().commandText(e.getKey()),
                    help.colorScheme().text(firstSentence(String.join(" ", text))));
        }
        return table.toString();
    }

    /** The text up to the first full stop, colon or semicolon that ends a clause, with a full stop. */
    static String firstSentence(String text) {
        String s = text.replace("%n", " ").strip();
        int end = s.length();
        for (String stop : new String[] {". ", ": ", "; "}) {
            int at = s.indexOf(stop);
            if (at > 0 && at < end) {
                end = at;
            }
        }
        String first = s.substring(0, end);
        return first.endsWith(".") ? first : first + ".";
    }

    /** The command line that runs {@code args}: {@link #serveOnly()} for {@code serve}, else the whole one. */
    static CommandLine commandLineFor(String... args) {
        return args.length > 0 && args[0].equals("serve") ? serveOnly() : commandLine();
    }

    public static void main(String[] args) {
        System.exit(commandLineFor(args).execute(args));
    }
}
