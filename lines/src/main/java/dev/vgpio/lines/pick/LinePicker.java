package dev.vgpio.lines.pick;

import dev.vgpio.lines.pick.HostChipDirectory.Unreadable;
import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.lines.pick.Origin.HostOrigin;
import dev.vgpio.lines.pick.Origin.SimOrigin;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.LineNames;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.stream.Collectors;

/**
 * Resolves a {@link LineSpec} against the host's chips into the lines of one device ({@link #pick}), and checks
 * that devices do not share a host line ({@link #checkDisjoint}). Every refusal is a {@link LineSpecException}
 * whose message names what is wrong and how to put it right, and whose reason says which rule was broken.
 */
public final class LinePicker {
    /** How many chips a message lists before it says how many more there are. */
    private static final int LISTED_MAX = 12;
    /** How many chips a composite label names before it says how many more there are. */
    private static final int LABEL_SOURCES_MAX = 3;

    private LinePicker() {
    }

    /**
     * Picks the lines of one device.
     *
     * <p>Chips are looked up by path (a token with a {@code /}), then by name ({@code gpiochipN}), then by label; a
     * label that several chips have is refused (use the {@code gpiochipN} name). A lone token is a whole chip if a
     * chip is called so, otherwise a host line name, which must be on exactly one line of the readable chips. The
     * directory is asked only if the spec has host parts.
     *
     * <p>{@code renames} gives the guest's names in device line order: an empty (or {@code null}) entry keeps the
     * line's own name, and there may be fewer entries than lines, not more. The names the guest then sees must be
     * valid virtio-gpio names and distinct (unnamed lines aside).
     *
     * <p>The device's label is the label of its chip if the spec is one simulated chip or one whole host chip (the
     * host chip's name if its label is empty). Otherwise it is a composite: the chips the lines come from, in the
     * order they first appear, as simulated chips' labels and host chips' names, joined by {@code +}
     * ({@code gpiochip0+gpiochip1}, {@code vgpio-sim+gpiochip0}); after three of them, {@code +N more}.
     *
     * @param spec the lines as written
     * @param renames the guest's names, possibly empty
     * @param dir the host's chips
     * @return the device's lines
     * @throws LineSpecException if a chip or line is not found, is ambiguous or unreadable, an offset is beyond its
     *     chip, a host line is picked twice, there are more renames than lines, or the names are not valid and
     *     distinct
     */
    public static PickedDevice pick(LineSpec spec, List<String> renames, HostChipDirectory dir) {
        Hosts hosts = spec.needsHost() ? new Hosts(dir.chips(), dir.unreadable()) : null;
        List<LineSpec.Simulated> simulated = new ArrayList<>();
        List<PickedLine> lines = new ArrayList<>();
        SequencedSet<String> sources = new LinkedHashSet<>();
        HostChipInfo whole = null;
        for (LineSpec.Part part : spec.parts()) {
            switch (part) {
                case LineSpec.Simulated s -> {
                    fits(lines.size(), s.names().size(), "the simulated chip " + s.label());
                    SimOrigin origin = new SimOrigin(simulated.size());
                    simulated.add(s);
                    sources.add(s.label());
                    for (int i = 0; i < s.names().size(); i++) {
                        lines.add(new PickedLine(origin, i, s.names().get(i), s.names().get(i)));
                    }
                }
                case LineSpec.HostLines h -> {
                    HostChipInfo chip = hosts.chip(h.chip());
                    for (int offset : h.offsets()) {
                        if (offset >= chip.lineCount()) {
                            throw new LineSpecException(Reason.OFFSET_OUT_OF_RANGE, "offset " + offset + " of '"
                                    + LineSpec.shown(h.chip()) + "' is beyond the chip: " + chip.name()
                                    + (chip.lineCount() == 0 ? " has no lines"
                                    : " has " + chip.lineCount() + " lines, offsets 0 to " + (chip.lineCount() - 1)));
                        }
                        lines.add(hostLine(chip, offset));
                    }
                    sources.add(chip.name());
                }
                case LineSpec.LoneToken t -> {
                    HostChipInfo chip = hosts.chipOrNull(t.token());
                    if (chip != null && !t.token().contains("/") && hosts.hasLine(t.token())) {
                        // gpio-aggregator reads a lone token as a line name; never widen it to a chip silently
                        throw new LineSpecException(Reason.AMBIGUOUS_LINE, "'" + LineSpec.shown(t.token())
                                + "' is both a host chip (" + chip.name() + ") and the name of a host line; write "
                                + chip.path() + " for the whole chip, or pick the line by chip and offset");
                    }
                    if (chip != null) {
                        fits(lines.size(), chip.lineCount(), "the whole chip " + chip.name()
                                + " (pick some of its lines, as " + chip.name() + " 0-15)");
                        for (int offset = 0; offset < chip.lineCount(); offset++) {
                            lines.add(hostLine(chip, offset));
                        }
                        whole = chip;
                    } else {
                        chip = addHostLine(lines, hosts.line(t.token(), true));
                    }
                    sources.add(chip.name());
                }
                case LineSpec.HostLineName n -> sources.add(addHostLine(lines, hosts.line(n.name(), false)).name());
            }
        }
        if (lines.isEmpty()) {
            throw new LineSpecException(Reason.EMPTY, "the device has no lines: " + whole.name() + " has none");
        }
        checkPickedOnce(lines, simulated);
        List<String> names = renamed(lines, renames == null ? List.of() : renames);
        List<PickedLine> named = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            PickedLine l = lines.get(i);
            named.add(new PickedLine(l.origin(), l.offset(), l.hostName(), names.get(i)));
        }
        checkNames(named, simulated);
        String label;
        if (spec.parts().size() == 1 && spec.parts().getFirst() instanceof LineSpec.Simulated s) {
            label = s.label();
        } else if (spec.parts().size() == 1 && whole != null) {
            label = whole.label().isEmpty() ? whole.name() : whole.label();
        } else {
            label = composite(sources);
        }
        return new PickedDevice(label, named, simulated);
    }

    /**
     * Checks that no host line is in two devices (a host line can be requested once).
     *
     * @param devices the devices, in the order they are numbered in messages
     * @throws LineSpecException (reason {@link Reason#SHARED_LINE}) naming the chip, the offset and both devices
     */
    public static void checkDisjoint(List<PickedDevice> devices) {
        List<String> names = new ArrayList<>(devices.size());
        for (int d = 0; d < devices.size(); d++) {
            names.add("device " + d + " (" + devices.get(d).label() + ")");
        }
        checkDisjoint(devices, names);
    }

    /**
     * As {@link #checkDisjoint(List)}, with each device named in messages as the caller names it (for example by its
     * socket).
     *
     * @param devices the devices
     * @param names how messages name each device, in the same order
     * @throws LineSpecException (reason {@link Reason#SHARED_LINE}) naming the chip, the offset and both devices
     */
    public static void checkDisjoint(List<PickedDevice> devices, List<String> names) {
        if (names.size() != devices.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + devices.size() + " devices");
        }
        Map<HostLineKey, Integer> owner = new HashMap<>();
        for (int d = 0; d < devices.size(); d++) {
            for (PickedLine line : devices.get(d).lines()) {
                if (line.origin() instanceof HostOrigin(HostChipInfo chip)) {
                    Integer first = owner.putIfAbsent(HostLineKey.of(chip, line.offset()), d);
                    if (first != null && first != d) {
                        throw new LineSpecException(Reason.SHARED_LINE, "host line " + chip.name() + " "
                                + line.offset() + " (" + chip.path() + ") is in " + names.get(first) + " and in "
                                + names.get(d) + "; a host line can serve one device only");
                    }
                }
            }
        }
    }

    private static PickedLine hostLine(HostChipInfo chip, int offset) {
        String name = chip.lineNames().get(offset);
        return new PickedLine(new HostOrigin(chip), offset, name, name);
    }

    private static HostChipInfo addHostLine(List<PickedLine> lines, PickedLine line) {
        fits(lines.size(), 1, "host line " + line.hostName());
        lines.add(line);
        return ((HostOrigin) line.origin()).chip();
    }

    /** Refuses a part of {@code more} lines after {@code before} lines if the device would have too many. */
    private static void fits(int before, int more, String what) {
        if ((long) before + more > LineSpec.MAX_LINES) {
            throw new LineSpecException(Reason.TOO_MANY_LINES, what + " makes the device " + (before + more)
                    + " lines; a device has at most " + LineSpec.MAX_LINES);
        }
    }

    private static void checkPickedOnce(List<PickedLine> lines, List<LineSpec.Simulated> simulated) {
        Map<HostLineKey, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            PickedLine l = lines.get(i);
            if (l.origin() instanceof HostOrigin(HostChipInfo chip)) {
                Integer first = seen.putIfAbsent(HostLineKey.of(chip, l.offset()), i);
                if (first != null) {
                    throw new LineSpecException(Reason.LINE_TWICE, "host line " + l.describe(simulated)
                            + " is picked twice, as line " + first + " and as line " + i + " of the device");
                }
            }
        }
    }

    /** The guest's names: each line's own name unless {@code renames} gives another. */
    private static List<String> renamed(List<PickedLine> lines, List<String> renames) {
        if (renames.size() > lines.size()) {
            throw new LineSpecException(Reason.TOO_MANY_NAMES, renames.size() + " names for a device of "
                    + lines.size() + (lines.size() == 1 ? " line" : " lines")
                    + " (--names gives at most one name a line, in line order; an empty one keeps the line's name)");
        }
        List<String> names = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String rename = i < renames.size() ? renames.get(i) : null;
            names.add(rename == null || rename.isEmpty() ? lines.get(i).name() : rename);
        }
        return names;
    }

    private static void checkNames(List<PickedLine> lines, List<LineSpec.Simulated> simulated) {
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String name = lines.get(i).name();
            if (name.isEmpty()) {
                continue;
            }
            Integer before = first.putIfAbsent(name, i);
            if (before != null) {
                throw new LineSpecException(Reason.DUPLICATE_NAME, "line " + before + " ("
                        + lines.get(before).describe(simulated) + ") and line " + i + " ("
                        + lines.get(i).describe(simulated) + ") are both called " + LineSpec.shown(name)
                        + "; rename one with --names");
            }
        }
        try {
            LineNames.validate(lines.stream().map(PickedLine::name).toList());
        } catch (InvalidLineNamesException e) {
            throw new LineSpecException(Reason.INVALID_NAME, "the guest cannot be given these line names: "
                    + e.getMessage() + " (rename them with --names)", e);
        }
    }

    private static String composite(SequencedSet<String> sources) {
        List<String> named = sources.stream().limit(LABEL_SOURCES_MAX).toList();
        String label = String.join("+", named);
        return sources.size() > named.size() ? label + "+" + (sources.size() - named.size()) + " more" : label;
    }

    /** A host line, with the chip known by its path. */
    private record HostLineKey(Path chip, int offset) {
        static HostLineKey of(HostChipInfo chip, int offset) {
            return new HostLineKey(chip.path().toAbsolutePath().normalize(), offset);
        }
    }

    /** The host's chips for one pick, with the line names indexed when first looked up. */
    private static final class Hosts {
        private final List<HostChipInfo> chips;
        private final List<Unreadable> unreadable;
        private Map<String, List<PickedLine>> byName;

        Hosts(List<HostChipInfo> chips, List<Unreadable> unreadable) {
            this.chips = chips;
            this.unreadable = unreadable;
        }

        HostChipInfo chip(String ref) {
            HostChipInfo chip = chipOrNull(ref);
            if (chip == null) {
                throw new LineSpecException(Reason.UNKNOWN_CHIP, "no host chip is called '" + LineSpec.shown(ref)
                        + "' (by name, path or label); " + listing());
            }
            return chip;
        }

        /** The chip called {@code ref} by path, name or label; null if there is none. */
        HostChipInfo chipOrNull(String ref) {
            Path path = ref.contains("/") ? pathOf(ref) : null;
            for (HostChipInfo c : chips) {
                if (path != null ? same(c.path(), path) : c.name().equals(ref)) {
                    return c;
                }
            }
            for (Unreadable u : unreadable) {
                if (path != null ? same(u.path(), path) : u.name().equals(ref)) {
                    throw new LineSpecException(Reason.UNREADABLE_CHIP, "host chip '" + LineSpec.shown(ref)
                            + "' cannot be used: " + u.problem());
                }
            }
            List<HostChipInfo> labelled = chips.stream().filter(c -> c.label().equals(ref)).toList();
            if (labelled.size() > 1) {
                throw new LineSpecException(Reason.AMBIGUOUS_CHIP, "several host chips are labelled '"
                        + LineSpec.shown(ref) + "': " + labelled.stream().map(HostChipInfo::name)
                        .collect(Collectors.joining(", ")) + "; call the one you mean by its gpiochipN name");
            }
            return labelled.isEmpty() ? null : labelled.getFirst();
        }

        /** The one host line called {@code name}; {@code orChip}: the name was not a chip's either. */
        /** Whether some host line is called {@code name}. */
        boolean hasLine(String name) {
            index();
            return byName.containsKey(name);
        }

        private void index() {
            if (byName == null) {
                byName = new HashMap<>();
                for (HostChipInfo c : chips) {
                    for (int offset = 0; offset < c.lineCount(); offset++) {
                        if (!c.lineNames().get(offset).isEmpty()) {
                            byName.computeIfAbsent(c.lineNames().get(offset), k -> new ArrayList<>())
                                    .add(hostLine(c, offset));
                        }
                    }
                }
            }
        }

        PickedLine line(String name, boolean orChip) {
            index();
            List<PickedLine> found = byName.getOrDefault(name, List.of());
            if (found.isEmpty()) {
                throw new LineSpecException(Reason.UNKNOWN_LINE, (orChip ? "no host chip and no host line is called '"
                        : "no host line is called '") + LineSpec.shown(name) + "'; " + listing());
            }
            if (found.size() > 1) {
                List<String> places = found.stream().map(l -> l.describe(List.of())).toList();
                throw new LineSpecException(Reason.AMBIGUOUS_LINE, "host line name '" + LineSpec.shown(name)
                        + "' is on several lines: " + String.join(", ", places)
                        + "; pick the one you mean by chip and offset, as '" + places.getFirst() + "'");
            }
            return found.getFirst();
        }

        /** The chips there are, for a message that says something was not found among them. */
        private String listing() {
            StringBuilder b = new StringBuilder();
            if (chips.isEmpty()) {
                b.append("there are no readable host GPIO chips");
            } else {
                b.append(chips.size() == 1 ? "the host chip is " : "the host chips are ");
                b.append(chips.stream().limit(LISTED_MAX).map(HostChipInfo::describe)
                        .collect(Collectors.joining(", ")));
                if (chips.size() > LISTED_MAX) {
                    b.append(" and ").append(chips.size() - LISTED_MAX).append(" more");
                }
            }
            if (!unreadable.isEmpty()) {
                b.append("; not readable, so not searched: ").append(unreadable.stream().limit(LISTED_MAX)
                        .map(Unreadable::problem).collect(Collectors.joining(", ")));
            }
            return b.toString();
        }

        private static Path pathOf(String ref) {
            try {
                return Path.of(ref);
            } catch (InvalidPathException e) {
                return null;
            }
        }

        private static boolean same(Path a, Path b) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
