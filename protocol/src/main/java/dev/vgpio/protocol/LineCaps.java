package dev.vgpio.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The bits of a GET_LINE_CAPS answer (vgpio's extension, docs/line-config.md): which settings a line can apply.
 * Push-pull drive, bias as-is and debounce off need no bit: every line takes them.
 */
public final class LineCaps {
    public static final int BIAS_DISABLED = 1;
    public static final int PULL_UP = 1 << 1;
    public static final int PULL_DOWN = 1 << 2;
    public static final int OPEN_DRAIN = 1 << 3;
    public static final int OPEN_SOURCE = 1 << 4;
    /** The line debounces its input with any period from 1 to {@link LineConfig#MAX_DEBOUNCE_US} microseconds. */
    public static final int DEBOUNCE = 1 << 5;
    /** Every bit defined; a device sets no other (they are reserved and zero). */
    public static final int ALL = BIAS_DISABLED | PULL_UP | PULL_DOWN | OPEN_DRAIN | OPEN_SOURCE | DEBOUNCE;
    private static final String[] NAMES = {"bias-disabled", "pull-up", "pull-down", "open-drain", "open-source",
        "debounce"};

    private LineCaps() {
    }

    /** The bits' names in bit order ({@code pull-up, open-drain, debounce}); reserved bits as {@code bitN}. */
    public static List<String> names(int caps) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 8; bit++) {
            if ((caps & 1 << bit) != 0) {
                out.add(bit < NAMES.length ? NAMES[bit] : "bit" + bit);
            }
        }
        return out;
    }

    /** {@link #names} joined with commas, or {@code none}. */
    public static String describe(int caps) {
        return caps == 0 ? "none" : String.join(",", names(caps));
    }
}
