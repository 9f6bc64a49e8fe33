package dev.vgpio.conformance;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;

import dev.vgpio.driver.Answer;
import dev.vgpio.driver.EventRing;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.RequestRing;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtio.VirtioTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One driver session with the device under test, at the level of raw rings: features negotiated as asked, the
 * configuration read once, a {@link RequestRing} (several requests may be in flight) and, when VIRTIO_GPIO_F_IRQ was
 * negotiated, an {@link EventRing}. VIRTIO_GPIO_F_LINE_CONFIG (vgpio's extension) is negotiated only when asked.
 * Nothing is checked here: answers come back as the device gave them and are recorded in the suite's
 * {@link Observations}; every wait has a deadline. Not thread-safe.
 */
final class Session implements AutoCloseable {
    static final int QUEUE_SIZE = 64;
    /** The largest names block the suite reads (as the Java driver). */
    static final long MAX_NAMES = 1 << 20;
    /** What the driver writes into response bytes before handing them over; a byte still holding it was not set. */
    static final int FILL = 0xee;
    private static final Duration SLICE = Duration.ofMillis(20);

    /** An eventq pair the device returned, in the order returned. */
    record Event(int line, int status, int usedLength, long atNanos) {
        boolean valid() {
            return status == IrqStatus.VALID.code();
        }

        @Override
        public String toString() {
            return "line " + line + " " + eventStatus(status) + " (used length " + usedLength + ")";
        }
    }

    /** A GET_LINE_NAMES answer and the names block that came with it. */
    record Names(Answer answer, byte[] block) {
    }

    private record Sent(int type, int gpio, long value, int expectedLength) {
    }

    private final String check;
    private final VirtioTransport transport;
    private final Observations observations;
    private final Duration timeout;
    private final long offered;
    private final long negotiated;
    private final byte[] config;
    private final int ngpio;
    private final long namesSize;
    private final RequestRing requests;
    private final EventRing events;
    private final Map<Integer, Sent> sent = new HashMap<>();
    private final Map<Integer, Answer> answers = new HashMap<>();
    private final List<Integer> arrivals = new ArrayList<>();
    private final ArrayDeque<Event> returned = new ArrayDeque<>();
    private long namesBuffer = -1;
    private volatile boolean closed;

    private Session(String check, VirtioTransport transport, boolean wantIrq, boolean wantLineConfig,
            Observations observations, Duration timeout) throws IOException {
        this.check = check;
        this.transport = transport;
        this.observations = observations;
        this.timeout = timeout;
        this.offered = transport.offeredFeatures();
        this.negotiated = transport.negotiate(GpioChip.acceptedFeatures(offered, wantIrq, wantLineConfig));
        this.config = transport.readConfig(0, GpioConfig.SIZE);
        GpioConfig decoded;
        try {
            decoded = GpioConfig.fromBytes(config);
        } catch (IllegalArgumentException e) {
            throw new VirtioException(PROTOCOL_VIOLATION, "the device returned " + config.length
                    + " configuration bytes, not " + GpioConfig.SIZE, e);
        }
        this.ngpio = decoded.ngpio();
        this.namesSize = decoded.gpioNamesSize();
        boolean eventIdx = VirtioFeature.RING_EVENT_IDX.in(negotiated);
        this.requests = new RequestRing(transport, VirtioGpio.REQUESTQ, QUEUE_SIZE, eventIdx);
        this.events = (negotiated & GpioFeatures.IRQ) != 0
                ? new EventRing(transport, VirtioGpio.EVENTQ, QUEUE_SIZE, Math.max(1, ngpio), eventIdx)
                : null;
    }

    /**
     * Opens a session: a new transport from the target, features negotiated (VERSION_1, EVENT_IDX if offered, and
     * VIRTIO_GPIO_F_IRQ if offered and {@code wantIrq}; not VIRTIO_GPIO_F_LINE_CONFIG, as the Linux driver), both
     * queues started. The transport is closed on failure.
     */
    static Session open(Target target, String check, boolean wantIrq, Observations observations)
            throws IOException {
        return open(target, check, wantIrq, false, observations);
    }

    /**
     * Like {@link #open(Target, String, boolean, Observations)}, negotiating VIRTIO_GPIO_F_LINE_CONFIG too if it is
     * offered and {@code wantLineConfig}.
     */
    static Session open(Target target, String check, boolean wantIrq, boolean wantLineConfig,
            Observations observations) throws IOException {
        VirtioTransport t = target.opener().open();
        try {
            return new Session(check, t, wantIrq, wantLineConfig, observations, target.timeout());
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    long offered() {
        return offered;
    }

    /** Whether VIRTIO_GPIO_F_IRQ was negotiated (the eventq runs). */
    boolean irq() {
        return events != null;
    }

    /** Whether VIRTIO_GPIO_F_LINE_CONFIG was negotiated. */
    boolean lineConfig() {
        return GpioFeatures.hasLineConfig(negotiated);
    }

    byte[] config() {
        return config.clone();
    }

    int ngpio() {
        return ngpio;
    }

    long namesSize() {
        return namesSize;
    }

    String describe() {
        return transport.describe();
    }

    // ---- requestq

    /** Sends one message and waits for its answer. */
    Answer call(int type, int gpio, long value) throws IOException {
        int slot = submit(type, gpio, value);
        kick();
        return await(slot);
    }

    /** Puts a message on the ring without notifying the device; returns its slot. */
    int submit(int type, int gpio, long value) throws VirtioException {
        int slot = requests.submit(type, gpio & 0xffff, value);
        sent.put(slot, new Sent(type, gpio, value, GpioResponse.SIZE));
        return slot;
    }

    /** Notifies the device of new requests (if it asked to be notified). */
    void kick() throws IOException {
        requests.kick(VirtioGpio.REQUESTQ);
    }

    /** Waits for the answer to the message in {@code slot}; then the slot is free again. */
    Answer await(int slot) throws IOException {
        Sent s = sent.get(slot);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            collectAnswers();
            Answer a = answers.remove(slot);
            if (a != null) {
                sent.remove(slot);
                requests.release(slot);
                return a;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CheckFailed(String.format("no answer to %s within %d ms", describe(s),
                        timeout.toMillis()));
            }
            waitFor(VirtioGpio.REQUESTQ, left);
        }
    }

    /** The slots whose answers have arrived, in the order the device put them on the used ring. */
    List<Integer> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Sends GET_LINE_NAMES with a response buffer of 1 + gpio_names_size bytes and waits for the answer. */
    Names names() throws IOException {
        if (namesSize > MAX_NAMES) {
            throw new CheckFailed("gpio_names_size is " + namesSize + " bytes; the suite reads at most " + MAX_NAMES);
        }
        int length = (int) GpioResponseN.size(namesSize);
        if (namesBuffer < 0) {
            namesBuffer = transport.allocate(length, 8);
        }
        byte[] fill = new byte[length];
        java.util.Arrays.fill(fill, (byte) FILL);
        try {
            transport.memory().write(namesBuffer, fill, 0, length);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot prepare the names buffer: " + e.getMessage(), e);
        }
        int slot = requests.submit(MessageType.GET_LINE_NAMES.code(), 0, 0, namesBuffer, length);
        sent.put(slot, new Sent(MessageType.GET_LINE_NAMES.code(), 0, 0, length));
        kick();
        Answer a = await(slot);
        byte[] block = new byte[(int) namesSize];
        try {
            transport.memory().read(namesBuffer + GpioResponseN.VALUE, block, 0, block.length);
        } catch (GuestMemoryException e) {
            throw new VirtioException(LOCAL_FAILURE, "cannot read the names block: " + e.getMessage(), e);
        }
        return new Names(a, block);
    }

    private void collectAnswers() throws VirtioException {
        requests.drain((slot, status, value, usedLength) -> {
            Sent s = sent.get(slot);
            arrivals.add(slot);
            answers.put(slot, new Answer(status, value, usedLength));
            if (s != null) {
                boolean names = s.type() == MessageType.GET_LINE_NAMES.code();
                observations.answered(new Observations.Answered(check, s.type(), s.gpio(), s.value(), status,
                        names ? -1 : value, usedLength, s.expectedLength()));
            }
        });
    }

    // ---- eventq

    /** Queues the interrupt buffer pair of {@code line} (unmasks it) and notifies the device. */
    void queue(int line) throws IOException {
        requireEvents().queueAgain(line);
    }

    /** Queues a second pair for a line that has one queued already (a driver must not; robustness checks do). */
    void queueAgain(int line) throws IOException {
        requireEvents().queueAgain(line);
    }

    /** The next pair the device returns within {@code within}, or null. */
    Event awaitEvent(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            collectEvents();
            if (!returned.isEmpty()) {
                return returned.poll();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            waitFor(VirtioGpio.EVENTQ, left);
        }
    }

    /** Every pair the device returns within {@code period} (waits the whole period). */
    List<Event> collect(Duration period) throws IOException {
        long deadline = System.nanoTime() + period.toNanos();
        List<Event> got = new ArrayList<>();
        while (true) {
            collectEvents();
            while (!returned.isEmpty()) {
                got.add(returned.poll());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return got;
            }
            waitFor(VirtioGpio.EVENTQ, left);
        }
    }

    private void collectEvents() throws VirtioException {
        requireEvents().drain((line, status, usedLength) -> {
            returned.add(new Event(line, status, usedLength, System.nanoTime()));
            observations.returned(new Observations.Returned(check, line, status, usedLength));
        });
    }

    private EventRing requireEvents() {
        if (events == null) {
            throw new IllegalStateException("VIRTIO_GPIO_F_IRQ was not negotiated in this session");
        }
        return events;
    }

    private void waitFor(int queue, long leftNanos) throws IOException {
        try {
            transport.awaitNotification(queue, Duration.ofNanos(Math.min(leftNanos, SLICE.toNanos())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirtioException(LOCAL_FAILURE, "interrupted", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            transport.close();
        }
    }

    boolean isClosed() {
        return closed;
    }

    // ---- names for messages

    static String describe(Sent s) {
        return s == null ? "a request" : message(s.type(), s.gpio(), s.value());
    }

    /** "SET_DIRECTION(OUT) for line 3", "message type 7 for line 0". */
    static String message(int type, int gpio, long value) {
        MessageType t = MessageType.fromCode(type);
        if (t == null) {
            return "message type " + type + " for line " + gpio;
        }
        String arg = switch (t) {
            case SET_DIRECTION -> "(" + directionName(value) + ")";
            case SET_VALUE -> "(" + value + ")";
            case SET_IRQ_TYPE -> "(" + irqTypeName(value) + ")";
            case SET_LINE_CONFIG -> "(" + settingName(value) + ")";
            default -> "";
        };
        return t == MessageType.GET_LINE_NAMES ? "GET_LINE_NAMES" : t.name() + arg + " for line " + gpio;
    }

    static String directionName(long value) {
        var d = dev.vgpio.protocol.Direction.fromCode(value);
        return d != null ? d.name() : Long.toString(value);
    }

    /** A SET_LINE_CONFIG value in words: "bias pull-up", "debounce 1000 us", "param 9 argument 0". */
    static String settingName(long value) {
        int param = LineConfig.param(value);
        int arg = LineConfig.argument(value);
        LineConfig.Param p = LineConfig.Param.fromCode(param);
        if (p == null || value >>> 32 != 0) {
            return String.format("param %d argument %d", param, arg);
        }
        return switch (p) {
            case BIAS -> "bias " + (Bias.fromCode(arg) != null ? Bias.fromCode(arg).label() : hex(arg));
            case DRIVE -> "drive " + (Drive.fromCode(arg) != null ? Drive.fromCode(arg).label() : hex(arg));
            case DEBOUNCE -> "debounce " + arg + " us";
        };
    }

    private static String hex(int argument) {
        return "0x" + Integer.toHexString(argument);
    }

    static String irqTypeName(long value) {
        var t = dev.vgpio.protocol.IrqType.fromCode(value);
        return t != null ? t.name() : "0x" + Long.toHexString(value);
    }

    static String status(int status) {
        return switch (status) {
            case 0 -> "OK";
            case 1 -> "ERR";
            default -> "status " + status + String.format(" (0x%02x)", status);
        };
    }

    static String eventStatus(int status) {
        return switch (status) {
            case 0 -> "INVALID";
            case 1 -> "VALID";
            default -> "status " + status;
        };
    }
}
