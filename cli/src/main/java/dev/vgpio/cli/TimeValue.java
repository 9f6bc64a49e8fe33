package dev.vgpio.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time values as libgpiod v2's tools write them (its "periods"): a whole number with a unit ({@code us}, {@code ms},
 * {@code s} or {@code m} for minutes; vgpio also takes {@code h}), or a bare number in the option's unit: milliseconds
 * for every option libgpiod has, seconds for {@code vgpio serve}'s own.
 */
final class TimeValue {
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})(us|ms|s|m|h)?");

    /** What the tools' help says about periods, as libgpiod's does. */
    static final String HELP = "PERIOD is a whole number of milliseconds, or a number with a unit: us, ms, s or m"
            + " (minutes), e.g. 10us, 200ms, 1s.";

    private TimeValue() {
    }

    /** {@code text} as a duration; a bare number counts in {@code bareUnit}. */
    static Duration parse(String text, String bareUnit) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a period: give a whole number of " + unitName(bareUnit)
                    + " or one with a unit us, ms, s, m or h (such as 200ms, 10s, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? bareUnit : m.group(2)) {
            case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalStateException("unit " + bareUnit);
        };
    }

    private static String unitName(String unit) {
        return switch (unit) {
            case "us" -> "microseconds";
            case "ms" -> "milliseconds";
            case "s" -> "seconds";
            case "m" -> "minutes";
            default -> "hours";
        };
    }

    /** {@link #parse}, failing as picocli reports a value it cannot take: one line naming the option. */
    private static Duration convert(String value, String bareUnit) {
        try {
            return parse(value, bareUnit);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new picocli.CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Seconds unless a unit is given. */
    static final class Seconds implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return TimeValue.convert(value, "s");
        }
    }

    /** Milliseconds unless a unit is given, as libgpiod's tools take periods. */
    static final class Millis implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return TimeValue.convert(value, "ms");
        }
    }
}
