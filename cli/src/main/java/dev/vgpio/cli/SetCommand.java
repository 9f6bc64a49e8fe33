package dev.vgpio.cli;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code vgpio set}: libgpiod v2's gpioset for a vhost-user-gpio back end. */
@Command(name = "set", sortOptions = false,
        description = {"Drive lines of a virtio-gpio device served over vhost-user, like gpioset (v2): each LINE "
                + "(name or offset) is requested as an output with its VALUE, the value sent before the direction "
                + "(SET_VALUE, then SET_DIRECTION out) so the line never glitches.",
            "Like gpioset, it then HOLDS the lines until interrupted (Ctrl-C or SIGTERM; exit status 0), or for "
                + "--hold-period ms, or not at all with --no-hold / -t0. Exiting releases the lines "
                + "(SET_DIRECTION none): the device then no longer drives them.",
            "A vhost-user back end serves one front end at a time: while set holds the lines, other tools and "
                + "VMs cannot attach to the device. If the back end goes away, set stops with an error."},
        footer = {"", "VALUE is 1, active, on or true; or 0, inactive, off or false.", "", "Examples:",
            "  vgpio set LED_RED=1                   (hold until Ctrl-C)",
            "  vgpio set -t 500 LED_RED=on RELAY=0   (hold for 500 ms)",
            "  vgpio set --no-hold -s /tmp/gpio.sock 3=1"})
final class SetCommand extends ToolCommand {
    @Mixin
    SocketOption socket;

    @Option(names = {"-t", "--hold-period"}, paramLabel = "MS",
            description = "Hold the lines for MS ms, then release them and exit (0: exit at once).")
    Long holdPeriod;

    @Option(names = "--no-hold", description = "Set the values and exit at once (the same as -t0).")
    boolean noHold;

    @Parameters(paramLabel = "LINE=VALUE", arity = "1..*", description = "A line (name or offset) and its value.")
    List<String> assignments = new ArrayList<>();

    /** While holding, check this often that the back end is still there. */
    private static final Duration PROBE = Duration.ofSeconds(1);

    private volatile StopSignals signals;

    @Override
    int run() throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        List<Integer> values = new ArrayList<>();
        for (String a : assignments) {
            int eq = a.lastIndexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "expected LINE=VALUE, not '" + a + "'");
            }
            lines.add(a.substring(0, eq));
            values.add(parseValue(a.substring(0, eq), a.substring(eq + 1)));
        }
        if (holdPeriod != null && holdPeriod < 0) {
            throw new ParameterException(spec.commandLine(), "--hold-period must be 0 or more ms");
        }
        if (noHold && holdPeriod != null && holdPeriod != 0) {
            throw new ParameterException(spec.commandLine(), "--no-hold contradicts --hold-period " + holdPeriod);
        }
        Duration hold = noHold ? Duration.ZERO : holdPeriod == null ? null : Duration.ofMillis(holdPeriod);
        try (StopSignals stop = StopSignals.install()) {
            signals = stop;
            try (GpioChip chip = open(socket.path(), false)) {
                int[] offsets = resolve(chip, lines);
                List<LineRequest> held = new ArrayList<>();
                try {
                    for (int i = 0; i < offsets.length; i++) {
                        held.add(chip.requestLines(LineSettings.output(values.get(i)), offsets[i]));
                    }
                    hold(chip, offsets[0], stop, hold);
                } finally {
                    for (LineRequest r : held.reversed()) {
                        r.close();
                    }
                }
            }
        } finally {
            signals = null;
        }
        return 0;
    }

    /**
     * Waits until stopped or {@code hold} (null: forever) has passed. Every second it checks that the back end is
     * still there (GET_DIRECTION, which changes nothing): a lost back end ends the wait with a VirtioException.
     */
    private static void hold(GpioChip chip, int line, StopSignals stop, Duration hold)
            throws IOException, InterruptedException {
        if (hold != null && hold.isZero()) {
            return;
        }
        long end = hold == null ? 0 : System.nanoTime() + hold.toNanos();
        while (true) {
            long slice = PROBE.toNanos();
            if (hold != null) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                slice = Math.min(slice, left);
            }
            if (stop.await(Duration.ofNanos(slice))) {
                return;
            }
            chip.getDirection(line);
        }
    }

    /** Stops holding, as Ctrl-C does (for tests and embedding). */
    void stop() {
        StopSignals s = signals;
        if (s != null) {
            s.stop();
        }
    }

    private int parseValue(String line, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "active", "on", "true" -> 1;
            case "0", "inactive", "off", "false" -> 0;
            default -> throw new ParameterException(spec.commandLine(), String.format("invalid value '%s' for line"
                    + " %s: use 1, active, on or true; or 0, inactive, off or false", value, line));
        };
    }
}
