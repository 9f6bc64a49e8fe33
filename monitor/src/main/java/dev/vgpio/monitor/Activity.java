package dev.vgpio.monitor;

/**
 * One thing that happened on a watched device, as its watchers get it: every guest request, every interrupt, every
 * edge, every drive of a simulated input by the host, and after each of them the line's new view if it changed.
 * {@link #nanos} is the monotonic clock ({@link System#nanoTime()}, CLOCK_MONOTONIC) when it happened.
 */
public sealed interface Activity {
    long nanos();

    /** The device's name, such as {@code gpio0}. */
    String device();

    /**
     * A guest request and the device's answer.
     *
     * @param type     the message type's code as the guest sent it
     * @param value    the request's value field
     * @param ok       whether the device answered STATUS_OK
     * @param response the value of an OK answer (a direction, a level), else 0
     * @param refusal  why the device refused it, or {@code null}
     */
    record Request(long nanos, String device, int line, String name, int type, long value, boolean ok, int response,
            String refusal) implements Activity {
    }

    /** An interrupt buffer went back to the guest: VALID (an interrupt) or INVALID (a disabled or gone line). */
    record Interrupt(long nanos, String device, int line, String name, boolean valid) implements Activity {
    }

    /** The guest queued an interrupt buffer for a line, unmasking it; {@code refused} if it came back at once. */
    record Unmask(long nanos, String device, int line, String name, boolean refused) implements Activity {
    }

    /** An edge reached the device from the line. */
    record Edge(long nanos, String device, int line, String name, boolean rising) implements Activity {
    }

    /** The host drove the level a simulated line senses. */
    record Driven(long nanos, String device, int line, String name, int level) implements Activity {
    }

    /**
     * A pulse the host drove on a debounced line was shorter than the debounce period the guest set: the guest saw
     * neither of its edges.
     */
    record Filtered(long nanos, String device, int line, String name, int level, int widthMicros) implements Activity {
    }

    /** The guest's driver disabled every interrupt (it initialized the device); {@code enabled} were on. */
    record Reset(long nanos, String device, int enabled) implements Activity {
    }

    /** The front end went away; its interrupt buffers with it. The lines keep their state. */
    record Detached(long nanos, String device) implements Activity {
    }

    /**
     * A stimulus of the host started on a line, or ended (by itself, stopped, or because the line could no longer
     * be driven).
     *
     * @param stimulus the kind that started ({@code pulse}, {@code toggle}, {@code square}), or null when it ended
     */
    record StimulusChanged(long nanos, String device, int line, String name, String stimulus) implements Activity {
    }

    /** A line's view changed (direction, level, driver or interrupt state); {@code line} is the new view. */
    record LineChanged(long nanos, String device, LineView line) implements Activity {
    }

    /** The device's activity came faster than its watchers read it: {@code count} records were lost. */
    record Dropped(long nanos, String device, long count) implements Activity {
    }
}
