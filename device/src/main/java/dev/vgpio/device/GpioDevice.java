package dev.vgpio.device;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.LineBackend;
import dev.vgpio.lines.LineException;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import java.util.List;

/**
 * The virtio-gpio device's semantics, independent of any transport: it answers the six requestq messages and keeps,
 * per line, the state the spec describes — the output value set before the direction, the interrupt type
 * (enabled/disabled), whether the driver has unmasked it (a buffer token is held), and a latched edge.
 *
 * <p>Messages are handled one at a time, in the order given, so messages for one line are answered in order. Every
 * field of a request is checked before use; a request that breaks the spec gets {@code STATUS_ERR} and changes
 * nothing, and {@link #lastError()} says why. Not thread-safe: one thread (the transport's) drives a device; edges
 * from the backend reach it through {@link #onEdge}, called on that thread.
 *
 * <p>Line state outlives a transport's connection: {@link #detachInterrupts()} drops the buffer tokens of a
 * connection that went away, and directions, values and interrupt types stay as they were.
 */
public final class GpioDevice {
    private static final int NO_TOKEN = -1;

    private final LineBackend backend;
    private final int ngpio;
    private final byte[] namesBlock;
    private final int[] pendingValue;
    private final IrqType[] irqType;
    private final int[] token;
    private final boolean[] latched;
    private long negotiated;
    private IrqSink irqSink = (t, g, s) -> { };
    private String lastError = "";

    /**
     * A device over {@code backend}, whose line count must be 1..65535 and whose names must be unique.
     *
     * @throws IllegalArgumentException if the backend cannot be served
     */
    public GpioDevice(LineBackend backend) {
        this.backend = backend;
        this.ngpio = backend.lineCount();
        if (ngpio < 1 || ngpio > VirtioGpio.MAX_LINES) {
            throw new IllegalArgumentException("a virtio-gpio device needs 1 to " + VirtioGpio.MAX_LINES
                    + " lines, the backend " + backend.label() + " has " + ngpio);
        }
        List<String> names = backend.lineNames();
        boolean anyName = names.stream().anyMatch(n -> n != null && !n.isEmpty());
        this.namesBlock = anyName ? LineNames.encode(names) : new byte[0];
        this.pendingValue = new int[ngpio];
        this.irqType = new IrqType[ngpio];
        this.token = new int[ngpio];
        this.latched = new boolean[ngpio];
        java.util.Arrays.fill(pendingValue, -1);
        java.util.Arrays.fill(irqType, IrqType.NONE);
        java.util.Arrays.fill(token, NO_TOKEN);
    }

    public LineBackend backend() {
        return backend;
    }

    public int lineCount() {
        return ngpio;
    }

    /** The configuration space: {@code ngpio} and the names block size (0 when no line has a name). */
    public GpioConfig config() {
        return new GpioConfig(ngpio, namesBlock.length);
    }

    /** The names block GET_LINE_NAMES returns; do not modify. */
    byte[] namesBlock() {
        return namesBlock;
    }

    /** Device feature bits to offer: VIRTIO_GPIO_F_IRQ only when the backend can report edges. */
    public long offeredFeatures() {
        return backend.supportsEdgeEvents() ? GpioFeatures.IRQ : 0;
    }

    /** Records the features the driver accepted (only offered device bits are kept). */
    public void negotiate(long features) {
        this.negotiated = features & offeredFeatures();
    }

    public boolean irqNegotiated() {
        return (negotiated & GpioFeatures.IRQ) != 0;
    }

    public void setIrqSink(IrqSink sink) {
        this.irqSink = sink;
    }

    /** Why the last request got {@code STATUS_ERR} (or the last interrupt buffer came back INVALID). */
    public String lastError() {
        return lastError;
    }

    /** The bytes of a correct response to a message of {@code type}: 1 + gpio_names_size for names, else 2. */
    public int responseSize(int type) {
        return type == MessageType.GET_LINE_NAMES.code() ? 1 + namesBlock.length : VirtioGpio.RESPONSE_SIZE;
    }

