package dev.vgpio.cli;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.GpioFeatures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vgpio detect}: libgpiod's gpiodetect for vhost-user-gpio back ends. */
@Command(name = "detect", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"List virtio-gpio devices served over vhost-user, like gpiodetect: one line per socket, "
                + "'<socket> [virtio-gpio] (N lines)'. Works with any vhost-user-gpio back end (vgpio serve, "
                + "rust-vmm's vhost-device-gpio, ...).",
            "A socket that cannot be opened is reported on stderr and the others are still listed; the exit "
                + "status is then 1."},
        footer = {"", "Examples:", "  vgpio detect", "  vgpio detect /tmp/gpio0.sock /tmp/gpio1.sock --features",
            "  vgpio detect -c gpio0"})
final class DetectCommand extends ToolCommand {
    @Mixin
    ChipOption.Many chips;

    @Parameters(paramLabel = "CHIP", arity = "0..*",
            description = "Devices to list, as gpiodetect takes chips: socket paths or device names (as -c).")
    List<String> positional = new ArrayList<>();

    @Option(names = "--features", description = "Also list the features negotiated with each device, by"
            + " name: IRQ (VIRTIO_GPIO_F_IRQ), EVENT_IDX, VERSION_1.")
    boolean features;

    @Override
    int run() {
        int status = 0;
        for (Path socket : chips.paths(positional)) {
            try (GpioChip chip = open(socket, features)) {
                out().printf("%s [virtio-gpio] (%d lines)%n", socket, chip.lineCount());
                if (features) {
                    out().printf("\tfeatures: %s%n", describeFeatures(chip.features()));
                }
                out().flush();
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                out().flush();
                status = fail(e.getMessage());
            }
        }
        return status;
    }

    /** Feature bits by their short names (IRQ, INDIRECT_DESC, EVENT_IDX, VERSION_1, ...); unknown bits as "bit N". */
    static String describeFeatures(long features) {
        return GpioFeatures.NAMES.shortList(features);
    }
}
