package dev.vgpio.lines.pick;

import java.nio.file.Path;
import java.util.List;

/**
 * What a host GPIO chip is, as {@link LinePicker} needs it: its name and path, by which a spec can call it, its
 * label, by which a spec can call it too, and its lines' names, by which a spec can pick a line. Two chips are the
 * same chip if their paths are.
 *
 * @param name the kernel's name of the chip, such as {@code gpiochip0}
 * @param path its character device, such as {@code /dev/gpiochip0}
 * @param label its label, such as {@code pinctrl-bcm2711} ({@code ""} if it has none)
 * @param lineNames one name a line, by offset ({@code ""} for an unnamed line; {@code null} is taken as that)
 */
public record HostChipInfo(String name, Path path, String label, List<String> lineNames) {
    /** Copies the names; a missing label is {@code ""}. */
    public HostChipInfo {
        if (name == null || path == null) {
            throw new IllegalArgumentException("a host chip needs a name and a path");
        }
        label = label == null ? "" : label;
        lineNames = List.copyOf(lineNames.stream().map(n -> n == null ? "" : n).toList());
    }

    /** How many lines the chip has. */
    public int lineCount() {
        return lineNames.size();
    }

    /** The chip for a message: {@code gpiochip0 [pinctrl] (54 lines)}. */
    String describe() {
        return name + " [" + label + "] (" + lineCount() + (lineCount() == 1 ? " line)" : " lines)");
    }
}
