package dev.vgpio.cli;

import dev.vgpio.conformance.ConformanceReport;
import dev.vgpio.conformance.ConformanceSuite;
import dev.vgpio.conformance.InputDriver;
import dev.vgpio.conformance.Result;
import dev.vgpio.conformance.Target;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.control.CtlServer;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vgpio conform}: runs the conformance suite against a vhost-user-gpio back end and prints the table. Exit
 * status 1 if any check fails (or the back end cannot be reached), 0 otherwise.
 */
@Command(name = "conform", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Check a vhost-user-gpio back end against the virtio spec's GPIO section.",
            "Every statement of that section that a driver can observe is checked, and a table of PASS / FAIL / SKIP"
                + " is printed with what was seen. So are the device requirements of vgpio's line-configuration"
                + " extension (VIRTIO_GPIO_F_LINE_CONFIG, docs/line-config.md; marked [extension]), skipped when the"
                + " device does not offer it, but for line-config.without-feature, which every device must meet.",
            "The checks reconfigure the chosen line (--line) and its neighbour, then release them: use a device"
                + " nothing else is using. Interrupt delivery needs a way to drive inputs: a vgpio back end's control"
                + " socket (the device socket's path with .ctl added, used when it exists), which also lets a line"
                + " go to its bias; without one those checks, and those of what a bias, a drive or a debounce period"
                + " does, are skipped.",
            "Exit status: 0 if nothing failed, 1 if a check failed or the back end could not be reached."},
        footer = {"", "Examples:", "  vgpio conform", "  vgpio conform -c /tmp/gpio.sock --timeout 2000",
            "  vgpio conform -c /run/vhost-device-gpio.sock0 --no-ctl"})
final class ConformCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ChipOption socket;

    @Mixin
    TimeoutOption timeout;

    @Option(names = "--line", paramLabel = "N", defaultValue = "0",
            description = "The line the checks configure (default ${DEFAULT-VALUE}); some also use line N+1.")
    int line;

    @ArgGroup(exclusive = true)
    Input input;

    static final class Input {
        @Option(names = "--ctl", paramLabel = "PATH",
                description = "The control socket that drives the device's inputs (default: <socket>.ctl if it "
                        + "exists).")
        Path ctl;

        @Option(names = "--no-ctl", description = "Do not drive inputs; skip the interrupt delivery checks.")
        boolean noCtl;
    }

    @Override
    public Integer call() {
        if (line < 0 || line > 0xfffe) {
            throw new ParameterException(spec.commandLine(), "--line must be 0..65534");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path device = socket.path();
        Endpoint channel;
        Target target;
        try {
            channel = ChannelOptions.isAddress(device.toString()) ? ChannelOptions.connectable(device.toString())
                    : null;
            target = (channel != null ? Target.channel(channel, ToolCommand.channelToken(), timeout.timeout())
                    : Target.vhostUser(device, timeout.timeout())).withLine(line);
        } catch (IOException | IllegalArgumentException e) {
            return fail(e.getMessage());
        }
        Path ctl = null;
        if (input != null && input.ctl != null) {
            if (!Files.exists(input.ctl)) {
                return fail("no control socket at " + input.ctl);
            }
            ctl = input.ctl;
        } else if (input == null || !input.noCtl) {
            Path guess = channel != null ? ChannelOptions.ctlPathFor(channel) : CtlServer.pathFor(device);
            ctl = Files.exists(guess) ? guess : null;
        }
        if (ctl != null) {
            target = target.withInput(InputDriver.ctl(ctl));
        }
        try (VirtioTransport probe = target.opener().open()) {
            out.printf("vgpio conform: %s (%s)%n", probe.describe(), ctl != null
                    ? "inputs driven through " + ctl
                    : "no control socket: the interrupt delivery checks and those of what line settings do are"
                    + " skipped");
        } catch (VirtioException e) {
            return fail(ToolCommand.explained(e, device).getMessage());
        } catch (IOException | RuntimeException e) {
            return fail(e.getMessage());
        }
        out.flush();
        List<Result> results = ConformanceSuite.run(target);
        ConformanceReport report = new ConformanceReport(results);
        out.print(report.render());
        out.flush();
        return report.exitStatus();
    }

    private int fail(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("vgpio conform: " + message);
        err.flush();
        return 1;
    }
}
