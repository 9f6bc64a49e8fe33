package dev.vgpio.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code vgpio} command. */
@Command(name = "vgpio",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "virtio-gpio devices, drivers and tools.%n"
                + "A VMM hands GPIO lines to a guest through vhost-user; vgpio serves them from simulated or real chips.",
        subcommands = {ServeCommand.class, CtlCommand.class, DetectCommand.class, InfoCommand.class,
            GetCommand.class, SetCommand.class, MonCommand.class, ListHostCommand.class, ConformCommand.class,
            BenchCommand.class,
            VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    private Main() {
    }

    /** Builds the command line; tests run it in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("vgpio: " + ex.getMessage()));
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
