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
 * it); a device with host lines is {@link PickedLines} over the host chips it names, each opened once with the
 * consumer label {@code vgpio:<device name>}, and one simulated chip of its simulated lines, which the control
 * socket drives by name.
 *
 * @param lines what the device serves
 * @param simulated its simulated lines as one chip (under the device's names for them), or {@code null} if none
 * @param hostChips the host chips and remote devices among its sources
 */
record DeviceLines(GpioLines lines, SimulatedChip simulated, List<GpioLines> hostChips) implements AutoCloseable {
    /** The consumer label host tools show for the lines of device {@code name}, such as {@code vgpio:gpio0}. */
    static String consumer(String name) {
        return "vgpio:" + name;
    }

    /** The one simulated chip this device is, or {@code null} if it has other lines too. */
    SimulatedChip onlySimulated() {
        return lines instanceof SimulatedChip s ? s : null;
    }

    private static int[] caps(int simCaps, int lines) {
        int[] caps = new int[lines];
        java.util.Arrays.fill(caps, simCaps);
        return caps;
    }

    /**
     * Opens what {@code device} picked; its simulated lines take the settings {@code simCaps} (LineCaps bits).
     *
     * @throws LineException if a host chip cannot be opened (nothing stays open then)
     */
    static DeviceLines open(PickedDevice device, LineSpec spec, String name, int simCaps) throws LineException {
        return open(device, spec, name, simCaps, null);
    }

    /**
     * The same, with the remote devices that {@code remotes} connected ({@code --chip remote:...}): a line picked
     * from one comes from it, not from a host chip.
     */
    static DeviceLines open(PickedDevice device, LineSpec spec, String name, int simCaps, RemoteChips remotes)
            throws LineException {
        if (!device.hasHostLines()) {
            // simulated lines only (of one chip or several, each whole): one simulated chip of the device's names
            SimulatedChip only = new SimulatedChip(device.label(), device.names(), caps(simCaps, device.names().size()));
            return new DeviceLines(only, only, List.of());
        }
        // the simulated lines of a mixed device are one simulated chip under the device's names for them, so that
        // the control socket drives them by name (vgpio ctl set BUTTON 1)
        List<String> simNames = device.lines().stream().filter(l -> l.origin() instanceof Origin.SimOrigin)
                .map(PickedLine::name).toList();
        SimulatedChip sims = simNames.isEmpty() ? null
                : new SimulatedChip(device.label() + "-sim", simNames, caps(simCaps, simNames.size()));
        Map<Path, GpioLines> hosts = new LinkedHashMap<>();
        try {
            List<PickedLines.Pick> picks = new ArrayList<>(device.lines().size());
            int simOffset = 0;
            for (PickedLine l : device.lines()) {
                picks.add(switch (l.origin()) {
                    case Origin.SimOrigin sim -> new PickedLines.Pick(sims, simOffset++, l.name());
                    case Origin.HostOrigin host -> new PickedLines.Pick(remotes != null
                            && remotes.lines(host.chip().path()) != null ? remotes.lines(host.chip().path())
                            : hostChip(hosts, host.chip(), !namesByPath(spec, host.chip()), name), l.offset(), l.name());
                });
            }
            if (remotes != null) {
                device.lines().stream().map(l -> l.origin() instanceof Origin.HostOrigin h
                        ? remotes.lines(h.chip().path()) : null).filter(java.util.Objects::nonNull).distinct()
                        .forEach(r -> hosts.putIfAbsent(Path.of(r.label()), r));
            }
            return new DeviceLines(new PickedLines(device.label(), picks), sims, List.copyOf(hosts.values()));
        } catch (LineException | RuntimeException e) {
            hosts.values().forEach(GpioLines::close);
            throw e;
        }
    }

    /**
     * Whether the spec names {@code chip} by its name or path: then, if it goes away, only a chip at that path is
     * taken for it; named by its label (or its lines by their names), a chip with that label and those line names is.
     */
    static boolean namesByPath(LineSpec spec, HostChipInfo chip) {
        return spec.parts().stream().map(p -> switch (p) {
            case LineSpec.HostLines h -> h.chip();
            case LineSpec.LoneToken t -> t.token();
            case LineSpec.Simulated s -> "";
            case LineSpec.HostLineName n -> "";
        }).anyMatch(t -> t.equals(chip.name()) || (t.contains("/") && Path.of(t).normalize().equals(chip.path())));
    }

    private static GpioLines hostChip(Map<Path, GpioLines> open, HostChipInfo info, boolean byLabel, String name)
            throws LineException {
        GpioLines chip = open.get(info.path());
        if (chip == null) {
            chip = HostChip.open(new ChipLocator(info.path(), info.label(), byLabel), consumer(name));
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
