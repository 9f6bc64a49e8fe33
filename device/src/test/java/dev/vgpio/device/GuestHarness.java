package dev.vgpio.device;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.RingFeatures;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest's view of a {@link VirtioGpioDevice}: guest memory laid out as a driver would (requestq, eventq, buffers
 * in one region), driver-side queues that build real chains, and helpers that send requests and collect answers.
 */
final class GuestHarness implements AutoCloseable {
    static final long BASE = 0x1000_0000L;
    static final int QUEUE_SIZE = 64;
    static final long REQUESTQ = BASE;
    static final long EVENTQ = BASE + 0x1_0000;
    static final long REQ_BUFS = BASE + 0x4_0000;
    static final long EVT_BUFS = BASE + 0x8_0000;
    static final long SLOT = 0x400;

    /** One answer from the device. */
    record Answer(int head, int usedLength, byte[] bytes) {
        int status() {
            return bytes.length > 0 ? bytes[0] & 0xff : -1;
        }

        int value() {
            return bytes.length > 1 ? bytes[1] & 0xff : -1;
        }
    }

    final Arena arena = Arena.ofShared();
    final GuestMemory memory = GuestMemory.of(GuestRegion.of(BASE, arena.allocate(0x10_0000, 4096)));
    final VirtioGpioDevice virtio;
    final DriverQueue requestq;
    final DriverQueue eventq;
    int requestNotifications;
    int eventNotifications;
    private final int[] writableOf = new int[QUEUE_SIZE];

    private final boolean irq;
    private DeviceQueue deviceRequestq;
    private DeviceQueue deviceEventq;

    GuestHarness(GpioController controller, boolean irq) throws Exception {
        this(new VirtioGpioDevice(controller), irq);
    }

    /**
     * A driver that has just initialized {@code device} (fresh rings in memory of its own), as a new VM's driver
     * finds a device that an earlier front end used.
     */
    GuestHarness(VirtioGpioDevice device, boolean irq) throws Exception {
        virtio = device;
        this.irq = irq;
        virtio.negotiate(VirtioFeature.SPLIT_RING | (irq ? GpioFeatures.IRQ : 0));
        requestq = DriverQueue.create(memory, QueueConfig.contiguous(REQUESTQ, QUEUE_SIZE), true);
        eventq = DriverQueue.create(memory, QueueConfig.contiguous(EVENTQ, QUEUE_SIZE), true);
        requestq.setInterrupts(true);
        eventq.setInterrupts(true);
        startQueues(0, 0, 0, 0);
    }

    private void startQueues(int requestAvail, int requestUsed, int eventAvail, int eventUsed) throws Exception {
        deviceRequestq = DeviceQueue.create(memory, requestq.config(), RingFeatures.ALL);
        deviceRequestq.setPositions(requestAvail, requestUsed);
        virtio.startQueue(VirtioGpio.REQUESTQ, deviceRequestq, () -> requestNotifications++, () -> { });
        if (irq) {
            deviceEventq = DeviceQueue.create(memory, eventq.config(), RingFeatures.ALL);
            deviceEventq.setPositions(eventAvail, eventUsed);
            virtio.startQueue(VirtioGpio.EVENTQ, deviceEventq, () -> eventNotifications++, () -> { });
        }
    }

    private int stoppedRequestAvail;
    private int stoppedEventAvail;

    /** The front end stops the device's queues (it goes away, or pauses the VM). */
    void stopQueues() {
        stoppedRequestAvail = deviceRequestq.nextAvail();
        stoppedEventAvail = irq ? deviceEventq.nextAvail() : 0;
        virtio.stopQueue(VirtioGpio.REQUESTQ);
        if (irq) {
            virtio.stopQueue(VirtioGpio.EVENTQ);
        }
    }

    /**
     * The same driver carries on after a stop: each queue starts again at the available index where the device
     * stopped, as a front end resumes a paused VM (vhost-user's GET_VRING_BASE, then SET_VRING_BASE).
     */
    void resume() throws Exception {
        int requestAvail = deviceRequestq.nextAvail();
        int eventAvail = irq ? deviceEventq.nextAvail() : 0;
        stopQueues();
        startQueues(requestAvail, deviceRequestq.readUsedIdx(), eventAvail, irq ? deviceEventq.readUsedIdx() : 0);
    }

