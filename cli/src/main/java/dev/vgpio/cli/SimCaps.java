package dev.vgpio.cli;

import dev.vgpio.protocol.LineCaps;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code serve --sim-caps}: {@code all}, {@code none} or a comma-separated list of capability names. */
final class SimCaps implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("all")) {
            return LineCaps.ALL;
        }
        if (v.equals("none")) {
            return 0;
        }
        int caps = 0;
        for (String word : v.split(",", -1)) {
            int bit = LineCaps.names(LineCaps.ALL).indexOf(word.trim());
            if (bit < 0) {
                throw new TypeConversionException("'" + word.trim() + "' is not a line capability: give all, none, "
                        + "or a comma-separated list of " + String.join(", ", LineCaps.names(LineCaps.ALL)));
            }
            caps |= 1 << bit;
        }
        return caps;
    }
}
