package dev.vgpio.monitor;

import dev.vgpio.control.LineStatus;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.IrqType;

/**
 * A line as a watcher sees it at one moment.
 *
 * @param offset     the line's offset on its device
 * @param name       its name ({@code ""} if it has none)
 * @param simulated  whether the line is simulated (the host may drive it) rather than a real host line
 * @param direction  the direction the guest set
 * @param level      the level on the line: an output's driven value, or what an input senses (for a real host line,
 *                   the last level the device saw: an edge or a GET_VALUE answer)
 * @param driver     who sets the level: the guest (its output), the host (a simulated input the host drove, or a
 *                   real host line's input), or nobody
 * @param irqType    the interrupt type the guest enabled
 * @param masked     whether the line's interrupt is masked: the guest holds no interrupt buffer for it
 * @param latched    whether an edge is latched, waiting for the guest to unmask the line
 * @param requests   how many guest requests named the line
 * @param errors     how many of them the device refused (STATUS_ERR)
 * @param edges      how many edges reached the device from the line (with edge detection on)
 * @param interrupts how many interrupts the device delivered for the line (VALID)
 * @param bias       the bias the guest set (docs/line-config.md)
 * @param drive      how the guest made the line drive
 * @param debounceMicros the debounce period the guest set, 0 when off
 */
public record LineView(int offset, String name, boolean simulated, Direction direction, int level,
        LineStatus.Driver driver, IrqType irqType, boolean masked, boolean latched, long requests, long errors,
        long edges, long interrupts, Bias bias, Drive drive, int debounceMicros) {
    /** A view of a line with the default settings (bias as-is, push-pull, no debouncing). */
    public LineView(int offset, String name, boolean simulated, Direction direction, int level,
            LineStatus.Driver driver, IrqType irqType, boolean masked, boolean latched, long requests, long errors,
            long edges, long interrupts) {
        this(offset, name, simulated, direction, level, driver, irqType, masked, latched, requests, errors, edges,
                interrupts, Bias.AS_IS, Drive.PUSH_PULL, 0);
    }

    /**
     * Whether the two views differ in what a watcher sees change (direction, level, driver, interrupt state,
     * settings).
     */
    boolean differsFrom(LineView o) {
        return o == null || direction != o.direction || level != o.level || driver != o.driver
                || irqType != o.irqType || masked != o.masked || latched != o.latched || bias != o.bias
                || drive != o.drive || debounceMicros != o.debounceMicros;
    }
}
