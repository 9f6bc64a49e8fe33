package dev.vgpio.cli;

import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.PickedLines;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.lines.host.ChipLocator;
import dev.vgpio.lines.host.HostChip;
import dev.vgpio.lines.pick.HostChipInfo;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.Origin;
import dev.vgpio.lines.pick.PickedDevice;
import dev.vgpio.lines.pick.PickedLine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lines one device of {@code vgpio serve} serves, opened from what {@link dev.vgpio.lines.pick.LinePicker}
 * picked: simulated lines alone are served as one simulated chip (the control socket and the state file work on
 * it); a device with host lines is {@link PickedLines} over the simulated chips and the host chips it names, each
 * host chip opened once, with the consumer label {@code vgpio:<device name>}.
 *
 * @param lines what the device serves
 * @param simulated the simulated chips among its sources, in the order the spec gives them
 * @param hostChips the host chips among its sources
 */
record DeviceLines(GpioLines lines, List<SimulatedChip> simulated, List<HostChip> hostChips) implements AutoCloseable {
    /** The consumer label host tools show for the lines of device {@code name}, such as {@code vgpio:gpio0}. */
    static String consumer(String name) {
        return "vgpio:" + name;
    }

    /** The one simulated chip this device is, or {@code null} if it has other lines too. */
    SimulatedChip onlySimulated() {
        return lines instanceof SimulatedChip s ? s : null;
    }

    /**
     * Opens what {@code device} picked.
     *
     * @throws LineException if a host chip cannot be opened (nothing stays open then)
     */
    static DeviceLines open(PickedDevice device, String name) throws LineException {
        if (!device.hasHostLines()) {
            // simulated lines only (of one chip or several, each whole): one simulated chip of the device's names
            SimulatedChip only = new SimulatedChip(device.label(), device.names());
            return new DeviceLines(only, List.of(only), List.of());
        }
        List<SimulatedChip> sims = new ArrayList<>();
        for (LineSpec.Simulated s : device.simulated()) {
            sims.add(new SimulatedChip(s.label(), s.names()));
        }
        Map<Path, HostChip> hosts = new LinkedHashMap<>();
        try {
            List<PickedLines.Pick> picks = new ArrayList<>(device.lines().size());
            for (PickedLine l : device.lines()) {
                GpioLines source = switch (l.origin()) {
                    case Origin.SimOrigin sim -> sims.get(sim.index());
                    case Origin.HostOrigin host -> hostChip(hosts, host.chip(), name);
                };
                picks.add(new PickedLines.Pick(source, l.offset(), l.name()));
            }
            return new DeviceLines(new PickedLines(device.label(), picks), sims, List.copyOf(hosts.values()));
        } catch (LineException | RuntimeException e) {
            hosts.values().forEach(HostChip::close);
            throw e;
        }
    }

    private static HostChip hostChip(Map<Path, HostChip> open, HostChipInfo info, String name) throws LineException {
        HostChip chip = open.get(info.path());
        if (chip == null) {
            chip = HostChip.open(new ChipLocator(info.path(), info.label()), consumer(name));
            if (chip.lineCount() != info.lineNames().size()) {
                chip.close();
                throw new LineException(info.path() + " changed while vgpio was starting: it has " + chip.lineCount()
                        + " lines, not " + info.lineNames().size());
            }
            open.put(info.path(), chip);
        }
        return chip;
    }

    @Override
    public void close() {
        lines.close();
    }
}
