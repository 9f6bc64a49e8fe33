package dev.vgpio.driver;

/**
 * An interrupt from a line, as a {@link LineRequest} reports it: which line, what kind (rising or falling edge, or
 * an active level), when the driver saw it ({@link System#nanoTime()}), and sequence numbers (per request and per
 * line) so that dropped events show as gaps.
 */
public record EdgeEvent(int offset, Type type, long timestampNanos, long sequence, long lineSequence) {
    /** What happened on the line. */
    public enum Type {
        RISING, FALLING, LEVEL_HIGH, LEVEL_LOW;

        /** The name libgpiod's gpiomon prints. */
        public String label() {
            return switch (this) {
                case RISING -> "rising";
                case FALLING -> "falling";
                case LEVEL_HIGH -> "level-high";
                case LEVEL_LOW -> "level-low";
            };
        }
    }
}
