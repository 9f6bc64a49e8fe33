package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;
import static dev.vgpio.virtio.VirtioException.Reason.UNSUPPORTED;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtio.VirtioTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-gpio device as a GPIO chip, like libgpiod's chip: line count, names (a duplicate name from the device is
 * reported as a spec violation), negotiated features, and {@link LineRequest}s from {@link #requestLines}.
 * Thread-safe: several threads may work on different lines at once; messages for one line are sent one at a time,
 * so the device's per-line ordering holds. Every answer is checked (status, exact used length); a device that
 * answers late (see {@link Options}), wrongly or not at all gives a {@link VirtioException} with its reason, never a
 * hang. Closing the chip releases every line.
 *
 * <p>When the device offers vgpio's VIRTIO_GPIO_F_LINE_CONFIG extension the chip negotiates it (unless
 * {@link Options#lineConfig} says not to) and reads every line's caps with GET_LINE_CAPS while it opens:
 * {@link #lineCaps} says which bias, drive and debounce settings a line takes (reserved bits ignored, as the
 * extension requires of a driver), and {@link LineRequest}s apply those of their {@link LineSettings} with
 * SET_LINE_CONFIG.
 */
public final class GpioChip implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpioChip.class);

    /**
     * How to open a chip.
     *
     * @param requestTimeout how long any answer may take
     * @param queueSize      the size of each virtqueue
     * @param interrupts     whether to negotiate VIRTIO_GPIO_F_IRQ when the device offers it
     * @param lineConfig     whether to negotiate VIRTIO_GPIO_F_LINE_CONFIG when the device offers it
     */
    public record Options(Duration requestTimeout, int queueSize, boolean interrupts, boolean lineConfig) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(1), 256, true);

        /** Options that negotiate VIRTIO_GPIO_F_LINE_CONFIG when it is offered. */
        public Options(Duration requestTimeout, int queueSize, boolean interrupts) {
            this(requestTimeout, queueSize, interrupts, true);
        }
    }

    /** The largest names block the driver reads. */
    private static final long MAX_NAMES = 1 << 20;
    /** Lines whose caps one thread reads at open; a bigger chip has its caps read by several at once. */
    private static final int CAPS_PER_READER = 64;
    /** The most GET_LINE_CAPS requests in flight at once while opening. */
    private static final int CAPS_READERS = 16;

    private final VirtioTransport transport;
    private final long offered;
    private final long features;
    private final GpioConfig config;
    private final RequestDispatch requests;
    private final ReentrantLock[] lineLocks;
    private final List<String> names;
    /** Every line's GET_LINE_CAPS answer; all 0 when VIRTIO_GPIO_F_LINE_CONFIG was not negotiated. */
    private final int[] caps;
    private final EventDispatch events;
    private final LineRequest[] owner;
    private volatile boolean closed;
    private volatile boolean reservedCapsLogged;

    private GpioChip(VirtioTransport transport, Options options) throws VirtioException {
        this.transport = transport;
        this.offered = transport.offeredFeatures();
        if (!VirtioFeature.VERSION_1.in(offered)) {
            throw new VirtioException(UNSUPPORTED, transport.describe() + " does not offer "
                    + VirtioFeature.VERSION_1.specName() + "; only virtio 1.x devices are supported");
        }
        this.features = transport.negotiate(acceptedFeatures(offered, options.interrupts(), options.lineConfig()));
        try {
            this.config = GpioConfig.fromBytes(transport.readConfig(0, GpioConfig.SIZE));
        } catch (IllegalArgumentException e) {
            throw new VirtioException(PROTOCOL_VIOLATION, transport.describe() + ": " + e.getMessage(), e);
        }
        if (config.ngpio() == 0) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation: " + transport.describe()
                    + " reports ngpio = 0");
        }
        boolean eventIdx = VirtioFeature.RING_EVENT_IDX.in(features);
        this.requests = new RequestDispatch(transport,
                new RequestRing(transport, VirtioGpio.REQUESTQ, options.queueSize(), eventIdx),
                options.requestTimeout());
        this.lineLocks = new ReentrantLock[config.ngpio()];
        for (int i = 0; i < lineLocks.length; i++) {
            lineLocks[i] = new ReentrantLock();
        }
        this.owner = new LineRequest[config.ngpio()];
        EventDispatch dispatch = null;
        try {
            if (hasInterrupts()) {
                dispatch = new EventDispatch(this, new EventRing(transport, VirtioGpio.EVENTQ, options.queueSize(),
                        config.ngpio(), eventIdx));
            }
            this.events = dispatch;
            this.names = readNames();
            this.caps = supportsLineConfig() ? readCaps() : new int[config.ngpio()];
        } catch (VirtioException | RuntimeException e) {
            if (dispatch != null) {
                dispatch.close();
            }
            requests.close();
            throw e;
        }
    }

    /**
     * The features a virtio-gpio driver accepts of those offered, as the Linux driver does: VERSION_1, EVENT_IDX,
     * and VIRTIO_GPIO_F_IRQ if it wants {@code interrupts}.
     */
    public static long acceptedFeatures(long offered, boolean interrupts) {
        return acceptedFeatures(offered, interrupts, false);
    }

    /**
     * The features this driver accepts of those offered: those of {@link #acceptedFeatures(long, boolean)}, and
     * vgpio's VIRTIO_GPIO_F_LINE_CONFIG if it wants {@code lineConfig}.
     */
    public static long acceptedFeatures(long offered, boolean interrupts, boolean lineConfig) {
        return offered & (VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask()
                | (interrupts ? GpioFeatures.IRQ : 0) | (lineConfig ? GpioFeatures.LINE_CONFIG : 0));
    }

    /** Opens the device behind {@code transport} with {@link Options#DEFAULT}. */
    public static GpioChip open(VirtioTransport transport) throws VirtioException {
        return open(transport, Options.DEFAULT);
    }

    /** Opens the device behind {@code transport}; the chip owns the transport and closes it. */
    public static GpioChip open(VirtioTransport transport, Options options) throws VirtioException {
        GpioChip chip = null;
        try {
            chip = new GpioChip(transport, options);
            return chip;
        } finally {
            if (chip == null) {
                transport.close();
            }
        }
    }

    public int lineCount() {
        return config.ngpio();
    }

    /** Line names in offset order ("" for an unnamed line; all "" if the device has no names). */
    public List<String> lineNames() {
        return names;
    }

    /** The transport the chip reaches its device through (it owns it). */
    public VirtioTransport transport() {
        return transport;
    }

    /** The features negotiated with the device. */
    public long features() {
        return features;
    }

    public boolean hasInterrupts() {
        return GpioFeatures.hasIrq(features);
    }

    /**
     * Whether VIRTIO_GPIO_F_LINE_CONFIG was negotiated: the device answers GET_LINE_CAPS and SET_LINE_CONFIG, so
     * lines can be given the settings their {@link #lineCaps} name.
     */
    public boolean supportsLineConfig() {
        return GpioFeatures.hasLineConfig(features);
    }

    /**
     * Which settings line {@code offset} takes besides the defaults, as {@link LineCaps} bits (its GET_LINE_CAPS
     * answer, read when the chip opened); 0 when VIRTIO_GPIO_F_LINE_CONFIG was not negotiated.
     *
     * @throws IllegalArgumentException if the line does not exist
     */
    public int lineCaps(int offset) {
        if (offset < 0 || offset >= caps.length) {
            throw new IllegalArgumentException("line " + offset + " does not exist: the chip has " + lineCount()
                    + " lines");
        }
        return caps[offset];
    }

    public String describe() {
        return transport.describe();
    }

    /** The offset of a line given by offset ("3") or name ("BUTTON"). */
    public int resolve(String line) {
        String s = line.trim();
        int byName = names.indexOf(s);
        if (byName >= 0 && !s.isEmpty()) {
            return byName;
        }
        if (s.matches("\\d{1,9}")) {
            int offset = Integer.parseInt(s);
            if (offset < lineCount()) {
                return offset;
            }
            throw new IllegalArgumentException("line " + offset + " does not exist: the chip has " + lineCount()
                    + " lines");
        }
        throw new IllegalArgumentException("no line named \"" + s + "\" on " + describe());
    }

    private List<String> readNames() throws VirtioException {
        long size = config.gpioNamesSize();
        if (size == 0) {
            return Collections.nCopies(lineCount(), "");
        }
        if (size > MAX_NAMES) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation? gpio_names_size is " + size
                    + " bytes; refusing to read more than 1 MiB of names");
        }
        int length = (int) GpioResponseN.size(size);
        long buffer = transport.allocate(length, 8);
        Answer a = send(MessageType.GET_LINE_NAMES.code(), 0, 0, buffer, length);
        if (!a.ok()) {
            throw new VirtioException(REFUSED, "GET_LINE_NAMES failed although gpio_names_size is " + size);
        }
        byte[] block = new byte[(int) size];
        try {
            transport.memory().read(buffer + GpioResponseN.VALUE, block, 0, block.length);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read the names: " + e.getMessage(), e);
        }
        try {
            return LineNames.decode(block, lineCount());
        } catch (InvalidLineNamesException e) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation in the device's line names: "
                    + e.getMessage(), e);
        }
    }

    /** Every line's caps, several lines at once on a big chip (one thread's round trips would add up). */
    private int[] readCaps() throws VirtioException {
        int n = lineCount();
        int[] all = new int[n];
        int readers = Math.min(CAPS_READERS, (n + CAPS_PER_READER - 1) / CAPS_PER_READER);
        if (readers <= 1) {
            for (int line = 0; line < n; line++) {
                all[line] = readCaps(line);
            }
            return all;
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread[] threads = new Thread[readers];
        for (int r = 0; r < readers; r++) {
            int first = r;
            threads[r] = Thread.ofVirtual().name("vgpio-driver-caps-" + r).start(() -> {
                for (int line = first; line < n && failure.get() == null; line += readers) {
                    try {
                        all[line] = readCaps(line);
                    } catch (VirtioException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }
            });
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirtioException(LOCAL_FAILURE, "interrupted while reading the lines' caps", e);
        }
        switch (failure.get()) {
            case null -> {
                return all;
            }
            case VirtioException e -> throw e;
            case RuntimeException e -> throw e;
            default -> throw new IllegalStateException(failure.get());
        }
    }

    private int readCaps(int line) throws VirtioException {
        Answer a = send(MessageType.GET_LINE_CAPS.code(), line, 0, -1, GpioResponse.SIZE);
        if (!a.ok()) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation: " + transport.describe()
                    + " answered GET_LINE_CAPS for line " + line + " with " + statusName(a.status())
                    + " although VIRTIO_GPIO_F_LINE_CONFIG was negotiated");
        }
        if ((a.value() & ~LineCaps.ALL) != 0 && !reservedCapsLogged) {
            reservedCapsLogged = true; // a driver must ignore them (docs/line-config.md): said once, at debug level
            LOG.debug("{}: GET_LINE_CAPS for line {} returned 0x{}; ignoring the reserved bits 6-7",
                    transport.describe(), line, Integer.toHexString(a.value()));
        }
        return a.value() & LineCaps.ALL;
    }

    /**
     * Refuses, before any message is sent, line settings the device did not negotiate or that a line's caps lack.
     * The default settings (as-is, push-pull, no debounce) need nothing.
     *
     * @throws IllegalArgumentException naming the line, the setting and what the line (or the device) supports
     */
    void checkLineConfig(LineSettings s, int[] lines) {
        if (s.hasDefaultLineConfig() || lines.length == 0) {
            return;
        }
        if (!supportsLineConfig()) {
            String why = GpioFeatures.hasLineConfig(offered)
                    ? "the chip was opened without VIRTIO_GPIO_F_LINE_CONFIG (Options.lineConfig), which the device"
                            + " offers"
                    : "the device does not offer VIRTIO_GPIO_F_LINE_CONFIG";
            throw new IllegalArgumentException(String.format("cannot give line %d%s %s: %s, so its lines keep bias"
                    + " as-is, drive push-pull and no debounce", lines[0], lineName(lines[0]),
                    String.join(", ", settingsOf(s, LineCaps.ALL)), why));
        }
        for (int line : lines) {
            List<String> lacking = settingsOf(s, ~caps[line]);
            if (!lacking.isEmpty()) {
                throw new IllegalArgumentException(String.format("line %d%s cannot take %s: it supports %s"
                        + " (GET_LINE_CAPS)", line, lineName(line), String.join(", ", lacking),
                        caps[line] == 0 ? "no setting but the defaults (as-is, push-pull, no debounce)"
                                : LineCaps.describe(caps[line])));
            }
        }
    }

    /** The non-default settings of {@code s} that need one of {@code capMask}'s bits, in words. */
    private static List<String> settingsOf(LineSettings s, int capMask) {
        List<String> out = new ArrayList<>();
        if ((s.bias().cap() & capMask) != 0) {
            out.add("bias " + s.bias().label());
        }
        if ((s.drive().cap() & capMask) != 0) {
            out.add("drive " + s.drive().label());
        }
        if (s.debounceMicros() != 0 && (LineCaps.DEBOUNCE & capMask) != 0) {
            out.add("debounce " + s.debounceMicros() + " us");
        }
        return out;
    }

    /**
     * Sends one raw requestq message and waits for its answer, as the device gave it (an ERR status included).
     * Messages for the same line wait for each other. For tools and tests; {@link #requestLines} is the API.
     *
     * @throws VirtioException on a timeout or a spec violation (wrong used length)
     */
    public Answer sendMessage(int type, int gpio, long value) throws VirtioException {
        return send(type, gpio, value, -1, GpioResponse.SIZE);
    }

    private Answer send(int type, int gpio, long value, long responseAddress, int responseBytes)
            throws VirtioException {
        ReentrantLock line = gpio < lineLocks.length ? lineLocks[gpio] : null;
        if (line != null) {
            line.lock();
        }
        try {
            return requests.send(type, gpio, value, responseAddress, responseBytes);
        } finally {
            if (line != null) {
                line.unlock();
            }
        }
    }

    /**
     * Sends a message that must succeed; an ERR answer is a {@link VirtioException} with reason REFUSED that names
     * the message, the line and the status.
     */
    int checked(MessageType type, int gpio, long value) throws VirtioException {
        Answer a = sendMessage(type.code(), gpio, value);
        if (!a.ok()) {
            boolean config = type == MessageType.SET_LINE_CONFIG;
            throw new VirtioException(REFUSED, String.format("the device refused %s for line %d%s%s: status %s",
                    config ? lineConfigRequest(value) : type.name(), gpio, lineName(gpio),
                    config ? "" : " (value " + value + ")", statusName(a.status())));
        }
        return a.value();
    }

    /** A SET_LINE_CONFIG request with the setting its value carries: {@code SET_LINE_CONFIG(bias pull-up)}. */
    static String lineConfigRequest(long value) {
        int argument = LineConfig.argument(value);
        LineConfig.Param param = LineConfig.Param.fromCode(LineConfig.param(value));
        String setting = param == null ? "param " + LineConfig.param(value) + " argument " + argument
                : switch (param) {
                    case BIAS -> "bias " + (Bias.fromCode(argument) != null ? Bias.fromCode(argument).label()
                            : Integer.toString(argument));
                    case DRIVE -> "drive " + (Drive.fromCode(argument) != null ? Drive.fromCode(argument).label()
                            : Integer.toString(argument));
                    case DEBOUNCE -> "debounce " + argument + " us";
                };
        return "SET_LINE_CONFIG(" + setting + ")";
    }

    static String statusName(int status) {
        Status s = Status.fromCode(status);
        return s != null ? s.name() : Integer.toString(status);
    }

    /** The device failed: every caller now and later gets {@code why}. */
    void fail(VirtioException why) {
        requests.fail(why);
    }

    String lineName(int gpio) {
        return gpio < names.size() && !names.get(gpio).isEmpty() ? " \"" + names.get(gpio) + "\"" : "";
    }

    /** The line's direction as the device reports it. */
    public Direction getDirection(int gpio) throws VirtioException {
        int code = checked(MessageType.GET_DIRECTION, gpio, 0);
        Direction d = Direction.fromCode(code);
        if (d == null) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation: GET_DIRECTION for line " + gpio
                    + " returned " + code);
        }
        return d;
    }

    /**
     * Requests lines with the given settings, like libgpiod's {@code gpiod_chip_request_lines}. Outputs get their
     * value, drive and bias before their direction, so they never glitch; inputs get their bias before their
     * direction and their debounce period after it, and those with a trigger then get their interrupt enabled and
     * unmasked. Settings at their defaults send no SET_LINE_CONFIG.
     *
     * @throws IllegalArgumentException for a line that does not exist, a trigger without VIRTIO_GPIO_F_IRQ, or a
     *     bias, drive or debounce period that VIRTIO_GPIO_F_LINE_CONFIG was not negotiated for or that a line's
     *     caps lack; nothing is sent then
     * @throws IllegalStateException if a line is already held by another request of this chip
     */
    public LineRequest requestLines(LineSettings settings, int... offsets) throws VirtioException {
        if (settings.trigger() != IrqType.NONE && !hasInterrupts()) {
            throw new IllegalArgumentException("the device did not negotiate VIRTIO_GPIO_F_IRQ; no interrupts");
        }
        int[] lines = offsets.clone();
        for (int l : lines) {
            if (l < 0 || l >= lineCount()) {
                throw new IllegalArgumentException("line " + l + " does not exist: the chip has " + lineCount()
                        + " lines");
            }
        }
        checkLineConfig(settings, lines);
        LineRequest r = new LineRequest(this, lines, settings);
        synchronized (owner) {
            for (int l : lines) {
                if (owner[l] != null) {
                    throw new IllegalStateException("line " + l + lineName(l) + " is already requested");
                }
            }
            for (int l : lines) {
                owner[l] = r;
            }
        }
        try {
            r.configure();
        } catch (VirtioException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    void released(LineRequest r) {
        synchronized (owner) {
            for (int i = 0; i < owner.length; i++) {
                if (owner[i] == r) {
                    owner[i] = null;
                }
            }
        }
    }

    EventDispatch events() {
        return events;
    }

    LineRequest ownerOf(int line) {
        synchronized (owner) {
            return owner[line];
        }
    }

    /** Releases every requested line, stops the queues and closes the transport. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        List<LineRequest> open = new ArrayList<>();
        synchronized (owner) {
            Arrays.stream(owner).filter(r -> r != null && !open.contains(r)).forEach(open::add);
        }
        for (LineRequest r : open) {
            r.close();
        }
        closed = true;
        if (events != null) {
            events.close();
        }
        requests.close();
        transport.close();
    }

    void transportAwait(int queue, Duration timeout) throws VirtioException, InterruptedException {
        transport.awaitNotification(queue, timeout);
    }
}
