package dev.vgpio.lines;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import java.util.List;

/**
 * A set of GPIO lines that a virtio-gpio device serves: a simulated chip, a Linux chip through its character
 * device, or an aggregate of lines picked from several chips. Offsets run from 0 to {@code lineCount() - 1};
 * an offset outside that range is a {@link LineException}.
 *
 * <p>Direction {@link Direction#NONE} means the line is released: the lines forget its output value and edge
 * detection, and a real chip gives the line back to the host. Output values are set together with the direction
 * so that a line never glitches through a default value. Lines only report edges; a device that needs level
 * interrupts follows the level through both edges and {@link #getValue}.
 *
 * <p>Line settings (vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension, docs/line-config.md): lines that can apply a
 * bias, a drive or a debounce period say which per line ({@link #lineCaps}); a setting applies at once, whatever
 * the line's direction, and lasts until it is changed or the line is released: {@link Direction#NONE} also puts
 * the bias back to {@link Bias#AS_IS}, the drive to {@link Drive#PUSH_PULL} and debouncing off. Lines that apply
 * no setting keep the defaults, which refuse every setting but those.
 */
public interface GpioLines extends AutoCloseable {
    /** A human-readable label of the chip, like a gpiochip label. */
    String label();

    int lineCount();

    /** Line names in offset order; an empty string for a line without a name. Non-empty names are unique. */
    List<String> lineNames();

    Direction getDirection(int offset) throws LineException;

    /**
     * Configures a line: {@code IN} and {@code OUT} request it, {@code NONE} releases it.
     *
     * @param outputValue the level an {@code OUT} line starts driving (0 or 1); ignored otherwise
     */
    void setDirection(int offset, Direction direction, int outputValue) throws LineException;

    /** The level on the line: the driven value of an output, the sensed level otherwise. */
    int getValue(int offset) throws LineException;

    /** Drives an output line to {@code value} (0 or 1). */
    void setValue(int offset, int value) throws LineException;

    /** Whether these lines can report edges, that is whether a device may offer interrupts. */
    boolean supportsEdgeEvents();

    /** Enables or disables edge reporting on an input line. */
    void setEdgeDetection(int offset, Edge edge) throws LineException;

    /**
     * Where edges go when the lines detect them on a thread of their own (a simulated chip driven by the host);
     * {@code null} stops reporting. Lines that have an {@link #eventFd} report their edges through
     * {@link #dispatchEvents} instead.
     */
    void setEventListener(LineEventListener listener);

    /**
     * A file descriptor that becomes readable when these lines have edges to report (an epoll instance over the
     * kernel's line request descriptors), or -1 if they have none. The device's event loop watches it
     * (level-triggered) and calls {@link #dispatchEvents} on its own thread when it is readable. It stays the same
     * for the life of the lines.
     */
    default int eventFd() {
        return -1;
    }

    /**
     * Reads every edge waiting on {@link #eventFd} without blocking and passes each, in the order the kernel
     * recorded them per line, to {@code listener}; called on the device's thread. Allocates nothing.
     *
     * @return how many edges were passed on
     */
    default int dispatchEvents(LineEventListener listener) {
        return 0;
    }

    /**
     * Which settings line {@code offset} can apply, as {@link LineCaps} bits (0: none). It does not change for the
     * life of the lines.
     */
    default int lineCaps(int offset) throws LineException {
        if (offset < 0 || offset >= lineCount()) {
            throw new LineException("line " + offset + " does not exist on " + label());
        }
        return 0;
    }

    /** Whether some line can apply a setting, that is whether a device may offer VIRTIO_GPIO_F_LINE_CONFIG. */
    default boolean supportsLineConfig() {
        return false;
    }

    /**
     * Sets a line's bias.
     *
     * @throws LineException if the line cannot take it (its {@link #lineCaps} lack {@link Bias#cap}) or the chip
     *     refused it
     */
    default void setBias(int offset, Bias bias) throws LineException {
        if (bias != Bias.AS_IS) {
            throw new LineException(label() + " cannot set the bias of line " + offset + " to " + bias.label());
        }
    }

    /**
     * Sets how a line drives its output.
     *
     * @throws LineException if the line cannot take it or the chip refused it
     */
    default void setDrive(int offset, Drive drive) throws LineException {
        if (drive != Drive.PUSH_PULL) {
            throw new LineException(label() + " cannot make line " + offset + " " + drive.label());
        }
    }

    /**
     * Sets a line's input debounce period, 0 (off) to {@link dev.vgpio.protocol.LineConfig#MAX_DEBOUNCE_US}
     * microseconds: an input change that does not last the period is not seen (no edge, no level change).
     *
     * @throws LineException if the line cannot debounce or the chip refused the period
     */
    default void setDebounce(int offset, int periodMicros) throws LineException {
        if (periodMicros != 0) {
            throw new LineException(label() + " cannot debounce line " + offset);
        }
    }

    /** Releases every line. */
    @Override
    void close();
}
