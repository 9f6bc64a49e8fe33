package dev.vgpio.cli;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.LineNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A chip as the command line or a config file describes it. Grammar: {@code sim[:LINES][@LABEL]}, where LINES is a
 * line count ({@code sim:16}, lines named {@code line0}, {@code line1}, ...) or a comma-separated list of names, with
 * empty entries for unnamed lines ({@code sim:LED,BUTTON,,RESET}). Plain {@code sim} is the built-in demo chip.
 */
public record ChipSpec(String label, List<String> names) {
    /** The built-in demo chip's line names. */
    public static final List<String> DEMO_NAMES = List.of(
            "LED_RED", "LED_GREEN", "BUTTON_A", "BUTTON_B", "RELAY", "BUZZER", "DOOR_SENSOR", "RESET_N");
    public static final String DEFAULT_LABEL = "vgpio-sim";
    public static final ChipSpec DEMO = new ChipSpec(DEFAULT_LABEL, DEMO_NAMES);
    private static final int MAX_LINES = 65535;

    public ChipSpec {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a chip needs at least one line");
        }
        if (names.size() > MAX_LINES) {
            throw new IllegalArgumentException("a chip has at most " + MAX_LINES + " lines, got " + names.size());
        }
        names = List.copyOf(names.stream().map(n -> n == null ? "" : n).toList());
        LineNames.validate(names);
    }

    /**
     * Parses a spec; errors name what is wrong and show the grammar.
     *
     * @throws IllegalArgumentException (an {@link InvalidLineNamesException} for bad names) if the spec is invalid
     */
    public static ChipSpec parse(String spec) {
        String s = spec.trim();
        String label = DEFAULT_LABEL;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            label = s.substring(at + 1);
            s = s.substring(0, at);
            if (label.isBlank()) {
                throw bad(spec, "the label after '@' is empty");
            }
        }
        if (s.equals("sim")) {
            return label.equals(DEFAULT_LABEL) ? DEMO : new ChipSpec(label, DEMO_NAMES);
        }
        if (!s.startsWith("sim:")) {
            throw bad(spec, "only simulated chips ('sim') exist so far");
        }
        String lines = s.substring(4);
        if (lines.matches("\\d+")) {
            int count;
            try {
                count = Integer.parseInt(lines);
            } catch (NumberFormatException e) {
                throw bad(spec, "line count " + lines + " is too large");
            }
            if (count < 1 || count > MAX_LINES) {
                throw bad(spec, "line count must be 1 to " + MAX_LINES + ", got " + count);
            }
            List<String> names = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                names.add("line" + i);
            }
            return new ChipSpec(label, names);
        }
        return new ChipSpec(label, Arrays.asList(lines.split(",", -1)));
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("invalid chip spec '" + spec + "': " + why
                + " (use sim, sim:COUNT or sim:NAME,NAME,... optionally followed by @LABEL)");
    }

    /** Builds the simulated chip (names were checked when the spec was made). */
    public SimulatedChip create() {
        return new SimulatedChip(label, names);
    }
}
