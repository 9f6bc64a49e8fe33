package dev.vgpio.monitor.trace;

import java.nio.file.Path;
import java.util.Locale;

/** The formats of a trace (docs/traces.md). */
public enum Format {
    /** IEEE 1364 Value Change Dump: each line's level and direction over time, for waveform viewers (GTKWave). */
    VCD("vcd"),
    /** JSON lines: one object per activity, in the form of the event stream ({@code ActivityJson}). */
    JSONL("jsonl");

    private final String word;

    Format(String word) {
        this.word = word;
    }

    /** The format's word, as {@link #parse} takes it: {@code vcd} or {@code jsonl}. */
    public String word() {
        return word;
    }

    /** The extension of a file in this format: {@code .vcd} or {@code .jsonl}. */
    public String extension() {
        return "." + word;
    }

    /**
     * The format named {@code word}: {@code vcd} or {@code jsonl}, in any case.
     *
     * @throws IllegalArgumentException for any other word
     */
    public static Format parse(String word) {
        String w = word == null ? "" : word.trim().toLowerCase(Locale.ROOT);
        for (Format f : values()) {
            if (f.word.equals(w)) {
                return f;
            }
        }
        throw new IllegalArgumentException("a trace format is vcd (Value Change Dump) or jsonl (JSON lines), not \""
                + word + "\"");
    }

    /**
     * The format of a trace file, by its name's extension: {@code .vcd} or {@code .jsonl}, in any case.
     *
     * @throws IllegalArgumentException if the name ends in neither
     */
    public static Format of(Path file) {
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        for (Format f : values()) {
            if (n.endsWith(f.extension())) {
                return f;
            }
        }
        throw new IllegalArgumentException("a trace file's name ends in .vcd (Value Change Dump) or .jsonl (JSON"
                + " lines), and " + file + " ends in neither");
    }
}
