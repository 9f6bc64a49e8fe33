package dev.vgpio.cli;

import dev.vgpio.control.CtlClient;
import dev.vgpio.control.LineChange;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.LevelWords;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code vgpio ctl}: drive and inspect the simulated lines of a running {@code vgpio serve}. */
@Command(name = "ctl", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Drive, inspect and watch the lines of a running 'vgpio serve' from the host.",
            "It talks to the control socket 'vgpio serve' opens beside each device socket (<socket>.ctl).",
            "LINE is an offset or a line name."},
        subcommands = {CtlCommand.Get.class, CtlCommand.Set.class, CtlCommand.Pulse.class, CtlCommand.Toggle.class,
            CtlCommand.Release.class, CtlCommand.ListLines.class, CtlCommand.Watch.class},
        footer = {"", CtlCommand.LEVELS, "",
            TimeValue.HELP, "",
            "Examples:", "  vgpio ctl list", "  vgpio ctl set BUTTON_A on", "  vgpio ctl pulse BUTTON_A --width 200ms",
            "  vgpio ctl -c /tmp/gpio.sock toggle 3 --count 100 --interval 20ms", "  vgpio ctl watch -n 10 LED"})
final class CtlCommand {
    static final String LEVELS = "LEVEL is 1, active, on, true or high; or 0, inactive, off, false or low.";

    @Spec
    CommandSpec spec;

    @Mixin
    ChipOption socket;

    @Option(names = "--ctl", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "The control socket itself (default the device's socket with .ctl appended).")
    Path ctl;

    /** The control socket to talk to. */
    Path target() {
        if (ctl != null) {
            return ctl;
        }
        Path device = socket.path();
        return ChannelOptions.isAddress(device.toString())
                ? ChannelOptions.ctlPathFor(dev.vgpio.channel.Endpoint.parse(device.toString()))
                : CtlServer.pathFor(device);
    }

    /** {@code period} in whole milliseconds, the control socket's unit; anything finer is a usage error. */
    long millis(Duration period, String option, String subcommand) {
        if (period.toNanos() % 1_000_000L != 0) {
            throw new ParameterException(spec.commandLine().getSubcommands().get(subcommand), option + " "
                    + period.toNanos() / 1000 + "us is not a whole number of milliseconds, the finest step"
                    + " the control socket takes");
        }
        return period.toMillis();
    }

    int run(String command) throws IOException {
        CtlClient.Reply reply = CtlClient.send(target(), command);
        if (!reply.ok()) {
            spec.commandLine().getErr().println("vgpio ctl: " + reply.error());
            spec.commandLine().getErr().flush();
            return 1;
        }
        reply.lines().forEach(spec.commandLine().getOut()::println);
        spec.commandLine().getOut().flush();
        return 0;
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print the level and direction the host sees on LINE.")
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

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Drive the level LINE senses as an input (LEVEL: 1/on/high or 0/off/low).",
            footer = {"", LEVELS})
    static final class Set implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(index = "0", paramLabel = "LINE")
        String line;

        @Parameters(index = "1", paramLabel = "LEVEL")
        String level;

        @Override
        public Integer call() throws IOException {
            try {
                LevelWords.parse(level);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(parent.spec.commandLine().getSubcommands().get("set"), e.getMessage());
            }
            return parent.run("set " + line + " " + level);
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Stop driving LINE from the host: it then reads its pull (the bias the guest set), or stays "
                    + "where it was if it has none.")
    static final class Release implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Override
        public Integer call() throws IOException {
            return parent.run("release " + line);
        }
    }

    @Command(name = "pulse", mixinStandardHelpOptions = true, footer = {"", TimeValue.HELP},
            description = "Invert LINE's driven level for --width, then restore it (a button press).")
    static final class Pulse implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Option(names = {"-w", "--width"}, paramLabel = "PERIOD", defaultValue = "100ms",
                converter = TimeValue.Millis.class,
                description = "How long the pulse lasts (default ${DEFAULT-VALUE}; milliseconds without a unit).")
        Duration width;

        @Override
        public Integer call() throws IOException {
            return parent.run("pulse " + line + " " + parent.millis(width, "--width", "pulse"));
        }
    }

    @Command(name = "toggle", mixinStandardHelpOptions = true, footer = {"", TimeValue.HELP},
            description = "Invert LINE's driven level --count times, one every --interval.")
    static final class Toggle implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Parameters(paramLabel = "LINE")
        String line;

        @Option(names = {"-n", "--count"}, paramLabel = "N", required = true, description = "How many changes.")
        int count;

        @Option(names = {"-i", "--interval"}, paramLabel = "PERIOD", defaultValue = "100ms",
                converter = TimeValue.Millis.class,
                description = "Time between changes (default ${DEFAULT-VALUE}; milliseconds without a unit).")
        Duration interval;

        @Override
        public Integer call() throws IOException {
            return parent.run("toggle " + line + " " + count + " " + parent.millis(interval, "--interval", "toggle"));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print every line: level, direction, who drives it, edge detection.")
    static final class ListLines implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Override
        public Integer call() throws IOException {
            return parent.run("list");
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print each change the guest makes to the lines, as it makes it.",
                "One line per change: '<seconds>.<nanoseconds> <change> <line as list prints it>', the time on the "
                    + "daemon's monotonic clock, the change one of requested, released, reconfigured (direction) "
                    + "or value (an output's level). Runs until interrupted, or for --num-events changes."})
    static final class Watch implements Callable<Integer> {
        @ParentCommand
        CtlCommand parent;

        @Option(names = {"-n", "--num-events"}, paramLabel = "N", description = "Exit after N changes.")
        Integer count;

        @Parameters(paramLabel = "LINE", arity = "0..*", description = "The lines to watch (default every line).")
        List<String> lines = new ArrayList<>();

        @Override
        public Integer call() throws InterruptedException {
            if (count != null && count < 1) {
                throw new ParameterException(parent.spec.commandLine().getSubcommands().get("watch"),
                        "--num-events must be 1 or more");
            }
            PrintWriter out = parent.spec.commandLine().getOut();
            try (StopSignals stop = StopSignals.install(); CtlClient.Watch watch = CtlClient.watch(parent.target(), lines)) {
                for (int seen = 0; count == null || seen < count; ) {
                    LineChange change = watch.next(StopSignals.SLICE);
                    if (change == null) {
                        if (stop.stopped()) {
                            return 0; // Ctrl-C or SIGTERM: a clean stop, as gpionotify's
                        }
                        continue;
                    }
                    out.println(change.describe());
                    out.flush();
                    seen++;
                }
                return 0;
            } catch (IOException e) {
                parent.spec.commandLine().getErr().println("vgpio ctl: " + e.getMessage());
                parent.spec.commandLine().getErr().flush();
                return 1;
            }
        }
    }
}
