package dev.vgpio.lines;

/** Which edges of an input line {@link GpioLines} report as events. */
public enum Edge {
    NONE, RISING, FALLING, BOTH;

    /** Whether a change to {@code level} is an edge this setting reports. */
    public boolean matches(int newLevel) {
        return switch (this) {
            case NONE -> false;
            case RISING -> newLevel != 0;
            case FALLING -> newLevel == 0;
            case BOTH -> true;
        };
    }
}
