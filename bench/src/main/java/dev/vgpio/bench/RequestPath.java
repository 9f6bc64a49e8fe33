package dev.vgpio.bench;

import dev.vgpio.device.GpioDevice;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.VirtioFeatures;
import java.lang.foreign.Arena;

/**
 * The device's request path in one process, as a guest and a transport would drive it: guest memory over a native
 * arena region, a driver-side and a device-side view of the same split ring (256 entries, EVENT_IDX), a
 * {@link SimulatedChip} of 8 lines behind a {@link GpioDevice} and a {@link VirtioGpioDevice} serving the requestq
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
        memory = GuestMemory.of(GuestRegion.of(BASE, arena.allocate(0x2_0000, 4096)));
        chip = SimulatedChip.withLines("bench", LINES, "line");
        GpioDevice gpio = new GpioDevice(chip);
        gpio.negotiate(0);
        for (int line = 0; line < LINES; line++) {
            Direction d = line < LINES / 2 ? Direction.OUT : Direction.IN;
            int answer = gpio.handle(MessageType.SET_DIRECTION.code(), line, d.code());
            if (GpioDevice.status(answer) != Status.OK.code()) {
                throw new IllegalStateException("cannot set line " + line + " to " + d + ": " + gpio.lastError());
            }
        }
        device = new VirtioGpioDevice(gpio);
        QueueConfig config = QueueConfig.contiguous(RING, QUEUE_SIZE);
        long ringFeatures = VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX)
                | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC) | VirtioFeatures.bit(VirtioFeatures.VERSION_1);
        driver = DriverQueue.create(memory, config, true);
        driver.setInterrupts(true);
        device.attachRequestQueue(memory, DeviceQueue.create(memory, config, ringFeatures), () -> { });
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
        memory.writeU16(at, type.code());
        memory.writeU16(at + 2, line);
        memory.writeU32(at + 4, value);
    }

    private void chain(int slot) throws Exception {
        long at = BUFFERS + (long) SLOT * slot;
        driver.submitPair(at, VirtioGpio.REQUEST_SIZE, at + 8, VirtioGpio.RESPONSE_SIZE);
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
        device.processRequestQueue();
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
        long at = BUFFERS + (long) SLOT * (i < 0 ? SINGLE_SLOT : i) + 8;
        return new int[] {memory.readU8(at), memory.readU8(at + 1)};
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