    /** After {@link #stopQueues()}: the front end resumes each queue at the available index where it stopped. */
    void startAgainWhereStopped() throws Exception {
        startQueues(stoppedRequestAvail, deviceRequestq.readUsedIdx(), stoppedEventAvail,
                irq ? deviceEventq.readUsedIdx() : 0);
    }

    /**
     * After {@link #stopQueues()}: a front end that lost its connection resumes each queue at its used index
     * (QEMU after a reconnect), so buffers the device held but never used are available to it again.
     */
    void startAtUsedIndex() throws Exception {
        int requestUsed = deviceRequestq.readUsedIdx();
        int eventUsed = irq ? deviceEventq.readUsedIdx() : 0;
        startQueues(requestUsed, requestUsed, eventUsed, eventUsed);
    }

    /** The front end kicks the eventq: the device takes what is available (again, after a rewind). */
    void offerUnusedAgain() {
        virtio.queueNotified(VirtioGpio.EVENTQ);
    }

    /** Submits a request split over {@code readSplits} readable buffers and the given writable buffers. */
    int submit(byte[] request, int[] readSplits, int[] writableLengths) throws Exception {
        long base = REQ_BUFS + SLOT * nextSlot++;
        if (nextSlot == 128) {
            nextSlot = 0;
        }
        memory.write(base, request, 0, request.length);
        memory.fill(base + 0x100, SLOT - 0x100, (byte) 0xee);
        requestq.begin();
        int off = 0;
        for (int len : readSplits) {
            requestq.readable(base + off, len);
            off += len;
        }
        long w = base + 0x100;
        int total = 0;
        for (int len : writableLengths) {
            requestq.writable(w, len);
            w += len;
            total += len;
        }
        int head = requestq.submit();
        writableOf[head] = total;
        slotOf[head] = base + 0x100;
        requestq.publish();
        return head;
    }

    private int nextSlot;
    private final long[] slotOf = new long[QUEUE_SIZE];

    /** Lets the device serve the requestq and collects the answers in used-ring order. */
    List<Answer> serve() throws Exception {
        virtio.queueNotified(VirtioGpio.REQUESTQ);
        List<Answer> answers = new ArrayList<>();
        List<int[]> used = new ArrayList<>();
        requestq.drainUsed((h, len) -> used.add(new int[] {h, len}));
        for (int[] u : used) {
            byte[] bytes = new byte[Math.min(u[1], writableOf[u[0]])];
            memory.read(slotOf[u[0]], bytes, 0, bytes.length);
            answers.add(new Answer(u[0], u[1], bytes));
        }
        return answers;
    }

    /** Sends one well-formed request and returns the device's answer. */
    Answer request(MessageType type, int gpio, long value) throws Exception {
        return request(type.code(), gpio, value);
    }

    Answer request(int type, int gpio, long value) throws Exception {
        int size = type == MessageType.GET_LINE_NAMES.code()
                ? 1 + (int) virtio.controller().config().gpioNamesSize() : 2;
        submit(GpioRequest.toBytes(type, gpio, value), new int[] {8}, new int[] {size});
        List<Answer> answers = serve();
        if (answers.size() != 1) {
            throw new AssertionError("expected one answer, got " + answers.size());
        }
        return answers.getFirst();
    }

    /** Queues an interrupt buffer pair for {@code gpio} on the eventq (unmasks it) and lets the device take it. */
    int unmask(int gpio) throws Exception {
        long base = EVT_BUFS + 16L * nextEvent++;
        if (nextEvent == 1024) {
            nextEvent = 0;
        }
        memory.writeU16(base, gpio);
        memory.writeU8(base + 8, 0xee);
        int head = eventq.begin().readable(base, 2).writable(base + 8, 1).submit();
        eventStatus[head] = base + 8;
        eventLine[head] = gpio;
        eventq.publish();
        virtio.queueNotified(VirtioGpio.EVENTQ);
        return head;
    }

    private int nextEvent;
    private final long[] eventStatus = new long[QUEUE_SIZE];
    private final int[] eventLine = new int[QUEUE_SIZE];

    /** Interrupt buffers the device returned: {line, status, used length}. */
    List<int[]> events() throws Exception {
        List<int[]> out = new ArrayList<>();
        List<int[]> used = new ArrayList<>();
        eventq.drainUsed((h, len) -> used.add(new int[] {h, len}));
        for (int[] u : used) {
            out.add(new int[] {eventLine[u[0]], memory.readU8(eventStatus[u[0]]), u[1]});
        }
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
