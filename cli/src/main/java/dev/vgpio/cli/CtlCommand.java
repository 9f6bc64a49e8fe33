package dev.vgpio.cli;

import dev.vgpio.control.CtlClient;
import dev.vgpio.control.CtlServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code vgpio ctl}: drive and inspect the simulated lines of a running {@code vgpio serve}. */
@Command(name = "ctl", sortOptions = false,
        description = {"Drive and inspect the lines of a running 'vgpio serve' from the host, through the control",
            "socket it opens beside each device socket (<socket>.ctl). LINE is an offset or a line name."},
        subcommands = {CtlCommand.Get.class, CtlCommand.Set.class, CtlCommand.Pulse.class, CtlCommand.Toggle.class,
            CtlCommand.ListLines.class},
        footer = {"", "Examples:", "  vgpio ctl list", "  vgpio ctl set BUTTON_A 1",
            "  vgpio ctl pulse BUTTON_A --width 200", "  vgpio ctl --socket /tmp/gpio.sock toggle 3 --count 100 --interval 20"})
final class CtlCommand {
    @Spec
    CommandSpec spec;

    @Mixin
    SocketOption socket;

    @Option(names = "--ctl", paramLabel = "PATH",
            description = "The control socket itself, if not the device socket's PATH.ctl.")
    Path ctl;

    int run(String command) throws IOException {
        Path target = ctl != null ? ctl : CtlServer.pathFor(socket.path());
        CtlClient.Reply reply = CtlClient.send(target, command);
        if (!reply.ok()) {
            spec.commandLine().getErr().println("vgpio ctl: " + reply.error());
            spec.commandLine().getErr().flush();
            return 1;
        }
        reply.lines().forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        return 0;
    }

    @Command(name = "get", description = "Print the level and direction the host sees on LINE.")
    static final class Get implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Override
        public Integer call() throws IOException {
            return parent.run("get " + line);
        }
    }

    @Command(name = "set", description = "Drive the level LINE senses as an input (0 or 1).")
    static final class Set implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(index = "0", paramLabel = "LINE")
        String line;

        @Parameters(index = "1", paramLabel = "0|1")
        String level;

        @Override
        public Integer call() throws IOException {
            return parent.run("set " + line + " " + level);
        }
    }

    @Command(name = "pulse", description = "Invert LINE's driven level for --width ms, then restore it (a button press).")
    static final class Pulse implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Option(names = {"-w", "--width"}, paramLabel = "MS", defaultValue = "100",
                description = "Pulse width in milliseconds (default ${DEFAULT-VALUE}).")
        int width;

        @Override
        public Integer call() throws IOException {
            return parent.run("pulse " + line + " " + width);
        }
    }

    @Command(name = "toggle", description = "Invert LINE's driven level --count times, one every --interval ms.")
    static final class Toggle implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Option(names = {"-n", "--count"}, paramLabel = "N", required = true, description = "How many changes.")
        int count;

        @Option(names = {"-i", "--interval"}, paramLabel = "MS", defaultValue = "100",
                description = "Milliseconds between changes (default ${DEFAULT-VALUE}).")
        int interval;

        @Override
        public Integer call() throws IOException {
            return parent.run("toggle " + line + " " + count + " " + interval);
        }
    }

    @Command(name = "list", description = "Print every line: level, direction, driven level, edge detection.")
    static final class ListLines implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Override
        public Integer call() throws IOException {
            return parent.run("list");
        }
    }
}
