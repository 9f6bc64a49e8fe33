package dev.vgpio.monitor.trace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of the VCDs the tests check: the declarations, then every value change of every signal. It fails
 * (with an AssertionError) on anything IEEE 1364 does not allow where it is, on a change of an undeclared signal, a
 * value that is not the signal's width, and time that goes backwards or repeats.
 *
 * @param timescale   the {@code $timescale} text without blanks ({@code 1ns})
 * @param date        the {@code $date} text
 * @param version     the {@code $version} text
 * @param signals     every signal, by its path ({@code gpio0.LED}), in the order declared: its width
 * @param changes     every value change, in the file's order; the {@code $dumpvars} values at time 0
 * @param comments    the text of every {@code $comment}, header and body
 * @param times       every {@code #t}, in the file's order
 */
record Vcd(String timescale, String date, String version, Map<String, Integer> signals, List<Change> changes,
        List<String> comments, List<Long> times) {

    /** A value change: at {@code time}, {@code signal} became {@code value} ({@code 0}, {@code 1}, {@code 10}). */
    record Change(long time, String signal, String value) {
        @Override
        public String toString() {
            return "#" + time + " " + signal + "=" + value;
        }
    }

    /** Reads a VCD strictly. */
    static Vcd parse(String text) {
        return parse(text, false);
    }

    /**
     * Reads a VCD; {@code fst2vcd} lets the file end in {@code $dumpvars} without its {@code $end} (which fst2vcd
     * leaves out when nothing follows time 0).
     */
    static Vcd parse(String text, boolean fst2vcd) {
        List<String> tokens = List.of(text.trim().split("\\s+"));
        int[] at = {0};
        String timescale = null;
        String date = null;
        String version = null;
        Map<String, Integer> signals = new LinkedHashMap<>();
        Map<String, List<String>> byCode = new HashMap<>();
        List<String> comments = new ArrayList<>();
        List<String> scope = new ArrayList<>();
        boolean definitions = true;
        while (definitions) {
            String t = next(tokens, at, "the declarations");
            switch (t) {
                case "$date" -> date = until(tokens, at);
                case "$version" -> version = until(tokens, at);
                case "$comment" -> comments.add(until(tokens, at));
                case "$timescale" -> timescale = until(tokens, at).replace(" ", "");
                case "$scope" -> {
                    String[] s = until(tokens, at).split(" ");
                    check(s.length == 2 && s[0].equals("module"), "$scope module <name> $end, not $scope "
                            + String.join(" ", s));
                    scope.add(s[1]);
                }
                case "$upscope" -> {
                    check(until(tokens, at).isEmpty() && !scope.isEmpty(), "an $upscope without its $scope");
                    scope.removeLast();
                }
                case "$var" -> {
                    String[] v = until(tokens, at, 2).split(" ");
                    check(v.length == 4 && (v[0].equals("wire") || v[0].equals("reg")), "$var wire <width> <code>"
                            + " <name> $end, not $var " + String.join(" ", v));
                    check(!scope.isEmpty(), "a $var outside a $scope");
                    check(fst2vcd || !v[2].startsWith("$"), "the identifier code " + v[2] + " looks like a keyword");
                    String path = String.join(".", scope) + "." + v[3];
                    check(v[3].matches("[A-Za-z_][A-Za-z0-9_$]*"), "the name " + v[3] + " is no identifier");
                    check(signals.put(path, Integer.parseInt(v[1])) == null, "two signals are " + path);
                    byCode.computeIfAbsent(v[2], c -> new ArrayList<>()).add(path);
                }
                case "$enddefinitions" -> {
                    check(until(tokens, at).isEmpty(), "$enddefinitions $end");
                    check(scope.isEmpty(), "scopes left open: " + scope);
                    definitions = false;
                }
                default -> throw new AssertionError("unexpected " + t + " in the declarations");
            }
        }
        List<Change> changes = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        long time = -1;
        boolean inDump = false;
        while (at[0] < tokens.size()) {
            String t = tokens.get(at[0]++);
            if (t.startsWith("#")) {
                long next = Long.parseLong(t.substring(1));
                check(next > time, "time goes from " + time + " to " + next);
                time = next;
                times.add(time);
            } else if (t.equals("$dumpvars")) {
                check(time == 0 && !inDump, "$dumpvars at #0");
                inDump = true;
            } else if (t.equals("$end")) {
                check(inDump, "an $end without its $dumpvars");
                inDump = false;
            } else if (t.equals("$comment")) {
                comments.add(until(tokens, at));
            } else {
                check(time >= 0, "a value change before the first time: " + t);
                String value;
                String code;
                if (t.startsWith("b") || t.startsWith("B")) {
                    value = t.substring(1);
                    code = next(tokens, at, "a vector's value change");
                    check(value.matches("[01xXzZ]+"), "the value " + t);
                } else {
                    check(t.length() > 1 && "01xXzZ".indexOf(t.charAt(0)) >= 0, "unexpected " + t);
                    value = t.substring(0, 1);
                    code = t.substring(1);
                }
                List<String> paths = byCode.get(code);
                check(paths != null, "a change of " + code + ", which no $var declares");
                for (String path : paths) {
                    int width = signals.get(path);
                    check(width == 1 ? !t.startsWith("b") : value.length() <= width, "the value " + t + " of "
                            + path + ", " + width + " bits wide");
                    changes.add(new Change(time, path, value.toLowerCase()));
                }
            }
        }
        check(!inDump || fst2vcd && times.size() == 1, "$dumpvars without $end");
        return new Vcd(timescale, date, version, signals, changes, comments, times);
    }

    /**
     * Per signal, its values over time: the value at each time it changed, several changes at one time counted as
     * their last; a vector's value padded to its width. What any two readers of the same file agree on.
     */
    Map<String, List<Change>> waves() {
        Map<String, List<Change>> out = new LinkedHashMap<>();
        signals.keySet().forEach(s -> out.put(s, new ArrayList<>()));
        for (Change c : changes) {
            List<Change> wave = out.get(c.signal());
            String v = pad(c.value(), signals.get(c.signal()));
            if (!wave.isEmpty() && wave.getLast().time() == c.time()) {
                wave.removeLast();
            }
            if (wave.isEmpty() || !wave.getLast().value().equals(v)) {
                wave.add(new Change(c.time(), c.signal(), v));
            }
        }
        return out;
    }

    /** The last time in the file. */
    long end() {
        return times.isEmpty() ? 0 : times.getLast();
    }

    private static String pad(String v, int width) {
        if (v.length() >= width) {
            return v;
        }
        // IEEE 1364: a shorter value is extended with 0, or with x or z if it starts with one
        char fill = v.charAt(0) == 'x' || v.charAt(0) == 'z' ? v.charAt(0) : '0';
        return String.valueOf(fill).repeat(width - v.length()) + v;
    }

    private static String next(List<String> tokens, int[] at, String where) {
        check(at[0] < tokens.size(), "the file ends in " + where);
        return tokens.get(at[0]++);
    }

    /** The tokens up to the next $end, joined by one blank. */
    private static String until(List<String> tokens, int[] at) {
        return until(tokens, at, -1);
    }

    /** The tokens up to the next $end, joined by one blank; token {@code code} may start with $ (a $var's code). */
    private static String until(List<String> tokens, int[] at, int code) {
        List<String> text = new ArrayList<>();
        for (String t = next(tokens, at, "a section"); !t.equals("$end"); t = next(tokens, at, "a section")) {
            check(!t.startsWith("$") || text.size() == code, "a keyword " + t + " inside a section");
            text.add(t);
        }
        return String.join(" ", text);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("not a valid VCD: " + what);
        }
    }
}
