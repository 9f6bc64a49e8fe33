package dev.vgpio.driver;

import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-gpio device as a GPIO chip, like libgpiod's chip: line count, names (a duplicate name from the device is
 * reported as a spec violation), negotiated features, and {@link LineRequest}s. Thread-safe: several threads may work
 * on different lines at once; messages for one line are sent one at a time, so the device's per-line ordering holds.
 * Every answer is checked (status, exact used length); a device that answers late (see {@link Options}), wrongly or
 * not at all gives a {@link DriverException}, never a hang. Closing the chip releases every line.
 */
public final class GpioChip implements AutoCloseable {
    /** How to open a chip. */
    public record Options(Duration requestTimeout, int queueSize, boolean interrupts) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(1), 256, true);
    }

    private static final Logger LOG = LoggerFactory.getLogger(GpioChip.class);
    private static final long VERSION_1 = 1L << 32;
    private static final long EVENT_IDX = 1L << 29;
    private static final Duration POLL = Duration.ofMillis(100);

    private final VirtioTransport transport;
    private final Options options;
    private final long features;
    private final GpioConfig config;
    private final RequestRing requests;
    private final ReentrantLock ringLock = new ReentrantLock();
    private final Condition slotFree = ringLock.newCondition();
    private final Pending[] pending;
    private final ReentrantLock[] lineLocks;
    private final List<String> names;
    private final EventDispatch events;
    private final Thread completer;
    private final LineRequest[] owner;
    private volatile String broken;
    private volatile boolean closed;

    /**
     * One request slot's answer. The waiter and the completion thread hand the slot over with {@link #state}: the
     * completion thread moves WAITING to DONE and the waiter releases the slot after reading the answer; a waiter that
     * gives up moves WAITING to ABANDONED and the completion thread releases the slot when the late answer comes.
     */
    private static final class Pending {
        static final int WAITING = 0;
        static final int DONE = 1;
        static final int ABANDONED = 2;
        final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
        volatile Thread waiter;
        int status;
        int value;
        int usedLength;
    }

    private GpioChip(VirtioTransport transport, Options options) throws IOException {
        this.transport = transport;
        this.options = options;
        long offered = transport.offeredFeatures();
        if ((offered & VERSION_1) == 0) {
            throw new DriverException(transport.describe() + " does not offer VIRTIO_F_VERSION_1; only virtio 1.x"
                    + " devices are supported");
        }
        long want = VERSION_1 | (offered & EVENT_IDX) | (options.interrupts() ? (offered & GpioFeatures.IRQ) : 0);
        this.features = transport.negotiate(want);
        byte[] raw = transport.readConfig(0, VirtioGpio.CONFIG_SIZE);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        this.config = new GpioConfig(Short.toUnsignedInt(b.getShort(0)), Integer.toUnsignedLong(b.getInt(4)));
        if (config.ngpio() == 0) {
            throw new DriverException("spec violation: " + transport.describe() + " reports ngpio = 0");
        }
        boolean eventIdx = (features & EVENT_IDX) != 0;
        this.requests = new RequestRing(transport, VirtioGpio.REQUESTQ, options.queueSize(), eventIdx);
        this.pending = new Pending[requests.capacity()];
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new Pending();
        }
        this.lineLocks = new ReentrantLock[config.ngpio()];
        for (int i = 0; i < lineLocks.length; i++) {
            lineLocks[i] = new ReentrantLock();
        }
        this.owner = new LineRequest[config.ngpio()];
        this.completer = Thread.ofPlatform().daemon().name("vgpio-driver-requestq").start(this::completeLoop);
        this.events = hasInterrupts()
                ? new EventDispatch(this, new EventRing(transport, VirtioGpio.EVENTQ, options.queueSize(),
                        config.ngpio(), eventIdx))
                : null;
        this.names = readNames();
    }

    /** Opens the device behind {@code transport} with {@link Options#DEFAULT}. */
    public static GpioChip open(VirtioTransport transport) throws IOException {
        return open(transport, Options.DEFAULT);
    }

    /** Opens the device behind {@code transport}; the chip owns the transport and closes it. */
    public static GpioChip open(VirtioTransport transport, Options options) throws IOException {
        try {
            return new GpioChip(transport, options);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    public int lineCount() {
        return config.ngpio();
    }

    /** Line names in offset order ("" for an unnamed line; all "" if the device has no names). */
    public List<String> lineNames() {
        return names;
    }

    public GpioConfig config() {
        return config;
    }

    /** The features negotiated with the device. */
    public long features() {
        return features;
    }

    public boolean hasInterrupts() {
        return (features & GpioFeatures.IRQ) != 0;
    }

    public String describe() {
        return transport.describe();
    }

    public Options options() {
        return options;
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

    private List<String> readNames() throws IOException {
        long size = config.gpioNamesSize();
        if (size == 0) {
            return java.util.Collections.nCopies(lineCount(), "");
        }
        if (size > 1 << 20) {
            throw new DriverException("spec violation? gpio_names_size is " + size + " bytes; refusing to read more"
                    + " than 1 MiB of names");
        }
        long buffer = transport.allocate(1 + size, 8);
        Answer a = call(MessageType.GET_LINE_NAMES.code(), 0, 0, buffer, (int) (1 + size));
        if (!a.ok()) {
            throw new RequestFailedException("GET_LINE_NAMES failed although gpio_names_size is " + size);
        }
        byte[] block = new byte[(int) size];
        try {
            transport.memory().read(buffer + 1, block, 0, block.length);
        } catch (GuestMemoryException e) {
            throw new DriverException("cannot read the names: " + e.getMessage(), e);
        }
        try {
            return LineNames.decode(block, lineCount());
        } catch (InvalidLineNamesException e) {
            throw new DriverException("spec violation in the device's line names: " + e.getMessage(), e);
        }
    }

    /**
     * Sends one requestq message and waits for its answer (the raw answer, errors included). Messages for the same
     * line wait for each other.
     *
     * @throws DriverException on a timeout or a spec violation (wrong used length)
     */
    public Answer request(int type, int gpio, long value) throws DriverException {
        return call(type, gpio, value, -1, VirtioGpio.RESPONSE_SIZE);
    }

    Answer call(int type, int gpio, long value, long responseAddress, int responseBytes) throws DriverException {
        ReentrantLock line = gpio < lineLocks.length ? lineLocks[gpio] : null;
        if (line != null) {
            line.lock();
        }
        try {
            return send(type, gpio, value, responseAddress, responseBytes);
        } finally {
            if (line != null) {
                line.unlock();
            }
        }
    }

    private Answer send(int type, int gpio, long value, long responseAddress, int responseBytes)
            throws DriverException {
        checkUsable();
        Pending p;
        int slot;
        ringLock.lock();
        try {
            while (requests.freeSlots() == 0) {
                checkUsable();
                slotFree.awaitUninterruptibly();
            }
            slot = requests.submit(type, gpio, value, responseAddress, responseBytes);
            p = pending[slot];
            p.waiter = Thread.currentThread();
            p.state.set(Pending.WAITING);
            requests.kick(VirtioGpio.REQUESTQ);
        } catch (IOException e) {
            throw e instanceof DriverException d ? d : new DriverException(e.getMessage(), e);
        } finally {
            ringLock.unlock();
        }
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        while (p.state.get() != Pending.DONE) {
            long left = deadline - System.nanoTime();
            if ((left <= 0 || broken != null) && p.state.compareAndSet(Pending.WAITING, Pending.ABANDONED)) {
                throw new DriverException(broken != null ? broken : String.format(
                        "%s did not answer %s for line %d within %d ms", transport.describe(), typeName(type), gpio,
                        options.requestTimeout().toMillis()));
            }
            LockSupport.parkNanos(this, Math.max(left, 1000));
        }
        Answer answer = new Answer(p.status, p.value, p.usedLength);
        ringLock.lock();
        try {
            requests.release(slot);
            slotFree.signal();
        } finally {
            ringLock.unlock();
        }
        if (answer.usedLength() != responseBytes) {
            throw new DriverException(String.format("spec violation: %s answered %s for line %d with used length %d;"
                    + " it must be %d", transport.describe(), typeName(type), gpio, answer.usedLength(), responseBytes));
        }
        return answer;
    }

    static String typeName(int type) {
        MessageType t = MessageType.fromCode(type);
        return t != null ? t.name() : "message type " + type;
    }

    private void completeLoop() {
        while (!closed) {
            try {
                transport.awaitNotification(VirtioGpio.REQUESTQ, POLL);
                ringLock.lock();
                try {
                    requests.drain(this::answered);
                } finally {
                    ringLock.unlock();
                }
            } catch (DriverException e) {
                if (!closed) {
                    fail(e.getMessage());
                }
                return;
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    fail("lost the device: " + e.getMessage());
                }
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs on the completion thread with {@link #ringLock} held. */
    private void answered(int slot, int status, int value, int usedLength) {
        Pending p = pending[slot];
        p.status = status;
        p.value = value;
        p.usedLength = usedLength;
        if (p.state.compareAndSet(Pending.WAITING, Pending.DONE)) {
            LockSupport.unpark(p.waiter);
        } else {
            requests.release(slot); // its waiter gave up: the late answer frees the slot
            slotFree.signal();
        }
    }

    void fail(String why) {
        if (broken == null) {
            broken = why;
            // the caller gets this as a DriverException; a library does not also log it as an error
            LOG.debug("{}: {}", transport.describe(), why);
        }
        ringLock.lock();
        try {
            slotFree.signalAll();
        } finally {
            ringLock.unlock();
        }
        for (Pending p : pending) {
            Thread w = p.waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private void checkUsable() throws DriverException {
        if (closed) {
            throw new DriverException("the chip is closed");
        }
        if (broken != null) {
            throw new DriverException(broken);
        }
    }

    /** Sends a request that must succeed; an ERR answer becomes a {@link RequestFailedException}. */
    int checked(MessageType type, int gpio, long value) throws DriverException {
        Answer a = request(type.code(), gpio, value);
        if (!a.ok()) {
            throw new RequestFailedException(String.format("the device refused %s for line %d%s (value %d)",
                    type.name(), gpio, lineName(gpio), value));
        }
        return a.value();
    }

    String lineName(int gpio) {
        return gpio < names.size() && !names.get(gpio).isEmpty() ? " \"" + names.get(gpio) + "\"" : "";
    }

    /** The line's direction as the device reports it. */
    public Direction getDirection(int gpio) throws DriverException {
        int code = checked(MessageType.GET_DIRECTION, gpio, 0);
        Direction d = Direction.fromCode(code);
        if (d == null) {
            throw new DriverException("spec violation: GET_DIRECTION for line " + gpio + " returned " + code);
        }
        return d;
    }

    /**
     * Requests lines with the given settings. Outputs get their value before their direction, so they never glitch;
     * inputs with a trigger get their interrupt enabled and unmasked.
     *
     * @throws IllegalStateException if a line is already held by another request of this chip
     */
    public LineRequest request(LineSettings settings, int... offsets) throws DriverException {
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
        } catch (DriverException | RuntimeException e) {
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
        completer.interrupt();
        try {
            completer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }

    boolean isClosed() {
        return closed;
    }

    void transportAwait(int queue, Duration timeout) throws IOException, InterruptedException {
        transport.awaitNotification(queue, timeout);
    }
}
