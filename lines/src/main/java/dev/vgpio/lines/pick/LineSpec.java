package dev.vgpio.lines.pick;

import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.VirtioGpio;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A device's lines as written, before they are looked up on the host ({@link LinePicker#pick} does that): the
 * parts in device line order. The text form ({@link #parse}) is the one of Linux's gpio-aggregator
 * {@code new_device}, plus simulated chips. It is tokens separated by white space, each one of:
 *
 * <ul>
 *   <li>a <b>simulated chip</b>: {@code sim} (the demo chip, {@link #DEMO_NAMES}), {@code sim:COUNT} (lines
 *       {@code line0}, {@code line1}, ...) or {@code sim:NAME,NAME,...} (an empty name is an unnamed line; a lone
 *       {@code sim:NAME} is one line, and a lone name may not start with a digit or a sign), each
 *       optionally followed by {@code @LABEL} (default {@value #DEFAULT_LABEL}): {@link Simulated};</li>
 *   <li>a <b>host chip followed by an offsets list</b>: the chip by name ({@code gpiochip0}), path
 *       ({@code /dev/gpiochip0}) or label, then decimal offsets and inclusive ranges separated by commas, without
 *       spaces ({@code 3}, {@code 3,5-7}, {@code 0-3,8}); the lines in the order written: {@link HostLines};</li>
 *   <li>a <b>lone token</b>, one followed by no offsets list: a whole host chip if a chip is called so (by name,
 *       path or label), otherwise the name of a host line: {@link LoneToken}.</li>
 * </ul>
 *
 * <p>A token made only of digits, commas and dashes is always an offsets list, and must follow a host chip. So
 * {@code gpiochip0 3,5-7 gpiochip1 2}, {@code sim-bank-a 0-3 LED_NAME}, {@code gpiochip1} and
 * {@code sim:LED,BUTTON gpiochip0 3} are specs; {@code gpiochip0 3 5} is not (write {@code gpiochip0 3,5}).
 * Offsets go up to {@value #MAX_OFFSET} and a device has at most {@value #MAX_LINES} lines. A config file can also
 * name a host line that must not be taken for a chip: {@link HostLineName}, which the text form has no way to
 * write.
 *
 * @param parts the parts in device line order, at least one
 */
public record LineSpec(List<Part> parts) {
    /** The built-in demo chip's line names: plain {@code sim}. */
    public static final List<String> DEMO_NAMES = List.of(
            "LED_RED", "LED_GREEN", "BUTTON_A", "BUTTON_B", "RELAY", "BUZZER", "DOOR_SENSOR", "RESET_N");
    /** The label of a simulated chip written without {@code @LABEL}. */
    public static final String DEFAULT_LABEL = "vgpio-sim";
    /** The most lines a device has ({@code ngpio} is 16 bits). */
    public static final int MAX_LINES = VirtioGpio.MAX_LINES;
    /** The largest offset a line of a device can have. */
    public static final int MAX_OFFSET = MAX_LINES - 1;
    /** What the error messages show of the text grammar. */
    static final String GRAMMAR = "a line spec is tokens separated by spaces, each CHIP OFFSETS (gpiochip0 3,5-7),"
            + " a whole CHIP (gpiochip1, /dev/gpiochip1 or its label), a host LINE name, or a simulated chip"
            + " (sim, sim:COUNT or sim:NAME,NAME,...), optionally followed by @LABEL";
    private static final String SIM_GRAMMAR = "use sim, sim:COUNT or sim:NAME,NAME,... optionally followed by @LABEL";
    /** The longest piece of a spec quoted in a message; longer ones end in "...". */
    private static final int SHOWN_MAX = 80;

    /** One part of a device's lines, as written. */
    public sealed interface Part permits Simulated, HostLines, LoneToken, HostLineName {
        /** How many lines the part has at least (a lone token may turn out to be a whole chip of more). */
        int minLines();
    }

    /**
     * A simulated chip: lines of software, named by {@code names} ({@code ""} for an unnamed line; {@code null}
     * is taken as {@code ""}), which must be valid and distinct virtio-gpio line names.
     *
     * @param label the chip's label
     * @param names one name a line, 1 to {@value LineSpec#MAX_LINES} of them
     */
    public record Simulated(String label, List<String> names) implements Part {
        /** The built-in demo chip, plain {@code sim}. */
        public static final Simulated DEMO = new Simulated(DEFAULT_LABEL, DEMO_NAMES);

        /** Checks the names; the error says what is wrong with which line. */
        public Simulated {
            if (label == null) {
                throw new LineSpecException(Reason.SYNTAX, "a simulated chip needs a label");
            }
            names = checkedNames("invalid simulated chip '" + shown(label) + "': ", names);
        }

        @Override
        public int minLines() {
            return names.size();
        }
    }

    /**
     * Lines of a host chip by offset, in the order written (a range expanded upwards).
     *
     * @param chip the chip's name ({@code gpiochip0}), path ({@code /dev/gpiochip0}) or label, without white space
     * @param offsets the offsets, at least one, each 0 to {@value LineSpec#MAX_OFFSET}
     */
    public record HostLines(String chip, List<Integer> offsets) implements Part {
        /** Checks the chip reference and the offsets. */
        public HostLines {
            checkToken("a host chip", chip);
            if (offsets.isEmpty()) {
                throw new LineSpecException(Reason.EMPTY, "no offsets for host chip '" + shown(chip) + "'");
            }
            offsets = List.copyOf(offsets);
            for (int offset : offsets) {
                if (offset < 0 || offset > MAX_OFFSET) {
                    throw new LineSpecException(offset < 0 ? Reason.SYNTAX : Reason.OFFSET_TOO_LARGE, "offset "
                            + offset + " of host chip '" + shown(chip) + "' is not within 0 to " + MAX_OFFSET);
                }
            }
        }

        @Override
        public int minLines() {
            return offsets.size();
        }
    }

    /**
     * A token followed by no offsets list: a whole host chip if one is called so (name, path or label), otherwise
     * the name of a host line.
     *
     * @param token the token, without white space
     */
    public record LoneToken(String token) implements Part {
        /** Checks that the token is one. */
        public LoneToken {
            checkToken("a token", token);
        }

        @Override
        public int minLines() {
            return 1;
        }
    }

    /**
     * One host line by its name, never a whole chip even if a chip is called so: what a config file's line entry
     * {@code {line: NAME}} means. The text form has no way to write it (a lone token there may be a chip).
     *
     * @param name the host line's name, not empty
     */
    public record HostLineName(String name) implements Part {
        /** Checks that the name is not empty. */
        public HostLineName {
            if (name == null || name.isEmpty()) {
                throw new LineSpecException(Reason.SYNTAX, "a host line name is empty");
            }
        }

        @Override
        public int minLines() {
            return 1;
        }
    }

    /** The spec of plain {@code sim}: the demo chip alone (equal to, not the same as, {@link Simulated#DEMO}). */
    public static final LineSpec DEMO = new LineSpec(List.of(new Simulated(DEFAULT_LABEL, DEMO_NAMES)));

    /** Checks that there is a part and at most {@value #MAX_LINES} lines so far as they are known. */
    public LineSpec {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new LineSpecException(Reason.EMPTY, "a line spec needs at least one part (" + GRAMMAR + ")");
        }
        long lines = 0;
        for (Part p : parts) {
            lines += p.minLines();
        }
        if (lines > MAX_LINES) {
            throw new LineSpecException(Reason.TOO_MANY_LINES,
                    "a line spec of " + lines + " lines; a device has at most " + MAX_LINES);
        }
    }

    /** Whether any part is on the host, that is, whether picking the lines needs the host's chips. */
    public boolean needsHost() {
        return parts.stream().anyMatch(p -> !(p instanceof Simulated));
    }

    /**
     * Parses the text form (see the class comment); errors name the token and show the grammar.
     *
     * @param text the spec, such as {@code gpiochip0 3,5-7 gpiochip1 2}
     * @return the spec
     * @throws LineSpecException if the text is not a spec
     */
    public static LineSpec parse(String text) {
        List<String> tokens = Arrays.stream(text.split("\\s+")).filter(t -> !t.isEmpty()).toList();
        if (tokens.isEmpty()) {
            throw new LineSpecException(Reason.EMPTY, "the line spec is empty (" + GRAMMAR + ")");
        }
        List<Part> parts = new ArrayList<>();
        int lines = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            Part part;
            if (isOffsets(token)) {
                throw bad(text, "offsets '" + shown(token) + "' follow no host chip" + (i == 0 ? ""
                        : " (offsets come right after their chip, separated by commas: gpiochip0 3,5-7)"),
                        Reason.SYNTAX);
            } else if (isSimulated(token)) {
                if (next != null && isOffsets(next)) {
                    throw bad(text, "offsets '" + shown(next) + "' follow the simulated chip '" + shown(token)
                            + "' (a simulated chip has all its lines)", Reason.SYNTAX);
                }
                part = parseSimulated(token);
            } else if (next != null && isOffsets(next)) {
                part = new HostLines(token, parseOffsets(text, token, next, lines));
                i++;
            } else {
                part = new LoneToken(token);
            }
            lines += part.minLines();
            if (lines > MAX_LINES) {
                throw bad(text, "'" + shown(token) + "' makes " + lines + " lines; a device has at most "
                        + MAX_LINES, Reason.TOO_MANY_LINES);
            }
            parts.add(part);
        }
        return new LineSpec(parts);
    }

    /** Whether a token is in the simulated chip's grammar: {@code sim}, {@code sim:...} or {@code sim@...}. */
    public static boolean isSimulated(String token) {
        return token.equals("sim") || token.startsWith("sim:") || token.startsWith("sim@");
    }

    /** Whether a token is meant as an offsets list: only digits, commas and dashes. */
    static boolean isOffsets(String token) {
        return !token.isEmpty() && token.chars().allMatch(c -> (c >= '0' && c <= '9') || c == ',' || c == '-');
    }

    /**
     * The offsets of {@code list}, as the kernel's gpio-aggregator reads it (a bitmap list): each offset once, in
     * ascending order, whatever order and overlaps the list is written in ({@code 7,3,2-4} is 2, 3, 4, 7).
     *
     * @param linesBefore the lines of the parts before, to stop before expanding more than a device can have
     */
    private static List<Integer> parseOffsets(String text, String chip, String list, int linesBefore) {
        java.util.BitSet offsets = new java.util.BitSet();
        String where = "offsets '" + shown(list) + "' of '" + shown(chip) + "'";
        for (String item : list.split(",", -1)) {
            int dash = item.indexOf('-');
            String low = dash < 0 ? item : item.substring(0, dash);
            String high = dash < 0 ? item : item.substring(dash + 1);
            if (!isNumber(low) || !isNumber(high)) {
                throw bad(text, where + ": '" + shown(item) + "' is not an offset or a range such as 5-7",
                        Reason.SYNTAX);
            }
            int from = offset(text, where, low);
            int to = offset(text, where, high);
            if (from > to) {
                throw bad(text, where + ": the range " + item + " runs backwards (write " + to + "-" + from + ")",
                        Reason.BACKWARDS_RANGE);
            }
            offsets.set(from, to + 1);
            if (linesBefore + offsets.cardinality() > MAX_LINES) {
                throw bad(text, where + " make more than " + MAX_LINES + " lines, the most a device has",
                        Reason.TOO_MANY_LINES);
            }
        }
        return offsets.stream().boxed().toList();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static int offset(String text, String where, String digits) {
        String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 5 || Integer.parseInt(significant) > MAX_OFFSET) {
            throw bad(text, where + ": offset " + shown(digits) + " is above " + MAX_OFFSET
                    + ", the last offset a device of " + MAX_LINES + " lines has", Reason.OFFSET_TOO_LARGE);
        }
        return Integer.parseInt(significant);
    }

    /** A token of the simulated chip's grammar (see {@link #isSimulated}). */
    private static Simulated parseSimulated(String token) {
        String s = token;
        String label = DEFAULT_LABEL;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            label = s.substring(at + 1);
            s = s.substring(0, at);
            if (label.isBlank()) {
                throw badSim(token, "the label after '@' is empty", Reason.SYNTAX);
            }
        }
        if (s.equals("sim")) {
            return label.equals(DEFAULT_LABEL) ? Simulated.DEMO : new Simulated(label, DEMO_NAMES);
        }
        if (!s.startsWith("sim:")) {
            throw badSim(token, "before the label comes sim, sim:COUNT or sim:NAME,..., not '" + shown(s) + "'",
                    Reason.SYNTAX);
        }
        String lines = s.substring(4);
        if (lines.isEmpty()) {
            throw badSim(token, "no lines after 'sim:' (give a count or names)", Reason.EMPTY);
        }
        if (lines.indexOf('@') >= 0) {
            throw badSim(token, "only one '@' may come, before the label", Reason.SYNTAX);
        }
        List<String> names;
        if (isNumber(lines)) {
            String significant = lines.replaceFirst("^0+(?=.)", "");
            if (significant.length() > 9) {
                throw badSim(token, "line count " + shown(lines) + " is too large", Reason.TOO_MANY_LINES);
            }
            int count = Integer.parseInt(significant);
            if (count < 1 || count > MAX_LINES) {
                throw badSim(token, "line count must be 1 to " + MAX_LINES + ", got " + count,
                        count < 1 ? Reason.EMPTY : Reason.TOO_MANY_LINES);
            }
            names = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                names.add("line" + i);
            }
        } else if (lines.indexOf(',') < 0 && (Character.isDigit(lines.charAt(0)) || lines.charAt(0) == '-'
                || lines.charAt(0) == '+')) {
            // sim:NAME is a chip of one line called NAME; a lone name that looks like a number is a mistyped count
            throw badSim(token, "'" + shown(lines) + "' is not a line count (a whole number from 1 to " + MAX_LINES
                    + "); a chip of one named line is sim:NAME, and its name may not start with a digit or a sign",
                    Reason.SYNTAX);
        } else {
            names = Arrays.asList(lines.split(",", -1));
        }
        return new Simulated(label, checkedNames("invalid chip spec '" + shown(token) + "': ", names));
    }

    /**
     * The names of a simulated chip, copied with {@code null} as {@code ""}, or an exception that starts with
     * {@code prefix}: 1 to {@value #MAX_LINES} valid and distinct names.
     */
    private static List<String> checkedNames(String prefix, List<String> names) {
        if (names.isEmpty()) {
            throw new LineSpecException(Reason.EMPTY, prefix + "a chip needs at least one line");
        }
        if (names.size() > MAX_LINES) {
            throw new LineSpecException(Reason.TOO_MANY_LINES,
                    prefix + "a chip has at most " + MAX_LINES + " lines, got " + names.size());
        }
        List<String> copy = List.copyOf(names.stream().map(n -> n == null ? "" : n).toList());
        try {
            LineNames.validate(copy);
        } catch (InvalidLineNamesException e) {
            Set<String> seen = new HashSet<>();
            boolean repeated = copy.stream().anyMatch(n -> !n.isEmpty() && !seen.add(n));
            throw new LineSpecException(repeated ? Reason.DUPLICATE_NAME : Reason.INVALID_NAME,
                    prefix + e.getMessage(), e);
        }
        return copy;
    }

    private static void checkToken(String what, String token) {
        if (token == null || token.isEmpty()) {
            throw new LineSpecException(Reason.SYNTAX, what + " is empty");
        }
        if (token.chars().anyMatch(c -> " \t\n\r\f\u000b".indexOf(c) >= 0)) {
            throw new LineSpecException(Reason.SYNTAX, what + " holds white space: '" + shown(token) + "'");
        }
    }

    private static LineSpecException bad(String text, String why, Reason reason) {
        return new LineSpecException(reason, "invalid line spec '" + shown(text.strip()) + "': " + why + " ("
                + GRAMMAR + ")");
    }

    private static LineSpecException badSim(String token, String why, Reason reason) {
        return new LineSpecException(reason, "invalid chip spec '" + shown(token) + "': " + why + " ("
                + SIM_GRAMMAR + ")");
    }

    /** A piece of a spec for a message, cut after {@value #SHOWN_MAX} characters. */
    static String shown(String s) {
        return s.length() <= SHOWN_MAX ? s : s.substring(0, SHOWN_MAX) + "...";
    }
}
