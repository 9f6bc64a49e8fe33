package dev.vgpio.device;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.MalformedChainException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link GpioDevice} over virtqueues in guest memory: the requestq (queue 0) and, when VIRTIO_GPIO_F_IRQ
 * was negotiated, the eventq (queue 1). A transport (vhost-user, in-process) attaches the queues, calls
 * {@link #processRequestQueue()} / {@link #processEventQueue()} when the driver notifies, and
 * {@link #deliverEdges()} when the wakeup it set runs; all on one thread. Serving a request allocates nothing.
 *
 * <p>Nothing a driver puts in memory can stop the device: a malformed chain is logged and returned with length 0; a
 * request of the wrong size gets STATUS_ERR; a chain without a writable buffer is dropped with a log line; a queue
 * whose rings are unreachable is marked broken until it is attached again.
 */
public final class VirtioGpioDevice implements IrqSink, VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioGpioDevice.class);
    private static final ValueLayout.OfShort LE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GpioDevice device;
    private final EdgeInbox inbox = new EdgeInbox(4096);
    private final MemorySegment scratch;
    private final MemorySegment namesResponse;

    private GuestMemory memory;
    private DeviceQueue requestq;
    private DeviceQueue eventq;
    private DescriptorChain requestChain;
    private DescriptorChain eventChain;
    private long[] eventStatusAddress = new long[0];
    private Notifier requestNotifier = () -> { };
    private Notifier eventNotifier = () -> { };
    private Notifier requestError = () -> { };
    private Notifier eventError = () -> { };
    private boolean eventUsedPending;
    private long requests;
    private long errors;
    private long dropped;

    public VirtioGpioDevice(GpioDevice device) {
        this.device = device;
        Arena arena = Arena.ofAuto();
        this.scratch = arena.allocate(16, 8);
        byte[] names = device.namesBlock();
        this.namesResponse = arena.allocate(1 + names.length, 1);
        MemorySegment.copy(names, 0, namesResponse, ValueLayout.JAVA_BYTE, 1, names.length);
        device.setIrqSink(this);
        device.backend().setEventListener(inbox);
    }

    public GpioDevice device() {
        return device;
    }

    /** Called (on the backend's thread) when edges wait in {@link #deliverEdges()}; the transport wakes its loop. */
    public void setEdgeWakeup(Runnable wakeup) {
        inbox.setWakeup(wakeup);
    }

    /** Serves the requestq from now on. */
    public void attachRequestQueue(GuestMemory memory, DeviceQueue queue, Notifier notifier) {
        this.memory = memory;
        this.requestq = queue;
        this.requestChain = queue.newChain();
        this.requestNotifier = notifier;
    }

    /** Serves the eventq from now on (only when VIRTIO_GPIO_F_IRQ was negotiated). */
    public void attachEventQueue(GuestMemory memory, DeviceQueue queue, Notifier notifier) {
        this.memory = memory;
        this.eventq = queue;
        this.eventChain = queue.newChain();
        this.eventStatusAddress = new long[queue.size()];
        this.eventNotifier = notifier;
        device.detachInterrupts();
    }

    /** Stops serving the requestq. */
    public void detachRequestQueue() {
        requestq = null;
    }

    /**
     * Stops serving the eventq: held interrupt buffers are forgotten (a reconnecting front end offers them again),
     * line state and interrupt configuration stay.
     */
    public void detachEventQueue() {
        eventq = null;
        device.detachInterrupts();
    }

    /** Requests answered since creation. */
    public long requestsServed() {
        return requests;
    }

    /** Requests answered with STATUS_ERR since creation. */
    public long errorsAnswered() {
        return errors;
    }

    /** Chains dropped or returned empty because they were malformed or had no room for a response. */
    public long chainsDropped() {
        return dropped;
    }

    /** Edges the backend reported that were lost because the device thread fell far behind. */
    public long edgesLost() {
        return inbox.lost();
    }

    /**
     * Serves every request the driver has made available, then notifies the driver if it asked to be. Answers are
     * put on the used ring as each request is served and published together ({@link DeviceQueue#putUsed}): once
     * per batch of chains the queue saw available, and before the notification decision.
     */
    public void processRequestQueue() {
        DeviceQueue q = requestq;
        if (q == null) {
            return;
        }
        try {
            boolean used = false;
            do {
                q.setNotification(false);
                while (true) {
                    try {
                        if (!q.pop(requestChain)) {
                            break;
                        }
                        serveRequest(q, requestChain);
                    } catch (MalformedChainException e) {
                        LOG.warn("requestq: {}", e.getMessage());
                        dropped++;
                        if (!e.returnable()) {
                            continue;
                        }
                        q.putUsed(e.head(), 0);
                    }
                    used = true;
                }
                q.setNotification(true);
            } while (q.hasAvailable());
            if (used && q.needsNotification()) {
                requestNotifier.notifyDriver();
            }
        } catch (BrokenQueueException e) {
            LOG.error("requestq stopped until the driver sets it up again: {}", e.getMessage());
            requestq = null;
            requestError.notifyDriver();
        }
        flushEvents();
    }

    private void serveRequest(DeviceQueue q, DescriptorChain chain) {
        int head = chain.head();
        if (chain.writableCount() == 0) {
            LOG.warn("requestq: chain {} has no device-writable buffer for a response; dropped", head);
            dropped++;
            q.putUsed(head, 0);
            return;
        }
        requests++;
        int written;
        try {
            written = answer(chain);
        } catch (GuestMemoryException e) {
            LOG.warn("requestq: chain {} left guest memory: {}", head, e.getMessage());
            dropped++;
            written = 0;
        }
        q.putUsed(head, written);
    }

    /**
     * Checks the request in {@code chain}, has the device handle it and writes the response.
     *
     * @return the bytes written into the chain's writable buffers
     */
    private int answer(DescriptorChain chain) throws GuestMemoryException {
        if (chain.readableBytes() != VirtioGpio.REQUEST_SIZE) {
            return refuse(chain, "request is " + chain.readableBytes() + " bytes, not 8");
        }
        long request = readRequest(chain);
        int type = (int) request & 0xffff;
        int gpio = (int) (request >>> 16) & 0xffff;
        long value = request >>> 32;
        if (chain.writableBytes() != device.responseSize(type)) {
            return refuse(chain, "response buffer has the wrong size");
        }
        int packed = device.handle(type, gpio, value);
        int status = GpioDevice.status(packed);
        if (status != Status.OK.code()) {
            errors++;
            if (LOG.isDebugEnabled()) {
                LOG.debug("requestq: type {} line {} value {} -> ERR: {}", type, gpio, value, device.lastError());
            }
        }
        if (type == MessageType.GET_LINE_NAMES.code() && status == Status.OK.code()) {
            namesResponse.set(ValueLayout.JAVA_BYTE, 0, (byte) status);
            return chain.writeTo(memory, namesResponse, 0, (int) namesResponse.byteSize());
        }
        return writeResponse(chain, status, GpioDevice.value(packed));
    }

    /**
     * The 8-byte request of {@code chain} (whose readable bytes are 8) as a little-endian {@code type | gpio << 16 |
     * value << 32}: read in place when the first buffer holds it all, as drivers send it, else gathered.
     */
    private long readRequest(DescriptorChain chain) throws GuestMemoryException {
        if (chain.length(0) == VirtioGpio.REQUEST_SIZE && chain.memory() == memory) {
            return chain.segment(0).get(LE64, chain.segmentOffset(0));
        }
        chain.readFrom(memory, scratch, 0, VirtioGpio.REQUEST_SIZE);
        return scratch.get(LE64, 0);
    }

    /**
     * Writes the response {status, value} cut to the chain's writable bytes, which the caller checked are the
     * response size for the request (a device without names answers GET_LINE_NAMES with a 1-byte ERR response, as
     * gpio_names_size is 0): in place when one 2-byte buffer takes it, else scattered.
     *
     * @return the bytes written
     */
    private int writeResponse(DescriptorChain chain, int status, int value) throws GuestMemoryException {
        int first = chain.readableCount();
        if (chain.writableCount() == 1 && chain.length(first) == VirtioGpio.RESPONSE_SIZE
                && chain.memory() == memory) {
            chain.segment(first).set(LE16, chain.segmentOffset(first), (short) (status | value << 8));
            return VirtioGpio.RESPONSE_SIZE;
        }
        scratch.set(ValueLayout.JAVA_BYTE, 8, (byte) status);
        scratch.set(ValueLayout.JAVA_BYTE, 9, (byte) value);
        return chain.writeTo(memory, scratch, 8, (int) chain.writableBytes());
    }

    /** Writes an ERR answer of {status, 0}, cut to the room the driver gave; returns the bytes written. */
    private int refuse(DescriptorChain chain, String why) throws GuestMemoryException {
        errors++;
        LOG.debug("requestq: chain {}: {} -> ERR", chain.head(), why);
        scratch.set(ValueLayout.JAVA_BYTE, 8, (byte) Status.ERR.code());
        scratch.set(ValueLayout.JAVA_BYTE, 9, (byte) 0);
        return chain.writeTo(memory, scratch, 8, (int) Math.min(chain.writableBytes(), 2));
    }

    /** Takes the interrupt buffer pairs the driver queued (each unmasks one line). */
    public void processEventQueue() {
        DeviceQueue q = eventq;
        if (q == null) {
            return;
        }
        try {
            do {
                q.setNotification(false);
                while (true) {
                    try {
                        if (!q.pop(eventChain)) {
                            break;
                        }
                        takeEventBuffer(q, eventChain);
                    } catch (MalformedChainException e) {
                        LOG.warn("eventq: {}", e.getMessage());
                        dropped++;
                        if (e.returnable()) {
                            q.addUsed(e.head(), 0);
                            eventUsedPending = true;
                        }
                    }
                }
                q.setNotification(true);
            } while (q.hasAvailable());
        } catch (BrokenQueueException e) {
            LOG.error("eventq stopped until the driver sets it up again: {}", e.getMessage());
            eventq = null;
            device.detachInterrupts();
            eventError.notifyDriver();
        }
        flushEvents();
    }

    private void takeEventBuffer(DeviceQueue q, DescriptorChain chain) throws BrokenQueueException {
        int head = chain.head();
        try {
            if (chain.readableBytes() != VirtioGpio.IRQ_REQUEST_SIZE
                    || chain.writableBytes() != VirtioGpio.IRQ_RESPONSE_SIZE) {
                LOG.warn("eventq: chain {} is not a 2-byte request and a 1-byte response; returned INVALID", head);
                dropped++;
                scratch.set(ValueLayout.JAVA_BYTE, 8, (byte) IrqStatus.INVALID.code());
                q.addUsed(head, chain.writeTo(memory, scratch, 8, 1));
                eventUsedPending = true;
                return;
            }
            chain.readFrom(memory, scratch, 0, 2);
            eventStatusAddress[head] = chain.address(chain.readableCount());
            device.unmask(Short.toUnsignedInt(scratch.get(LE16, 0)), head);
        } catch (GuestMemoryException e) {
            LOG.warn("eventq: chain {} left guest memory: {}", head, e.getMessage());
            dropped++;
            q.addUsed(head, 0);
            eventUsedPending = true;
        }
    }

    /** Delivers edges the backend reported since the last call; interrupts go out on the eventq. */
    public void deliverEdges() {
        inbox.drain(device::onEdge);
        flushEvents();
    }

    @Override
    public void complete(int token, int gpio, int status) {
        DeviceQueue q = eventq;
        if (q == null) {
            return;
        }
        try {
            memory.writeU8(eventStatusAddress[token], status);
            q.addUsed(token, VirtioGpio.IRQ_RESPONSE_SIZE);
            eventUsedPending = true;
        } catch (GuestMemoryException | BrokenQueueException e) {
            LOG.error("eventq: cannot return the buffer of line {}: {}", gpio, e.getMessage());
        }
    }

    private void flushEvents() {
        DeviceQueue q = eventq;
        if (!eventUsedPending || q == null) {
            return;
        }
        eventUsedPending = false;
        try {
            if (q.needsNotification()) {
                eventNotifier.notifyDriver();
            }
        } catch (BrokenQueueException e) {
            LOG.error("eventq stopped until the driver sets it up again: {}", e.getMessage());
            eventq = null;
            device.detachInterrupts();
            eventError.notifyDriver();
        }
    }

    @Override
    public int deviceId() {
        return VirtioGpio.DEVICE_ID;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public long deviceFeatures() {
        return device.offeredFeatures();
    }

    @Override
    public void negotiate(long features) {
        device.negotiate(features);
    }

    @Override
    public boolean queueAvailable(int index) {
        return index == VirtioGpio.REQUESTQ || (index == VirtioGpio.EVENTQ && device.irqNegotiated());
    }

    @Override
    public int configSize() {
        return VirtioGpio.CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, MemorySegment dst, int length) {
        if (offset < 0 || length < 0 || offset + length > VirtioGpio.CONFIG_SIZE) {
            throw new IllegalArgumentException("config read of " + length + " bytes at " + offset
                    + " is outside the " + VirtioGpio.CONFIG_SIZE + "-byte virtio-gpio configuration space");
        }
        MemorySegment config = Arena.ofAuto().allocate(VirtioGpio.CONFIG_SIZE);
        device.config().encode(config, 0);
        MemorySegment.copy(config, offset, dst, 0, length);
    }

    @Override
    public void startQueue(int index, GuestMemory memory, DeviceQueue queue, Notifier used, Notifier error) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> {
                attachRequestQueue(memory, queue, used);
                requestError = error;
            }
            case VirtioGpio.EVENTQ -> {
                attachEventQueue(memory, queue, used);
                eventError = error;
            }
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
    }

    @Override
    public void stopQueue(int index) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> detachRequestQueue();
            case VirtioGpio.EVENTQ -> detachEventQueue();
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
    }

    @Override
    public void queueNotified(int index) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> processRequestQueue();
            case VirtioGpio.EVENTQ -> processEventQueue();
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        setEdgeWakeup(wakeup);
    }

    @Override
    public void onWakeup() {
        deliverEdges();
    }
}
