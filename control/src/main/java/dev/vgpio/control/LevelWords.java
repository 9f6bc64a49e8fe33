package dev.vgpio.control;

import java.util.Locale;

/**
 * The words a user may give for a line level, as libgpiod v2's tools accept them: {@code 1}, {@code active},
 * {@code on}, {@code true}, {@code high} and {@code 0}, {@code inactive}, {@code off}, {@code false}, {@code low}
 * (any case).
 */
public final class LevelWords {
    /** What an error message lists as the accepted words. */
    public static final String ACCEPTED = "1, active, on, true or high; or 0, inactive, off, false or low";

    private LevelWords() {
    }

    /**
     * The level a word names.
     *
     * @throws IllegalArgumentException listing the accepted words when {@code word} is none of them
     */
    public static int parse(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "1", "active", "on", "true", "high" -> 1;
            case "0", "inactive", "off", "false", "low" -> 0;
            default -> throw new IllegalArgumentException("invalid level '" + word + "': use " + ACCEPTED);
        };
    }
}
