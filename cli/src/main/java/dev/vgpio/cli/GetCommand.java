package dev.vgpio.cli;

import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;

import dev.vgpio.driver.Answer;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vgpio get}: libgpiod's gpioget for a vhost-user-gpio back end. */
@Command(name = "get", sortOptions = false,
        description = {"Read lines of a virtio-gpio device served over vhost-user, like gpioget: the lines are "
                + "requested as inputs (SET_DIRECTION in), read (GET_VALUE) and released (SET_DIRECTION none), then "
                + "printed as \"LINE\"=active|inactive, keyed by what you typed, or with --numeric as 1|0.",
            "Releasing makes a line 'none' again, even if it was an output before (vgpio's back end otherwise "
                + "keeps every line's state across connections). --as-is only reads (GET_VALUE), changing nothing."},
        footer = {"", "Examples:", "  vgpio get BUTTON_A", "  vgpio get -s /tmp/gpio.sock --numeric 0 1 2 3",
            "  vgpio get --as-is LED_RED"})
final class GetCommand extends ToolCommand {
    @Mixin
    SocketOption socket;

    @Option(names = {"-a", "--as-is"},
            description = "Leave the direction as it is: only send GET_VALUE (an output reads its driven level).")
    boolean asIs;

    @Option(names = "--numeric", description = "Print values as 1 and 0 instead of \"LINE\"=active|inactive.")
    boolean numeric;

    @Parameters(paramLabel = "LINE", arity = "1..*", description = "Lines to read, by name or offset.")
    List<String> lines = new ArrayList<>();

    @Override
    int run() throws IOException {
        int[] values;
        try (GpioChip chip = open(socket.path(), false)) {
            int[] offsets = resolve(chip, lines);
            if (asIs) {
                values = new int[offsets.length];
                for (int i = 0; i < offsets.length; i++) {
                    values[i] = readAsIs(chip, offsets[i]);
                }
            } else {
                try (LineRequest request = chip.requestLines(LineSettings.input(), offsets)) {
                    values = request.getValues();
                }
            }
        }
        StringJoiner line = new StringJoiner(" ");
        for (int i = 0; i < values.length; i++) {
            line.add(numeric ? Integer.toString(values[i])
                    : "\"" + lines.get(i) + "\"=" + (values[i] == 1 ? "active" : "inactive"));
        }
        out().println(line);
        out().flush();
        return 0;
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
