package dev.vgpio.cli;

import dev.vgpio.lines.pick.HostChipDirectory;
import dev.vgpio.lines.pick.LinePicker;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.LineSpecException;
import dev.vgpio.lines.pick.PickedDevice;
import java.nio.file.Path;
import java.util.List;

/**
 * One device {@code vgpio serve} runs: its vhost-user socket, its lines as written ({@code --chip} or a config
 * file) and the guest's names for them ({@code --names} or a config file; {@code ""} keeps a line's own name).
 *
 * @param socket the vhost-user socket
 * @param lines the device's lines
 * @param names renames in device line order, possibly fewer than the lines ({@code null} entries are {@code ""})
 * @param simCaps the settings the device's simulated lines take ({@code LineCaps} bits), or {@code null} for
 *     {@code serve --sim-caps}'s
 * @param listen the channel address it is served on too (a config file's {@code listen}), or {@code null}
 */
public record DeviceSpec(Path socket, LineSpec lines, List<String> names, Integer simCaps, String listen) {
    /** Copies the renames. */
    public DeviceSpec {
        names = List.copyOf(names.stream().map(n -> n == null ? "" : n).toList());
    }

    /** A device whose simulated lines take what {@code serve --sim-caps} says. */
    public DeviceSpec(Path socket, LineSpec lines, List<String> names) {
        this(socket, lines, names, null, null);
    }

    /** A device served on its socket only. */
    public DeviceSpec(Path socket, LineSpec lines, List<String> names, Integer simCaps) {
        this(socket, lines, names, simCaps, null);
    }

    /**
     * The device's lines looked up on the host ({@link LinePicker#pick}).
     *
     * @param host the host's chips, asked only if the spec has host parts
     * @return the lines, checked and named
     * @throws LineSpecException if they cannot be picked; the message starts with the device's socket
     */
    public PickedDevice pick(HostChipDirectory host) {
        try {
            return LinePicker.pick(lines, names, host);
        } catch (LineSpecException e) {
            throw new LineSpecException(e.reason(), "the device on " + socket + ": " + e.getMessage(), e);
        }
    }
}
