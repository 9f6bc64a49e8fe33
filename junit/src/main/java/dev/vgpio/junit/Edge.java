package dev.vgpio.junit;

import dev.vgpio.control.LineStatus;
import dev.vgpio.monitor.ActivityJson;

/**
 * A change of a line's level as the device's monitor saw it, whoever made it: the host pressing or releasing a
 * simulated input, the guest driving its output, or a line the guest stopped driving going back to the level the
 * host presents to it. Edges are seen whether or not the guest asked for interrupts on the line.
 *
 * @param nanos  when the line changed: {@link System#nanoTime()} (CLOCK_MONOTONIC), the clock of the device's
 *               activity and of its trace
 * @param offset the line's offset on the device
 * @param name   the line's name ({@code ""} for an unnamed line)
 * @param level  the level after the change: 1 for a rising edge, 0 for a falling one
 * @param driver who set the level after the change: {@link LineStatus.Driver#GUEST GUEST} (its output),
 *               {@link LineStatus.Driver#HOST HOST} (a simulated input the host drives) or
 *               {@link LineStatus.Driver#NOBODY NOBODY}
 */
public record Edge(long nanos, int offset, String name, int level, LineStatus.Driver driver) {
    /** Whether the line went from 0 to 1. */
    public boolean rising() {
        return level == 1;
    }

    /** Whether the line went from 1 to 0. */
    public boolean falling() {
        return level == 0;
    }

    /** For example {@code rising edge of line 1 "BUTTON" (host) at 81234567890 ns}. */
    @Override
    public String toString() {
        return (rising() ? "rising" : "falling") + " edge of line " + offset + (name.isEmpty() ? "" : " \"" + name
                + "\"") + " (" + ActivityJson.word(driver) + ") at " + nanos + " ns";
    }
}
