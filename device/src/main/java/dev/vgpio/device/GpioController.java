package dev.vgpio.device;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineException;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtio-gpio device's semantics, independent of any transport: it answers the six requestq messages (and,
 * when VIRTIO_GPIO_F_LINE_CONFIG is negotiated, vgpio's GET_LINE_CAPS and SET_LINE_CONFIG: docs/line-config.md) over
 * {@link GpioLines} and keeps, per line, the state the spec describes — the direction, the output value (set before
 * the direction too), the interrupt type (enabled or disabled), whether the driver has unmasked it (a buffer token is
 * held), and a latched edge. The lines are told what to do; they are asked only for what only they know (an input's
 * level).
 *
 * <p>Messages are handled one at a time, in the order given, so messages for one line are answered in order. Every
 * field of a request is checked before use; a request that breaks the spec gets {@code STATUS_ERR} and changes
 * nothing, and its outcome says why ({@link #refusal}). Not thread-safe: one thread (the transport's) drives a
 * controller; edges from the lines reach it through {@link #onEdge}, called on that thread.
 *
 * <p>Line state outlives a transport's connection: {@link #detachInterrupts()} drops the buffer tokens of a
 * connection that went away, and directions, values and interrupt types stay as they were. A new driver finds the
 * directions and values but no interrupt enabled ({@link #disableInterrupts()}).
 */
public final class GpioController {
    private static final Logger LOG = LoggerFactory.getLogger(GpioController.class);
    private static final int NO_TOKEN = -1;
    private static final int NO_VALUE = -1;
    private static final Refusal[] REFUSALS = Refusal.values();

    private final GpioLines lines;
    /** What the log calls this device. */
    private final String name;
    private final int ngpio;
    private final byte[] namesBlock;
    private final GpioConfig config;
    /** Per line: the {@link Direction} code the driver last set (what GET_DIRECTION answers). */
    private final byte[] direction;
    /** Per line: the output value the driver last set (driven if an output, kept for later if not), or NO_VALUE. */
    private final byte[] value;
    private final IrqType[] irqType;
    private final int[] token;
    private final boolean[] latched;
    /** Per line: the {@link LineCaps} the lines said it has, asked once. */
    private final byte[] caps;
    private final boolean anyCaps;
    /**
     * Whether each request is logged (debug level, {@code vgpio serve -v}): asked once, so that when it is off a
     * request costs one branch and allocates nothing.
     */
    private final boolean logRequests = LOG.isDebugEnabled();
    private long negotiated;
    private IrqSink irqSink = (t, g, s) -> { };
    /** Where each request, interrupt and edge is recorded for watchers, or {@code null} if nobody watches. */
    private ActivityRing activity;

    /**
     * A controller of {@code lines}, whose count must be 1..65535 and whose names must be unique. Each line's
     * direction and output value start as the lines report them.
     *
     * @throws IllegalArgumentException if the lines cannot be served
     */
    public GpioController(GpioLines lines) {
        this(lines, lines.label());
    }

    /**
     * A controller of {@code lines} that names itself {@code name} in its log (the device's name, such as
     * {@code gpio0}, when a daemon serves several devices of one label).
     *
     * @throws IllegalArgumentException if the lines cannot be served
     */
    public GpioController(GpioLines lines, String name) {
        this.lines = lines;
        this.name = name;
        this.ngpio = lines.lineCount();
        if (ngpio < 1 || ngpio > VirtioGpio.MAX_LINES) {
            throw new IllegalArgumentException("a virtio-gpio device needs 1 to " + VirtioGpio.MAX_LINES
                    + " lines, " + lines.label() + " has " + ngpio);
        }
        List<String> names = lines.lineNames();
        boolean anyName = names.stream().anyMatch(n -> n != null && !n.isEmpty());
        this.namesBlock = anyName ? LineNames.encode(names) : new byte[0];
        this.config = new GpioConfig(ngpio, namesBlock.length);
        this.direction = new byte[ngpio];
        this.value = new byte[ngpio];
        this.irqType = new IrqType[ngpio];
        this.token = new int[ngpio];
        this.latched = new boolean[ngpio];
        Arrays.fill(value, (byte) NO_VALUE);
        Arrays.fill(irqType, IrqType.NONE);
        Arrays.fill(token, NO_TOKEN);
        this.caps = new byte[ngpio];
        boolean some = false;
        for (int gpio = 0; gpio < ngpio; gpio++) {
            try {
                caps[gpio] = (byte) (lines.lineCaps(gpio) & LineCaps.ALL);
                some |= caps[gpio] != 0;
            } catch (LineException e) {
                LOG.warn("{}: line {} takes no settings: {}", lines.label(), gpio, e.getMessage());
            }
        }
        this.anyCaps = some;
        for (int gpio = 0; gpio < ngpio; gpio++) {
            try {
                Direction d = lines.getDirection(gpio);
                int v = d == Direction.OUT ? lines.getValue(gpio) : NO_VALUE;
                direction[gpio] = (byte) d.code();
                value[gpio] = (byte) v;
            } catch (LineException e) {
                LOG.warn("{}: line {} starts released: {}", lines.label(), gpio, e.getMessage());
            }
        }
    }

    public GpioLines lines() {
        return lines;
    }

    /** The configuration space: {@code ngpio} and the names block size (0 when no line has a name). */
    public GpioConfig config() {
        return config;
    }

    /** The names block GET_LINE_NAMES returns; do not modify. */
    byte[] namesBlock() {
        return namesBlock;
    }

    /**
     * Device feature bits to offer: VIRTIO_GPIO_F_IRQ only when the lines can report edges,
     * VIRTIO_GPIO_F_LINE_CONFIG only when some line can take some setting.
     */
    public long offeredFeatures() {
        return (lines.supportsEdgeEvents() ? GpioFeatures.IRQ : 0) | (anyCaps ? GpioFeatures.LINE_CONFIG : 0);
    }

    /** Records the features the driver accepted (only offered device bits are kept). */
    public void negotiate(long features) {
        this.negotiated = features & offeredFeatures();
    }

    public boolean irqNegotiated() {
        return (negotiated & GpioFeatures.IRQ) != 0;
    }

    public boolean lineConfigNegotiated() {
        return (negotiated & GpioFeatures.LINE_CONFIG) != 0;
    }

    /** The settings line {@code gpio} takes ({@link LineCaps} bits), as GET_LINE_CAPS answers. */
    public int lineCaps(int gpio) {
        return caps[gpio];
    }

    public void setIrqSink(IrqSink sink) {
        this.irqSink = sink;
    }

    /**
     * Records each request, interrupt and edge into {@code ring} from now on (null: stop). Call it before the
     * device serves, or on the device's thread.
     */
    public void setActivity(ActivityRing ring) {
        this.activity = ring;
    }

    /** The ring this controller records into, or {@code null}. */
    public ActivityRing activity() {
        return activity;
    }

    /** A line's state in {@link ActivityRing}'s bits; 0 for a line that does not exist. */
    private int stateOf(int gpio) {
        if (gpio < 0 || gpio >= ngpio) {
            return 0;
        }
        int v = value[gpio];
        return (direction[gpio] & ActivityRing.STATE_DIRECTION_MASK) | (v == 1 ? ActivityRing.STATE_VALUE : 0)
                | (v != NO_VALUE ? ActivityRing.STATE_VALUE_SET : 0)
                | (token[gpio] != NO_TOKEN ? ActivityRing.STATE_UNMASKED : 0)
                | (latched[gpio] ? ActivityRing.STATE_LATCHED : 0);
    }

    private int irqCodeOf(int gpio) {
        return gpio < 0 || gpio >= ngpio ? 0 : irqType[gpio].code();
    }

    private void record(byte kind, int gpio, int type, int value, int outcome) {
        ActivityRing ring = activity;
        if (ring != null) {
            ring.write(kind, gpio, type, value, outcome, stateOf(gpio), irqCodeOf(gpio));
        }
    }

    /** The bytes of a correct response to a message of {@code type}: 1 + gpio_names_size for names, else 2. */
    public int responseSize(int type) {
        return type == MessageType.GET_LINE_NAMES.code() ? (int) GpioResponseN.size(namesBlock.length)
                : GpioResponse.SIZE;
    }

    // ---- outcomes: the response in the low 16 bits, the refusal (ordinal + 1) above

    /** The response of an outcome of {@link #handle}, in {@link GpioResponse}'s wire form. */
    public static int response(int outcome) {
        return outcome & 0xffff;
    }

    /** Whether the outcome is a refusal ({@code STATUS_ERR}). */
    public static boolean refused(int outcome) {
        return (outcome >>> 16) != 0;
    }

    /** Why the request was refused, or {@code null} if it was answered OK. */
    public static Refusal refusal(int outcome) {
        int code = outcome >>> 16;
        return code == 0 ? null : REFUSALS[code - 1];
    }

    /** The outcome of a request refused for {@code why}. */
    private static int refuse(Refusal why) {
        return GpioResponse.ERR | (why.ordinal() + 1) << 16;
    }

    private static int ok(int value) {
        return GpioResponse.ok(value);
    }

    /**
     * Handles one requestq message. For GET_LINE_NAMES an OK answer means the names block follows the status.
     *
     * @return the outcome: the response ({@link #response}) and, if refused, why ({@link #refusal})
     */
    public int handle(int type, int gpio, long value) {
        int outcome = answer(type, gpio, value);
        if (logRequests) {
            logRequest(type, gpio, value, outcome);
        }
        if (activity != null) {
            record(ActivityRing.REQUEST, gpio, type, (int) value, outcome);
        }
        return outcome;
    }

    private void logRequest(int type, int gpio, long value, int outcome) {
        MessageType t = MessageType.fromCode(type);
        Refusal why = refusal(outcome);
        String lineName = gpio >= 0 && gpio < ngpio && t != MessageType.GET_LINE_NAMES
                && !lines.lineNames().get(gpio).isEmpty() ? " \"" + lines.lineNames().get(gpio) + "\"" : "";
        LOG.debug("{}: guest {} line {}{} value {}: {}", name, t == null ? "type " + type : t, gpio, lineName,
                valueWord(t, value), why == null ? "ok " + GpioResponse.value(outcome) : "refused: " + why.reason());
    }

    /** A request's value as the spec names it: a direction, an interrupt type or a setting, else the number. */
    private static Object valueWord(MessageType t, long value) {
        Object named = t == MessageType.SET_DIRECTION ? Direction.fromCode(value)
                : t == MessageType.SET_IRQ_TYPE ? IrqType.fromCode(value)
                : t == MessageType.SET_LINE_CONFIG ? settingWord(value) : null;
        return named == null ? value : value + " (" + named + ")";
    }

    private static String settingWord(long value) {
        LineConfig.Param p = LineConfig.Param.fromCode(LineConfig.param(value));
        int arg = LineConfig.argument(value);
        if (p == null) {
            return null;
        }
        Object a = switch (p) {
            case BIAS -> Bias.fromCode(arg) == null ? arg : Bias.fromCode(arg).label();
            case DRIVE -> Drive.fromCode(arg) == null ? arg : Drive.fromCode(arg).label();
            case DEBOUNCE -> arg + " us";
        };
        return p.name().toLowerCase(java.util.Locale.ROOT) + " " + a;
    }

    private int answer(int type, int gpio, long value) {
        MessageType t = MessageType.fromCode(type);
        if (t == null) {
            return refuse(Refusal.UNKNOWN_TYPE);
        }
        if (t == MessageType.GET_LINE_NAMES) {
            return namesBlock.length == 0 ? refuse(Refusal.NO_LINE_NAMES) : ok(0);
        }
        if (gpio < 0 || gpio >= ngpio) {
            return refuse(Refusal.NO_SUCH_LINE);
        }
        try {
            return switch (t) {
                case GET_DIRECTION -> ok(direction[gpio]);
                case SET_DIRECTION -> setDirection(gpio, value);
                case GET_VALUE -> ok(lines.getValue(gpio));
                case SET_VALUE -> setValue(gpio, value);
                case SET_IRQ_TYPE -> setIrqType(gpio, value);
                case GET_LINE_CAPS -> lineConfigNegotiated() ? ok(caps[gpio])
                        : refuse(Refusal.LINE_CONFIG_NOT_NEGOTIATED);
                case SET_LINE_CONFIG -> setLineConfig(gpio, value);
                case GET_LINE_NAMES -> throw new AssertionError("handled above");
            };
        } catch (LineException e) {
            LOG.debug("{}: {} for line {} failed: {}", lines.label(), t, gpio, e.getMessage());
            return refuse(Refusal.LINES_FAILED);
        }
    }

    /** The direction the driver set on {@code gpio}. */
    public Direction direction(int gpio) {
        return Direction.fromCode(direction[gpio]);
    }

    private int setDirection(int gpio, long code) throws LineException {
        Direction d = Direction.fromCode(code);
        if (d == null) {
            return refuse(Refusal.INVALID_DIRECTION);
        }
        switch (d) {
            case NONE -> {
                disableIrq(gpio);
                lines.setDirection(gpio, Direction.NONE, 0);
                value[gpio] = NO_VALUE;
            }
            case OUT -> {
                if (irqType[gpio] != IrqType.NONE) {
                    return refuse(Refusal.INTERRUPT_ENABLED);
                }
                int initial = Math.max(value[gpio], 0);
                lines.setDirection(gpio, Direction.OUT, initial);
                value[gpio] = (byte) initial;
            }
            case IN -> lines.setDirection(gpio, Direction.IN, 0);
        }
        direction[gpio] = (byte) d.code();
        return ok(0);
    }

    private int setValue(int gpio, long v) throws LineException {
        if (v != 0 && v != 1) {
            return refuse(Refusal.INVALID_VALUE);
        }
        if (direction[gpio] == Direction.OUT.code()) {
            lines.setValue(gpio, (int) v);
        }
        value[gpio] = (byte) v;
        return ok(0);
    }

    private int setLineConfig(int gpio, long value) throws LineException {
        if (!lineConfigNegotiated()) {
            return refuse(Refusal.LINE_CONFIG_NOT_NEGOTIATED);
        }
        LineConfig.Param param = LineConfig.Param.fromCode(LineConfig.param(value));
        if (param == null) {
            return refuse(Refusal.INVALID_CONFIG_PARAM);
        }
        int arg = LineConfig.argument(value);
        switch (param) {
            case BIAS -> {
                Bias b = Bias.fromCode(arg);
                if (b == null) {
                    return refuse(Refusal.INVALID_CONFIG_ARGUMENT);
                }
                if ((caps[gpio] & b.cap()) != b.cap()) {
                    return refuse(Refusal.SETTING_UNSUPPORTED);
                }
                lines.setBias(gpio, b);
            }
            case DRIVE -> {
                Drive d = Drive.fromCode(arg);
                if (d == null) {
                    return refuse(Refusal.INVALID_CONFIG_ARGUMENT);
                }
                if ((caps[gpio] & d.cap()) != d.cap()) {
                    return refuse(Refusal.SETTING_UNSUPPORTED);
                }
                lines.setDrive(gpio, d);
            }
            case DEBOUNCE -> {
                if (arg != 0 && (caps[gpio] & LineCaps.DEBOUNCE) == 0) {
                    return refuse(Refusal.SETTING_UNSUPPORTED);
                }
                lines.setDebounce(gpio, arg);
            }
        }
        return ok(0);
    }

    private int setIrqType(int gpio, long code) throws LineException {
        if (!irqNegotiated()) {
            return refuse(Refusal.IRQ_NOT_NEGOTIATED);
        }
        IrqType type = IrqType.fromCode(code);
        if (type == null) {
            return refuse(Refusal.INVALID_IRQ_TYPE);
        }
        IrqType current = irqType[gpio];
        if (type == IrqType.NONE) {
            disableIrq(gpio);
            return ok(0);
        }
        Direction d = direction(gpio);
        if (d == Direction.OUT) {
            return refuse(Refusal.IRQ_ON_OUTPUT);
        }
        if (current == type) {
            return ok(0);
        }
        if (current != IrqType.NONE) {
            return refuse(Refusal.IRQ_TYPE_CHANGED);
        }
        if (d == Direction.NONE) {
            lines.setDirection(gpio, Direction.IN, 0);
            direction[gpio] = (byte) Direction.IN.code();
        }
        lines.setEdgeDetection(gpio, edgeFor(type));
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
            lines.setEdgeDetection(gpio, Edge.NONE);
        }
        complete(gpio, IrqStatus.INVALID);
    }

    /**
     * The driver queued an interrupt buffer pair for {@code gpio} (eventq): the line is unmasked. The pair comes
     * back through the {@link IrqSink} with INVALID at once if the line does not exist, is not enabled, or already
     * has a pair; with VALID at once if an edge was latched or a level interrupt is active.
     *
     * @return why the pair came back INVALID at once, or {@code null} if it was taken
     */
    public Refusal unmask(int gpio, int bufferToken) {
        Refusal refused = gpio < 0 || gpio >= ngpio ? Refusal.IRQ_NO_SUCH_LINE
                : token[gpio] != NO_TOKEN ? Refusal.IRQ_BUFFER_TWICE
                : irqType[gpio] == IrqType.NONE ? Refusal.IRQ_NOT_ENABLED : null;
        if (refused != null) {
            irqSink.complete(bufferToken, gpio, IrqStatus.INVALID.code());
            if (activity != null) {
                record(ActivityRing.UNMASK, gpio, 0, 1, 0);
            }
            return refused;
        }
        token[gpio] = bufferToken;
        if (activity != null) {
            record(ActivityRing.UNMASK, gpio, 0, 0, 0);
        }
        if (latched[gpio] || levelActive(gpio)) {
            latched[gpio] = false;
            complete(gpio, IrqStatus.VALID);
        }
        return null;
    }

    /** An edge from the lines (on the device's thread): fires or latches the line's interrupt. */
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
                if (activity != null) {
                    record(ActivityRing.EDGE, gpio, 0, rising ? 1 : 0, 0); // with the latch it leaves
                }
                return;
            }
        } else {
            fires = type.isLevel() && type.activeAt(rising ? 1 : 0);
        }
        if (activity != null) {
            record(ActivityRing.EDGE, gpio, 0, rising ? 1 : 0, 0);
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
            return type.activeAt(lines.getValue(gpio));
        } catch (LineException e) {
            LOG.debug("{}: cannot read the level of line {}: {}", lines.label(), gpio, e.getMessage());
            return false;
        }
    }

    private void complete(int gpio, IrqStatus status) {
        int t = token[gpio];
        if (t != NO_TOKEN) {
            token[gpio] = NO_TOKEN;
            irqSink.complete(t, gpio, status.code());
            if (activity != null) {
                record(ActivityRing.INTERRUPT, gpio, status.code(), 0, 0);
            }
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
        Arrays.fill(token, NO_TOKEN);
        if (activity != null) {
            record(ActivityRing.DETACHED, 0, 0, 0, 0);
        }
    }

    /**
     * Makes this record of each line's direction and output value agree with the lines where they differ: a
     * request cut short between changing a line and recording it (a fault in the transport's memory, raised a
     * little after the access) leaves the two apart. A value set before a direction (held for a released line)
     * stays.
     *
     * @return how many lines had to be corrected
     */
    public int resyncFromLines() {
        int corrected = 0;
        for (int gpio = 0; gpio < ngpio; gpio++) {
            try {
                Direction d = lines.getDirection(gpio);
                int v = d == Direction.OUT ? lines.getValue(gpio) : value[gpio];
                if (direction[gpio] != d.code() || value[gpio] != v) {
                    direction[gpio] = (byte) d.code();
                    value[gpio] = (byte) v;
                    corrected++;
                }
            } catch (LineException e) {
                LOG.warn("{}: cannot read line {} back: {}", lines.label(), gpio, e.getMessage());
            }
        }
        return corrected;
    }

    /**
     * An edge interrupt of {@code gpio} was delivered into a buffer that never reached the driver (its ring went
     * away with its front end): it is latched again, so that the next buffer the driver queues gets it.
     */
    public void latchAgain(int gpio) {
        if (gpio >= 0 && gpio < ngpio && irqType[gpio].isEdge()) {
            latched[gpio] = true;
        }
    }

    /**
     * Puts every line's bias, drive and debounce period back to the defaults (as-is, push-pull, off), as a driver
     * that has just initialized the device takes them to be: a driver that did not negotiate
     * VIRTIO_GPIO_F_LINE_CONFIG cannot see or undo settings an earlier driver left (docs/line-config.md).
     * Directions and values stay.
     */
    public void resetLineSettings() {
        for (int gpio = 0; gpio < ngpio; gpio++) {
            if (caps[gpio] == 0) {
                continue;
            }
            try {
                lines.setBias(gpio, Bias.AS_IS);
                lines.setDrive(gpio, Drive.PUSH_PULL);
                lines.setDebounce(gpio, 0);
            } catch (LineException e) {
                LOG.warn("{}: line {} may keep an earlier driver's settings: {}", lines.label(), gpio,
                        e.getMessage());
            }
        }
    }

    /**
     * Disables every line's interrupt, as a driver that has just initialized the device takes them to be (Linux
     * does after probe): latched edges are discarded, the lines stop detecting edges, and a held interrupt buffer
     * comes back INVALID. Directions and values stay.
     *
     * @return how many lines had an interrupt enabled
     */
    public int disableInterrupts() {
        int enabled = 0;
        for (int gpio = 0; gpio < ngpio; gpio++) {
            boolean wasEnabled = irqType[gpio] != IrqType.NONE;
            irqType[gpio] = IrqType.NONE;
            latched[gpio] = false;
            complete(gpio, IrqStatus.INVALID);
            if (wasEnabled) {
                enabled++;
                try {
                    lines.setEdgeDetection(gpio, Edge.NONE);
                } catch (LineException e) {
                    LOG.warn("{}: line {} may still detect edges: {}", lines.label(), gpio, e.getMessage());
                }
            }
        }
        if (activity != null) {
            record(ActivityRing.RESET, 0, 0, enabled, 0);
        }
        return enabled;
    }
}
