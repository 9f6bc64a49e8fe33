package dev.vgpio.monitor;

import java.time.Duration;

/** A pattern the host drives on a simulated input over time. Checked when made; {@link Stimuli} runs it. */
public sealed interface Stimulus {
    /** The shortest step a stimulus takes: finer than the scheduler can keep. */
    Duration MIN_STEP = Duration.ofNanos(100_000);
    /** The longest a stimulus with an end may last. */
    Duration MAX_LENGTH = Duration.ofMinutes(10);

    /** Its name in the API: {@code pulse}, {@code toggle} or {@code square}. */
    String kind();

    /** Its code in an activity record: 1 pulse, 2 toggle, 3 square. */
    default int code() {
        return switch (this) {
            case Pulse p -> 1;
            case Toggles t -> 2;
            case Square s -> 3;
        };
    }

    /** The kind with code {@code code}, or null for 0 (none) or an unknown code. */
    static String kindOf(int code) {
        return switch (code) {
            case 1 -> "pulse";
            case 2 -> "toggle";
            case 3 -> "square";
            default -> null;
        };
    }

    /**
     * The line driven to the opposite of its level for {@code width}, then back: a button press.
     *
     * @param width how long the press lasts
     */
    record Pulse(Duration width) implements Stimulus {
        public Pulse {
            check(width, "width");
            checkLength(width);
        }

        @Override
        public String kind() {
            return "pulse";
        }
    }

    /**
     * The level inverted {@code count} times, the first at once, then one every {@code interval} on a fixed
     * schedule (a late step does not push the later ones back): a burst of edges.
     */
    record Toggles(int count, Duration interval) implements Stimulus {
        public Toggles {
            if (count < 1 || count > 1_000_000) {
                throw new IllegalArgumentException("count must be 1 to 1000000, not " + count);
            }
            check(interval, "interval");
            checkLength(interval.multipliedBy(count - 1L));
        }

        @Override
        public String kind() {
            return "toggle";
        }
    }

    /**
     * A square wave of {@code period} (half of it high, half low) for {@code cycles} periods, or until stopped when
     * {@code cycles} is 0; it starts by inverting the line's level.
     */
    record Square(Duration period, int cycles) implements Stimulus {
        public Square {
            if (cycles < 0 || cycles > 1_000_000) {
                throw new IllegalArgumentException("cycles must be 0 (until stopped) to 1000000, not " + cycles);
            }
            if (period.compareTo(MIN_STEP.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("period must be at least " + MIN_STEP.toNanos() / 500 + " us (each"
                        + " half at least " + MIN_STEP.toNanos() / 1000 + " us), not " + period.toNanos() / 1000 + " us");
            }
            check(period.dividedBy(2), "half period");
            if (cycles > 0) {
                checkLength(period.multipliedBy(cycles));
            }
        }

        @Override
        public String kind() {
            return "square";
        }

        /** The time between two inversions. */
        Duration halfPeriod() {
            return period.dividedBy(2);
        }
    }

    private static void check(Duration step, String what) {
        if (step.compareTo(MIN_STEP) < 0 || step.compareTo(MAX_LENGTH) > 0) {
            throw new IllegalArgumentException(what + " must be from " + MIN_STEP.toNanos() / 1000 + " us to "
                    + MAX_LENGTH.toMinutes() + " minutes, not " + step.toNanos() / 1000 + " us");
        }
    }

    private static void checkLength(Duration length) {
        if (length.compareTo(MAX_LENGTH) > 0) {
            throw new IllegalArgumentException("the stimulus would last " + length.toSeconds() + " s, more than "
                    + MAX_LENGTH.toMinutes() + " minutes");
        }
    }
}
