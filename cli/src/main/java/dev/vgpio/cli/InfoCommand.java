package dev.vgpio.cli;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.LineCaps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code vgpio info}: libgpiod's gpioinfo for vhost-user-gpio back ends. */
@Command(name = "info", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"Print the lines of virtio-gpio devices served over vhost-user, like gpioinfo: "
                + "'<socket> - N lines:', then each line's offset, name (\"unnamed\" if it has none) and direction "
                + "as the device reports it (GET_DIRECTION; nothing is changed).",
            "The direction is input, output or released (the spec's direction none, the word vgpio ctl uses too): "
                + "virtio-gpio has a real 'none' for a released line, where gpioinfo in a Linux guest prints the "
                + "direction the kernel last knew. Virtio has no consumers, so "
                + "none are shown.",
            "With LINE arguments (names or offsets) only those lines are printed, as "
                + "'<socket> OFFSET NAME DIRECTION'.",
            "When the device offers vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension (lines that take a bias, a drive or "
                + "a debounce period), each line ends with caps=, the settings it takes (GET_LINE_CAPS): pull-up, "
                + "pull-down, bias-disabled, open-drain, open-source, debounce, or none (vgpio detect --features "
                + "shows the bit). Without the extension nothing is added."},
        footer = {"", "Examples:", "  vgpio info", "  vgpio info -c /tmp/gpio.sock LED_RED 3",
            "  vgpio info --unquoted -c gpio0"})
final class InfoCommand extends ToolCommand {

    @Mixin
    ChipOption.Many chips;

    @Mixin
    LineOptions lineOptions;

    @Parameters(paramLabel = "LINE", arity = "0..*",
            description = "Lines to print, by name or offset (default: every line). With several sockets, each"
                    + " socket's matching lines are printed.")
    List<String> lines = new ArrayList<>();

    @Override
    int run() {
        int status = 0;
        Set<String> found = new HashSet<>();
        Map<String, String> missing = new LinkedHashMap<>();
        for (Path socket : chips.paths(List.of())) {
            try (GpioChip chip = open(socket, false)) {
                if (lines.isEmpty()) {
                    out().printf("%s - %d lines:%n", socket, chip.lineCount());
                    for (int i = 0; i < chip.lineCount(); i++) {
                        out().printf("\tline %3d:\t%s\t%s%s%n", i, paddedName(chip, i, lineOptions.unquoted),
                                directionWord(chip.getDirection(i)), caps(chip, i));
                    }
                } else {
                    for (String line : lines) {
                        int offset;
                        try {
                            offset = resolve(chip, List.of(line), lineOptions)[0];
                        } catch (IllegalArgumentException e) {
                            missing.putIfAbsent(line, e.getMessage());
                            continue;
                        }
                        found.add(line);
                        out().printf("%s %d\t%s\t%s%s%n", socket, offset,
                                paddedName(chip, offset, lineOptions.unquoted),
                                directionWord(chip.getDirection(offset)), caps(chip, offset));
                    }
                }
                out().flush();
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                out().flush();
                status = fail(e.getMessage());
            }
        }
        for (Map.Entry<String, String> m : missing.entrySet()) {
            if (!found.contains(m.getKey())) {
                status = fail(m.getValue());
            }
        }
        return status;
    }

    /** A TAB and {@code caps=...} when the chip negotiated VIRTIO_GPIO_F_LINE_CONFIG; else nothing. */
    static String caps(GpioChip chip, int offset) {
        return chip.supportsLineConfig() ? "\tcaps=" + LineCaps.describe(chip.lineCaps(offset)) : "";
    }
}
