package dev.vgpio.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs vgpio's command line in-process, as {@code ./vgpio} would, keeping what it prints. */
final class CliRun {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** Executes {@code args} (a subcommand and its options); the exit status. */
    int execute(String... args) {
        return execute(Main.commandLineFor(args), args);
    }

    /** Executes {@code args} on {@code cl}; the exit status. */
    int execute(CommandLine cl, String... args) {
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }
}