    /** The status byte of a packed response from {@link #handle}. */
    public static int status(int packed) {
        return packed & 0xff;
    }

    /** The value byte of a packed response from {@link #handle}. */
    public static int value(int packed) {
        return (packed >>> 8) & 0xff;
    }

    private static int ok(int value) {
        return Status.OK.code() | (value << 8);
    }

    private int err(String why) {
        lastError = why;
        return Status.ERR.code();
    }

    /**
     * Handles one requestq message. For GET_LINE_NAMES an OK answer means the names block follows the status.
     *
     * @return the response packed as {@code status | value << 8} (see {@link #status} and {@link #value})
     */
    public int handle(int type, int gpio, long value) {
        MessageType t = MessageType.fromCode(type);
        if (t == null) {
            return err("unknown message type");
        }
        if (t == MessageType.GET_LINE_NAMES) {
            return namesBlock.length == 0 ? err("the device has no line names") : ok(0);
        }
        if (gpio >= ngpio) {
            return err("line number out of range");
        }
        try {
            return switch (t) {
                case GET_DIRECTION -> ok(backend.getDirection(gpio).code());
                case SET_DIRECTION -> setDirection(gpio, value);
                case GET_VALUE -> ok(backend.getValue(gpio));
                case SET_VALUE -> setValue(gpio, value);
                case SET_IRQ_TYPE -> setIrqType(gpio, value);
                case GET_LINE_NAMES -> throw new AssertionError("handled above");
            };
        } catch (LineException e) {
            return err(e.getMessage());
        }
    }

    private int setDirection(int gpio, long value) throws LineException {
        Direction d = Direction.fromCode(value);
        if (d == null) {
            return err("invalid direction");
        }
        switch (d) {
            case NONE -> {
                disableIrq(gpio);
                backend.setDirection(gpio, Direction.NONE, 0);
                pendingValue[gpio] = -1;
            }
            case OUT -> {
                if (irqType[gpio] != IrqType.NONE) {
                    return err("line has an interrupt enabled; set its IRQ type to NONE before making it an output");
                }
                int initial = pendingValue[gpio];
                if (initial < 0) {
                    initial = backend.getDirection(gpio) == Direction.OUT ? backend.getValue(gpio) : 0;
                }
                backend.setDirection(gpio, Direction.OUT, initial);
                pendingValue[gpio] = initial;
            }
            case IN -> backend.setDirection(gpio, Direction.IN, 0);
        }
        return ok(0);
    }

    private int setValue(int gpio, long value) throws LineException {
        if (value != 0 && value != 1) {
            return err("value is neither 0 nor 1");
        }
        if (backend.getDirection(gpio) == Direction.OUT) {
            backend.setValue(gpio, (int) value);
        }
        pendingValue[gpio] = (int) value;
        return ok(0);
    }

    private int setIrqType(int gpio, long value) throws LineException {
        if (!irqNegotiated()) {
            return err("SET_IRQ_TYPE without VIRTIO_GPIO_F_IRQ negotiated");
        }
        IrqType type = IrqType.fromCode(value);
        if (type == null) {
            return err("invalid IRQ type");
        }
        IrqType current = irqType[gpio];
        if (type == IrqType.NONE) {
            disableIrq(gpio);
            return ok(0);
        }
        if (backend.getDirection(gpio) == Direction.OUT) {
            return err("SET_IRQ_TYPE on a line configured for output");
        }
        if (current == type) {
            return ok(0);
        }
        if (current != IrqType.NONE) {
            return err("IRQ type changed without going through NONE");
        }
        if (backend.getDirection(gpio) == Direction.NONE) {
            backend.setDirection(gpio, Direction.IN, 0);
        }
        backend.setEdgeDetection(gpio, edgeFor(type));
        irqType[gpio] = type;
        latched[gpio] = false;
        return ok(0);
    }

