package dev.vgpio.bench;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.PickedLines;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.RingFeatures;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's request path in one process, as a guest and a transport would drive it: guest memory over a native
 * arena region, a driver-side and a device-side view of the same split ring (256 entries, EVENT_IDX), a
 * {@link SimulatedChip} of 8 lines behind a {@link GpioController} and a {@link VirtioGpioDevice} serving the requestq
 * (its used notifier does nothing). Requests are written into their buffers once, at set-up; each round builds
 * the chains, publishes them, lets the device serve them and collects the used elements.
 *
 * <p>Lines 0..3 are outputs and 4..7 inputs. {@link #submitOne()} queues one GET_VALUE; {@link #submitBatch()}
 * queues {@value #BATCH} requests, GET_VALUE / SET_VALUE / GET_DIRECTION in turn over all 8 lines (every line gets
 * every kind), which fill the 256 descriptors exactly. Not thread-safe.
 */
public final class RequestPath implements AutoCloseable {
    /** Entries of the requestq's split ring. */
    public static final int QUEUE_SIZE = 256;
    /** Requests in one batch: two descriptors each, so a batch fills the ring. */
    public static final int BATCH = QUEUE_SIZE / 2;
    /** Lines of the simulated chip. */
    public static final int LINES = 8;

    private static final long BASE = 0x1000_0000L;
    private static final long RING = BASE;
    private static final long BUFFERS = BASE + 0x1_0000;
    /** A request at +0, its 2-byte response at +8. */
    private static final int SLOT = 16;
    private static final int SINGLE_SLOT = BATCH;
    private static final int SINGLE_LINE = 5;

    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final SimulatedChip chip;
    private final VirtioGpioDevice device;
    private final DriverQueue driver;
    private final DriverQueue.UsedHandler onUsed = this::onUsed;
    private int usedCount;
    private int usedBytes;
    private long rounds;

    public RequestPath() throws Exception {
        this(false);
    }

    /**
     * @param picked whether the device serves the chip's lines through {@link PickedLines} (as a device picked from
     *     several chips does, here in reverse order), rather than the chip itself
     */
    public RequestPath(boolean picked) throws Exception {
        memory = GuestMemory.of(GuestRegion.of(BASE, arena.allocate(0x2_0000, 4096)));
        chip = SimulatedChip.withLines("bench", LINES, "line");
        GpioLines lines = chip;
        if (picked) {
            List<PickedLines.Pick> picks = new ArrayList<>();
            for (int line = 0; line < LINES; line++) {
                picks.add(new PickedLines.Pick(chip, LINES - 1 - line, "picked" + line));
            }
            lines = new PickedLines("bench-picked", picks);
        }
        GpioController gpio = new GpioController(lines);
        for (int line = 0; line < LINES; line++) {
            Direction d = line < LINES / 2 ? Direction.OUT : Direction.IN;
            int outcome = gpio.handle(MessageType.SET_DIRECTION.code(), line, d.code());
            if (GpioController.refused(outcome)) {
                throw new IllegalStateException("cannot set line " + line + " to " + d + ": "
                        + GpioController.refusal(outcome).reason());
            }
        }
        device = new VirtioGpioDevice(gpio);
        device.negotiate(VirtioFeature.SPLIT_RING);
        QueueConfig config = QueueConfig.contiguous(RING, QUEUE_SIZE);
        driver = DriverQueue.create(memory, config, true);
        driver.setInterrupts(true);
        device.startQueue(VirtioGpio.REQUESTQ, DeviceQueue.create(memory, config, RingFeatures.ALL), () -> { },
                () -> { });
        for (int i = 0; i < BATCH; i++) {
            writeRequest(i, batchType(i), i % LINES, (i / LINES) & 1);
        }
        writeRequest(SINGLE_SLOT, MessageType.GET_VALUE, SINGLE_LINE, 0);
    }

    /** The kind of the {@code i}th request of a batch: GET_VALUE, SET_VALUE, GET_DIRECTION in turn. */
    static MessageType batchType(int i) {
        return switch (i % 3) {
            case 0 -> MessageType.GET_VALUE;
            case 1 -> MessageType.SET_VALUE;
            default -> MessageType.GET_DIRECTION;
        };
    }

    private void writeRequest(int slot, MessageType type, int line, int value) throws Exception {
        long at = BUFFERS + (long) SLOT * slot;
        GpioRequest.write(memory.slice(at, GpioRequest.SIZE), 0, type.code(), line, value);
    }

    private void chain(int slot) throws Exception {
        long at = BUFFERS + (long) SLOT * slot;
        driver.submitPair(at, GpioRequest.SIZE, at + GpioRequest.SIZE, GpioResponse.SIZE);
    }

    /** Driver side: makes one GET_VALUE request available (and asks whether to kick, as a driver would). */
    public void submitOne() throws Exception {
        chain(SINGLE_SLOT);
        driver.publish();
        driver.kickNeeded();
    }

    /** Driver side: makes the {@value #BATCH} requests of a batch available. */
    public void submitBatch() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            chain(i);
        }
        driver.publish();
        driver.kickNeeded();
    }

    /** Device side: what a transport does when the driver kicks the requestq. */
    public void serve() {
        device.queueNotified(VirtioGpio.REQUESTQ);
    }

    /**
     * Driver side: collects the used elements.
     *
     * @return the bytes the device reported written, summed over the elements
     * @throws IllegalStateException unless exactly {@code expected} elements came back
     */
    public int drain(int expected) throws Exception {
        usedCount = 0;
        usedBytes = 0;
        driver.drainUsed(onUsed);
        if (usedCount != expected) {
            throw new IllegalStateException("expected " + expected + " used elements, the device returned "
                    + usedCount);
        }
        rounds++;
        return usedBytes;
    }

    private void onUsed(int head, int length) {
        usedCount++;
        usedBytes += length;
    }

    /** One GET_VALUE round trip through the rings. */
    public int oneRequest() throws Exception {
        submitOne();
        serve();
        return drain(1);
    }

    /** {@value #BATCH} mixed requests through the rings in one round. */
    public int batch() throws Exception {
        submitBatch();
        serve();
        return drain(BATCH);
    }

    public VirtioGpioDevice device() {
        return device;
    }

    public SimulatedChip chip() {
        return chip;
    }

    /** The response (status, value) the device wrote for batch request {@code i}, or for the single one at -1. */
    public int[] response(int i) throws Exception {
        long at = BUFFERS + (long) SLOT * (i < 0 ? SINGLE_SLOT : i) + GpioRequest.SIZE;
        int response = memory.readU16(at);
        return new int[] {GpioResponse.status(response), GpioResponse.value(response)};
    }

    /**
     * Checks that every request so far was answered OK with nothing dropped.
     *
     * @throws IllegalStateException if the device answered an error or dropped a chain
     */
    public void verify() {
        if (device.errorsAnswered() != 0 || device.chainsDropped() != 0) {
            throw new IllegalStateException("the device answered " + device.errorsAnswered() + " requests with ERR and"
                    + " dropped " + device.chainsDropped() + " chains over " + rounds + " rounds");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
