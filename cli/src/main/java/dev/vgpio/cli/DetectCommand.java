package dev.vgpio.cli;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.GpioFeatures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vgpio detect}: libgpiod's gpiodetect for vhost-user-gpio back ends. */
@Command(name = "detect", sortOptions = false,
        description = {"List virtio-gpio devices served over vhost-user, like gpiodetect: one line per socket, "
                + "'<socket> [virtio-gpio] (N lines)'. Works with any vhost-user-gpio back end (vgpio serve, "
                + "rust-vmm's vhost-device-gpio, ...).",
            "A socket that cannot be opened is reported on stderr and the others are still listed; the exit "
                + "status is then 1."},
        footer = {"", "Examples:", "  vgpio detect", "  vgpio detect -s /tmp/gpio0.sock -s /tmp/gpio1.sock --features"})
final class DetectCommand extends ToolCommand {
    @Option(names = {"-s", "--socket"}, paramLabel = "PATH",
            description = "A device's socket (repeatable; default ./vgpio.sock).")
    List<Path> sockets = new ArrayList<>();

    @Option(names = "--features", description = "Also list the features negotiated with each device, by"
            + " name: IRQ (VIRTIO_GPIO_F_IRQ), EVENT_IDX, VERSION_1.")
    boolean features;

    @Override
    int run() {
        int status = 0;
        for (Path socket : sockets.isEmpty() ? List.of(DEFAULT_SOCKET) : sockets) {
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

    /**
     * Feature bits as words: the device's own bits first (GpioFeatures.describe: IRQ), then the transport bits by
     * their virtio names without the VIRTIO_F_ / VIRTIO_RING_F_ prefix; unknown bits as "bit N".
     */
    static String describeFeatures(long features) {
        StringJoiner words = new StringJoiner(", ");
        if ((features & GpioFeatures.DEVICE_BITS) != 0) {
            words.add(GpioFeatures.describe(features));
        }
        for (int bit = 24; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                words.add(transportBit(bit));
            }
        }
        return words.length() == 0 ? "none" : words.toString();
    }

    private static String transportBit(int bit) {
        return switch (bit) {
            case 24 -> "NOTIFY_ON_EMPTY";
            case 27 -> "ANY_LAYOUT";
            case 28 -> "INDIRECT_DESC";
            case 29 -> "EVENT_IDX";
            case 32 -> "VERSION_1";
            case 33 -> "ACCESS_PLATFORM";
            case 34 -> "RING_PACKED";
            case 35 -> "IN_ORDER";
            case 36 -> "ORDER_PLATFORM";
            case 37 -> "SR_IOV";
            case 38 -> "NOTIFICATION_DATA";
            case 39 -> "NOTIF_CONFIG_DATA";
            case 40 -> "RING_RESET";
            default -> "bit " + bit;
        };
    }
}
