package dev.vgpio.lines.pick;

import java.util.List;

/**
 * A device's lines as {@link LinePicker#pick} found them: checked, named and ready to be opened.
 *
 * @param label the device's label: the label of its one simulated chip or its one whole host chip, otherwise a
 *     composite of its chips (see {@link LinePicker#pick})
 * @param lines its lines in device line order, 1 to 65535
 * @param simulated its simulated chips, which {@link Origin.SimOrigin#index()} indexes
 */
public record PickedDevice(String label, List<PickedLine> lines, List<LineSpec.Simulated> simulated) {
    /** Copies the lists. */
    public PickedDevice {
        lines = List.copyOf(lines);
        simulated = List.copyOf(simulated);
    }

    /** The names the guest sees, in line order ({@code ""} for an unnamed line). */
    public List<String> names() {
        return lines.stream().map(PickedLine::name).toList();
    }

    /** Whether any line is on a host chip. */
    public boolean hasHostLines() {
        return lines.stream().anyMatch(l -> l.origin() instanceof Origin.HostOrigin);
    }
}