    private static Edge edgeFor(IrqType type) {
        return switch (type) {
            case EDGE_RISING -> Edge.RISING;
            case EDGE_FALLING -> Edge.FALLING;
            case EDGE_BOTH, LEVEL_HIGH, LEVEL_LOW -> Edge.BOTH;
            case NONE -> Edge.NONE;
        };
    }

    private void disableIrq(int gpio) throws LineException {
        latched[gpio] = false;
        if (irqType[gpio] != IrqType.NONE) {
            irqType[gpio] = IrqType.NONE;
            backend.setEdgeDetection(gpio, Edge.NONE);
        }
        complete(gpio, IrqStatus.INVALID);
    }

    /**
     * The driver queued an interrupt buffer pair for {@code gpio} (eventq): the line is unmasked. The pair comes
     * back through the {@link IrqSink} with INVALID at once if the line does not exist, is not enabled, or already
     * has a pair; with VALID at once if an edge was latched or a level interrupt is active.
     */
    public void unmask(int gpio, int bufferToken) {
        if (gpio >= ngpio) {
            lastError = "interrupt buffer for a line out of range";
            irqSink.complete(bufferToken, gpio, IrqStatus.INVALID.code());
            return;
        }
        if (token[gpio] != NO_TOKEN) {
            lastError = "a second interrupt buffer for the same line";
            irqSink.complete(bufferToken, gpio, IrqStatus.INVALID.code());
            return;
        }
        if (irqType[gpio] == IrqType.NONE) {
            lastError = "interrupt buffer for a line whose interrupt is not enabled";
            irqSink.complete(bufferToken, gpio, IrqStatus.INVALID.code());
            return;
        }
        token[gpio] = bufferToken;
        if (latched[gpio] || levelActive(gpio)) {
            latched[gpio] = false;
            complete(gpio, IrqStatus.VALID);
        }
    }

    /** An edge from the backend (on the device's thread): fires or latches the line's interrupt. */
    public void onEdge(int gpio, boolean rising) {
        if (gpio < 0 || gpio >= ngpio) {
            return;
        }
        IrqType type = irqType[gpio];
        boolean fires;
        if (type.isEdge()) {
            fires = rising ? type.triggersOnRising() : type.triggersOnFalling();
            if (fires && token[gpio] == NO_TOKEN) {
                latched[gpio] = true;
                return;
            }
        } else {
            fires = type.isLevel() && type.activeAt(rising ? 1 : 0);
        }
        if (fires) {
            complete(gpio, IrqStatus.VALID);
        }
    }

    private boolean levelActive(int gpio) {
        IrqType type = irqType[gpio];
        if (!type.isLevel()) {
            return false;
        }
        try {
            return type.activeAt(backend.getValue(gpio));
        } catch (LineException e) {
            lastError = e.getMessage();
            return false;
        }
    }

    private void complete(int gpio, IrqStatus status) {
        int t = token[gpio];
        if (t != NO_TOKEN) {
            token[gpio] = NO_TOKEN;
            irqSink.complete(t, gpio, status.code());
        }
    }

    /** Whether the driver has unmasked {@code gpio} (an interrupt buffer is held). */
    public boolean isUnmasked(int gpio) {
        return token[gpio] != NO_TOKEN;
    }

    /** The interrupt type the driver enabled on {@code gpio}. */
    public IrqType irqType(int gpio) {
        return irqType[gpio];
    }

    /** Whether an edge is latched on {@code gpio}, waiting for the driver to unmask it. */
    public boolean isLatched(int gpio) {
        return latched[gpio];
    }

    /**
     * Forgets every held interrupt buffer, without returning it: the transport's queue is gone (the front end
     * disconnected or reset the ring). Directions, values and interrupt types stay.
     */
    public void detachInterrupts() {
        java.util.Arrays.fill(token, NO_TOKEN);
    }
}
