package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.LineView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The names a VCD gives its scopes and signals (docs/traces.md, "Signal names"). A line's level is the signal named
 * by {@link #identifier}: its name with every character other than an ASCII letter, digit or {@code _} made
 * {@code _}, {@code _} put before a leading digit, {@code _} put after a Verilog keyword, and at most
 * {@value #MAX_LENGTH} characters; an unnamed line is {@code line<offset>}. Its direction is that name with
 * {@code _dir} after it. A name (or its {@code _dir}) that an earlier line of the device already has takes
 * {@code _<offset>} after it (then {@code _2}, {@code _3}, ... if that is taken too).
 */
final class VcdNames {
    /** The longest base name; Verilog allows 1024 characters, which leaves room for the suffixes. */
    static final int MAX_LENGTH = 1000;
    /** The suffix of a line's direction signal. */
    static final String DIRECTION = "_dir";

    /** The digits of identifier codes: printable ASCII but {@code $}. */
    private static final String CODE_DIGITS = digits();

    /** The keywords of Verilog (IEEE 1364-2005, Annex B), which are not identifiers. */
    private static final Set<String> KEYWORDS = Set.of("always", "and", "assign", "automatic", "begin", "buf",
            "bufif0", "bufif1", "case", "casex", "casez", "cell", "cmos", "config", "deassign", "default",
            "defparam", "design", "disable", "edge", "else", "end", "endcase", "endconfig", "endfunction",
            "endgenerate", "endmodule", "endprimitive", "endspecify", "endtable", "endtask", "event", "for", "force",
            "forever", "fork", "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone", "incdir",
            "include", "initial", "inout", "input", "instance", "integer", "join", "large", "liblist", "library",
            "localparam", "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor", "noshowcancelled",
            "not", "notif0", "notif1", "or", "output", "parameter", "pmos", "posedge", "primitive", "pull0", "pull1",
            "pulldown", "pullup", "pulsestyle_ondetect", "pulsestyle_onevent", "rcmos", "real", "realtime", "reg",
            "release", "repeat", "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled",
            "signed", "small", "specify", "specparam", "strong0", "strong1", "supply0", "supply1", "table", "task",
            "time", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "unsigned",
            "use", "uwire", "vectored", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor", "xor");

    private VcdNames() {
    }

    private static String digits() {
        StringBuilder b = new StringBuilder();
        for (char c = '!'; c <= '~'; c++) {
            if (c != '$') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code name} made a Verilog identifier (see the class's comment), or {@code fallback} if it is empty. */
    static String identifier(String name, String fallback) {
        if (name == null || name.isEmpty()) {
            return fallback;
        }
        StringBuilder b = new StringBuilder(name.length() + 1);
        name.codePoints().forEach(c -> b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_')
                ? (char) c : '_'));
        if (Character.isDigit(b.charAt(0))) {
            b.insert(0, '_');
        }
        if (b.length() > MAX_LENGTH) {
            b.setLength(MAX_LENGTH);
        }
        String s = b.toString();
        return KEYWORDS.contains(s) ? s + "_" : s;
    }

    /** Per line, by offset: the name of its level's signal (its direction's is that and {@link #DIRECTION}). */
    static List<String> signals(List<LineView> lines) {
        Set<String> taken = new HashSet<>();
        List<String> out = new ArrayList<>(lines.size());
        for (LineView l : lines) {
            String base = identifier(l.name(), "line" + l.offset());
            String name = base;
            for (int n = 1; taken.contains(name) || taken.contains(name + DIRECTION); n++) {
                name = base + "_" + l.offset() + (n == 1 ? "" : "_" + n);
            }
            taken.add(name);
            taken.add(name + DIRECTION);
            out.add(name);
        }
        return out;
    }

    /** Per device: the name of its scope, {@code device<index>} for an empty name, unique as the signals are. */
    static List<String> scopes(List<String> devices) {
        Set<String> taken = new HashSet<>();
        List<String> out = new ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            String base = identifier(devices.get(i), "device" + i);
            String name = base;
            for (int n = 2; !taken.add(name); n++) {
                name = base + "_" + n;
            }
            out.add(name);
        }
        return out;
    }

    /**
     * The VCD identifier code of signal {@code index}: printable ASCII {@code !} to {@code ~} but {@code $} (which
     * starts a keyword) as digits of base 93, the shortest first ({@code !}, {@code "}, {@code #}, {@code %}, ...,
     * {@code ~}, {@code !!}, ...).
     */
    static String code(int index) {
        StringBuilder b = new StringBuilder(4);
        int n = index;
        do {
            b.append(CODE_DIGITS.charAt(n % CODE_DIGITS.length()));
            n = n / CODE_DIGITS.length() - 1;
        } while (n >= 0);
        return b.reverse().toString();
    }
}
