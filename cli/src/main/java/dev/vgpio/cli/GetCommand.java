package dev.vgpio.cli;

import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;

import dev.vgpio.driver.Answer;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code vgpio get}: libgpiod's gpioget for a vhost-user-gpio back end. */
@Command(name = "get", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"Read lines of a virtio-gpio device served over vhost-user, like gpioget: the lines are "
                + "requested as inputs (SET_DIRECTION in), read (GET_VALUE) and released (SET_DIRECTION none), then "
                + "printed as \"LINE\"=active|inactive, keyed by what you typed, or with --numeric as 1|0.",
            "With -l/--active-low a line reads active when it is low. -p/--hold-period waits between requesting the"
                + " lines and reading them. -b/--bias gives the inputs a bias before their direction (SET_LINE_CONFIG,"
                + " vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension): the device must offer it and each line must take"
                + " that bias ('vgpio info' shows caps=); as-is, the default, sends nothing.",
            "Releasing makes a line 'none' again, even if it was an output before (vgpio's back end otherwise "
                + "keeps every line's state across connections). --as-is only reads (GET_VALUE), changing nothing."},
        footer = {"", "Examples:", "  vgpio get BUTTON_A", "  vgpio get -c /tmp/gpio.sock --numeric 0 1 2 3",
            "  vgpio get -b pull-up BUTTON_A",
            "  vgpio get -c gpio0 -l -p 20ms --unquoted BUTTON_A",
            "  vgpio get --as-is LED_RED"})
final class GetCommand extends ToolCommand {
    @Mixin
    ChipOption socket;

    @Mixin
    LineOptions lineOptions;

    @Mixin
    ConsumerOption consumer;

    @Option(names = {"-a", "--as-is"},
            description = "Leave the direction as it is: only send GET_VALUE (an output reads its driven level).")
    boolean asIs;

    @Option(names = "--numeric", description = "Print values as 1 and 0 instead of \"LINE\"=active|inactive.")
    boolean numeric;

    @Option(names = {"-l", "--active-low"}, description = "Treat the lines as active low.")
    boolean activeLow;

    @Option(names = {"-b", "--bias"}, paramLabel = "BIAS", description = "The lines' bias: pull-up, pull-down,"
            + " disabled or as-is (the default: leave it as it is).")
    String bias;

    @Option(names = {"-p", "--hold-period"}, paramLabel = "PERIOD", converter = TimeValue.Millis.class,
            description = "Wait PERIOD between requesting the lines and reading them. " + TimeValue.HELP)
    Duration holdPeriod;

    @Parameters(paramLabel = "LINE", arity = "1..*", description = "Lines to read, by name or offset.")
    List<String> lines = new ArrayList<>();

    @Override
    int run() throws IOException, InterruptedException {
        Bias b = bias(bias);
        if (asIs && b != Bias.AS_IS) {
            throw new ParameterException(spec.commandLine(), "--as-is only reads the lines (GET_VALUE); it cannot"
                    + " give them a bias");
        }
        int[] values;
        try (GpioChip chip = open(socket.path(), false)) {
            int[] offsets = resolve(chip, lines, lineOptions);
            if (asIs) {
                sleep(holdPeriod);
                values = new int[offsets.length];
                for (int i = 0; i < offsets.length; i++) {
                    values[i] = readAsIs(chip, offsets[i]);
                }
            } else {
                try (LineRequest request = chip.requestLines(LineSettings.input().withBias(b), offsets)) {
                    sleep(holdPeriod);
                    values = request.getValues();
                }
            }
        }
        StringJoiner line = new StringJoiner(" ");
        for (int i = 0; i < values.length; i++) {
            int value = activeLow ? values[i] ^ 1 : values[i];
            line.add(numeric ? Integer.toString(value)
                    : quote(lines.get(i), lineOptions.unquoted) + "=" + (value == 1 ? "active" : "inactive"));
        }
        out().println(line);
        out().flush();
        return 0;
    }

    private static void sleep(Duration period) throws InterruptedException {
        if (period != null && !period.isZero()) {
            Thread.sleep(period);
        }
    }

    private static int readAsIs(GpioChip chip, int offset) throws VirtioException {
        Answer a = chip.sendMessage(MessageType.GET_VALUE.code(), offset, 0);
        String name = chip.lineNames().get(offset);
        String line = "line " + offset + (name.isEmpty() ? "" : " \"" + name + "\"");
        if (!a.ok()) {
            throw new VirtioException(REFUSED, "the device refused GET_VALUE for " + line);
        }
        if (a.value() > 1) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation: GET_VALUE for " + line + " returned "
                    + a.value());
        }
        return a.value();
    }
}
