package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;
import static dev.vgpio.virtio.VirtioException.Reason.UNSUPPORTED;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtio.VirtioTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A virtio-gpio device as a GPIO chip, like libgpiod's chip: line count, names (a duplicate name from the device is
 * reported as a spec violation), negotiated features, and {@link LineRequest}s from {@link #requestLines}.
 * Thread-safe: several threads may work on different lines at once; messages for one line are sent one at a time,
 * so the device's per-line ordering holds. Every answer is checked (status, exact used length); a device that
 * answers late (see {@link Options}), wrongly or not at all gives a {@link VirtioException} with its reason, never a
 * hang. Closing the chip releases every line.
 */
public final class GpioChip implements AutoCloseable {
    /** How to open a chip. */
    public record Options(Duration requestTimeout, int queueSize, boolean interrupts) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(1), 256, true);
    }

    /** The largest names block the driver reads. */
    private static final long MAX_NAMES = 1 << 20;

    private final VirtioTransport transport;
    private final long features;
    private final GpioConfig config;
    private final RequestDispatch requests;
    private final ReentrantLock[] lineLocks;
    private final List<String> names;
    private final EventDispatch events;
    private final LineRequest[] owner;
    private volatile boolean closed;

    private GpioChip(VirtioTransport transport, Options options) throws VirtioException {
        this.transport = transport;
        long offered = transport.offeredFeatures();
        if (!VirtioFeature.VERSION_1.in(offered)) {
            throw new VirtioException(UNSUPPORTED, transport.describe() + " does not offer "
                    + VirtioFeature.VERSION_1.specName() + "; only virtio 1.x devices are supported");
        }
        this.features = transport.negotiate(acceptedFeatures(offered, options.interrupts()));
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
        return offered & (VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask()
                | (interrupts ? GpioFeatures.IRQ : 0));
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

    /** The features negotiated with the device. */
    public long features() {
        return features;
    }

    public boolean hasInterrupts() {
        return GpioFeatures.hasIrq(features);
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

    /** Sends a message that must succeed; an ERR answer is a {@link VirtioException} with reason REFUSED. */
    int checked(MessageType type, int gpio, long value) throws VirtioException {
        Answer a = sendMessage(type.code(), gpio, value);
        if (!a.ok()) {
            throw new VirtioException(REFUSED, String.format("the device refused %s for line %d%s (value %d)",
                    type.name(), gpio, lineName(gpio), value));
        }
        return a.value();
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
     * value before their direction, so they never glitch; inputs with a trigger get their interrupt enabled and
     * unmasked.
     *
     * @throws IllegalStateException if a line is already held by another request of this chip
     */
    public LineRequest requestLines(LineSettings settings, int... offsets) throws VirtioException {
        if (settings.trigger() != IrqType.NONE && !hasInterrupts()) {
            throw new IllegalArgumentException("the device did not negotiate VIRTIO_GPIO_F_IRQ; no interrupts");
        }
        int[] lines = offsets.clone();
        LineRequest r = new LineRequest(this, lines, settings);
        synchronized (owner) {
            for (int l : lines) {
                if (l < 0 || l >= lineCount()) {
                    throw new IllegalArgumentException("line " + l + " does not exist: the chip has " + lineCount()
                            + " lines");
                }
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
