package dev.vgpio.device;

import dev.vgpio.lines.LineEventListener;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.IrqRequest;
import dev.vgpio.protocol.IrqResponse;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.FeatureNames;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.MalformedChainException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtio-gpio device: serves a {@link GpioController} over virtqueues in guest memory, the requestq (queue 0)
 * and, when VIRTIO_GPIO_F_IRQ was negotiated, the eventq (queue 1). A transport (vhost-user, in-process) drives it
 * through {@link VirtioDevice} alone, all on one thread. Serving a request allocates nothing.
 *
 * <p>Nothing a driver puts in memory can stop the device: a malformed chain is logged and returned with length 0; a
 * request of the wrong size gets STATUS_ERR; a chain without a writable buffer is dropped with a log line; a queue
 * whose rings are unreachable is marked broken until it is started again.
 */
public final class VirtioGpioDevice implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioGpioDevice.class);
    /** Where requests are gathered in {@link #scratch}, and where responses are put together for scattering. */
    private static final long SCRATCH_REQUEST = 0;
    private static final long SCRATCH_RESPONSE = GpioRequest.SIZE;

    private final GpioController controller;
    private final EdgeInbox inbox = new EdgeInbox(4096);
    /** Edges read on this thread (from the lines' {@code eventFd}) go straight to the controller. */
    private final LineEventListener direct;
    private final MemorySegment scratch;
    private final MemorySegment namesResponse;
    private final MemorySegment config;

    private DeviceQueue requestq;
    private DeviceQueue eventq;
    private DescriptorChain requestChain;
    private DescriptorChain eventChain;
    private long[] eventStatusAddress = new long[0];
    /** The available index the eventq stopped at while it held buffers it may resume with, or -1. */
    private int eventStoppedAt = -1;
    /** Per head, the status of a held buffer completed while the eventq was stopped (-1: none), and its line. */
    private int[] deferredStatus = new int[0];
    private int[] deferredLine = new int[0];
    private Notifier requestNotifier = () -> { };
    private Notifier eventNotifier = () -> { };
    private Notifier requestError = () -> { };
    private Notifier eventError = () -> { };
    private boolean eventUsedPending;
    /** The requestq started at index 0 and has carried no SET_IRQ_TYPE since: a driver that is just starting. */
    private boolean newDriver;
    private long requests;
    private long errors;
    private long dropped;
    private long eventBuffers;

    public VirtioGpioDevice(GpioController controller) {
        this.controller = controller;
        Arena arena = Arena.ofAuto();
        this.scratch = arena.allocate(SCRATCH_RESPONSE + GpioResponse.SIZE, 8);
        byte[] names = controller.namesBlock();
        this.namesResponse = arena.allocate(GpioResponseN.size(names.length), 1);
        namesResponse.set(ValueLayout.JAVA_BYTE, GpioResponseN.STATUS, (byte) Status.OK.code());
        MemorySegment.copy(names, 0, namesResponse, ValueLayout.JAVA_BYTE, GpioResponseN.VALUE, names.length);
        this.config = arena.allocate(GpioConfig.SIZE);
        controller.config().encode(config, 0);
        controller.setIrqSink(this::returnIrqBuffer);
        controller.lines().setEventListener(inbox);
        this.direct = (gpio, rising, timestampNanos) -> controller.onEdge(gpio, rising);
    }

    public GpioController controller() {
        return controller;
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

    /**
     * Interrupt buffers put back on the eventq since creation, whatever their status (VALID, INVALID, or empty
     * because malformed): with no edges, a number that keeps growing means the driver and the device disagree about
     * a line's interrupt (each INVALID makes the driver queue the pair again).
     */
    public long eventBuffersReturned() {
        return eventBuffers;
    }

    /** Edges the lines reported that were lost because the device thread fell far behind. */
    public long edgesLost() {
        return inbox.lost();
    }

    // ---- VirtioDevice: what a transport calls

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
        return controller.offeredFeatures();
    }

    @Override
    public FeatureNames featureNames() {
        return GpioFeatures.NAMES;
    }

    @Override
    public void negotiate(long features) {
        controller.negotiate(features);
    }

    @Override
    public boolean queueAvailable(int index) {
        return index == VirtioGpio.REQUESTQ || (index == VirtioGpio.EVENTQ && controller.irqNegotiated());
    }

    @Override
    public int configSize() {
        return GpioConfig.SIZE;
    }

    @Override
    public void readConfig(int offset, MemorySegment dst, int length) {
        if (offset < 0 || length < 0 || offset + length > GpioConfig.SIZE) {
            throw new IllegalArgumentException("config read of " + length + " bytes at " + offset
                    + " is outside the " + GpioConfig.SIZE + "-byte virtio-gpio configuration space");
        }
        MemorySegment.copy(config, offset, dst, 0, length);
    }

    @Override
    public void startQueue(int index, DeviceQueue queue, Notifier used, Notifier error) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> {
                requestq = queue;
                newDriver = atStart(queue);
                requestChain = queue.newChain();
                requestNotifier = used;
                requestError = error;
            }
            case VirtioGpio.EVENTQ -> {
                boolean resumes = eventStoppedAt >= 0 && queue.nextAvail() == eventStoppedAt
                        && eventStatusAddress.length == queue.size()
                        && ((queue.nextAvail() - queue.nextUsed()) & 0xffff) == keptBuffers();
                if (!resumes) {
                    forgetHeldBuffers();
                    eventStatusAddress = new long[queue.size()];
                    deferredStatus = new int[queue.size()];
                    deferredLine = new int[queue.size()];
                    java.util.Arrays.fill(deferredStatus, -1);
                }
                eventStoppedAt = -1;
                eventq = queue;
                eventChain = queue.newChain();
                eventNotifier = used;
                eventError = error;
                if (resumes) {
                    returnDeferred();
                }
            }
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
        disableInterruptsIfNewDriver();
    }

    /**
     * A driver that has just initialized the device (a new VM, a rebooted guest, a reloaded driver) starts its
     * queues at index 0 with nothing used, and takes every line's interrupt to be disabled and masked: Linux does so
     * after probe, and every line's settings to be the defaults (bias as-is, push-pull, no debouncing: they are put
     * back). Interrupts an earlier driver left enabled (its VM was killed while it waited for edges) would
     * refuse the new driver's trigger type and its outputs, and hand it edges latched for the old one; so they are
     * disabled once both queues are there, before the eventq is served. A driver that carries on where it stopped (a
     * paused VM, a front end that reconnects) resumes its queues at the indexes they reached and keeps its
     * interrupts: disabling them would bounce each buffer it queues back INVALID, which Linux queues again at once.
     *
     * <p>Only a driver that has sent no SET_IRQ_TYPE since its requestq started at 0 counts as new, so nothing it
     * enabled is lost. A driver that resumes exactly at a multiple of 65536 requests and of 65536 interrupt buffers
     * cannot be told from a new one.
     */
    private void disableInterruptsIfNewDriver() {
        if (!newDriver || controller.irqNegotiated() && (eventq == null || !atStart(eventq))) {
            return;
        }
        newDriver = false;
        controller.resetLineSettings();
        int disabled = controller.disableInterrupts();
        if (disabled > 0) {
            LOG.info("a new driver: the interrupts an earlier driver left enabled on {} lines are disabled", disabled);
        }
    }

    private static boolean atStart(DeviceQueue q) {
        return q.nextAvail() == 0 && q.nextUsed() == 0;
    }

    /**
     * Stops serving a queue; line state and interrupt configuration stay until a new driver starts the queues. The
     * eventq's held interrupt buffers are kept: if it starts again at the available index where it stopped (a paused
     * VM resumed, guest memory remapped) the driver still waits for them and offers them no more, so they are served
     * as before, and an interrupt that came meanwhile is returned then. If it starts anywhere else (a new driver, or
     * a front end that reconnected and rewinds to the used index, offering them again) they are forgotten, and an
     * edge delivered to one that never reached the driver is latched again for the next.
     */
    @Override
    public void stopQueue(int index) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> {
                requestq = null;
                newDriver = false;
            }
            case VirtioGpio.EVENTQ -> {
                eventStoppedAt = eventq != null ? eventq.nextAvail() : -1;
                eventq = null;
            }
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
    }

    /**
     * The front end went away: buffers held for its eventq belong to a ring that no longer exists, whatever index
     * the next front end starts at. A reconnecting front end offers them again from its used index.
     */
    @Override
    public void driverGone() {
        if (eventq == null) {
            forgetHeldBuffers();
        }
        int corrected = controller.resyncFromLines();
        if (corrected > 0) {
            LOG.warn("the record of {} lines differed from the lines after the front end went away; corrected",
                    corrected);
        }
    }

    /** Buffers the device still holds for a stopped eventq: held by the controller, or completed meanwhile. */
    private int keptBuffers() {
        int n = 0;
        for (int gpio = 0; gpio < controller.config().ngpio(); gpio++) {
            n += controller.isUnmasked(gpio) ? 1 : 0;
        }
        for (int status : deferredStatus) {
            n += status >= 0 ? 1 : 0;
        }
        return n;
    }

    /** Held buffers will not be served again: the controller forgets them; undelivered edges latch again. */
    private void forgetHeldBuffers() {
        controller.detachInterrupts();
        for (int head = 0; head < deferredStatus.length; head++) {
            if (deferredStatus[head] == IrqStatus.VALID.code()) {
                controller.latchAgain(deferredLine[head]);
            }
            deferredStatus[head] = -1;
        }
        eventStoppedAt = -1;
    }

    /** The eventq resumed: buffers completed while it was stopped go back to the driver now. */
    private void returnDeferred() {
        for (int head = 0; head < deferredStatus.length; head++) {
            int status = deferredStatus[head];
            if (status >= 0) {
                deferredStatus[head] = -1;
                returnIrqBuffer(head, deferredLine[head], status);
            }
        }
        flushEvents();
    }

    @Override
    public void queueNotified(int index) {
        switch (index) {
            case VirtioGpio.REQUESTQ -> serveRequests();
            case VirtioGpio.EVENTQ -> takeEventBuffers();
            default -> throw new IllegalArgumentException("virtio-gpio has no queue " + index);
        }
    }

    /** Runs (on the lines' thread) when edges wait in the inbox; the transport then calls {@link #onWakeup()}. */
    @Override
    public void setWakeup(Runnable wakeup) {
        inbox.setWakeup(wakeup);
    }

    /** Delivers the edges the lines reported since the last call; interrupts go out on the eventq. */
    @Override
    public void onWakeup() {
        inbox.drain(controller::onEdge);
        flushEvents();
    }

    @Override
    public int eventFd() {
        return controller.lines().eventFd();
    }

    /** Reads the edges the kernel recorded on the lines (on the transport's thread); interrupts go out at once. */
    @Override
    public void onDeviceEvents() {
        controller.lines().dispatchEvents(direct);
        flushEvents();
    }

    // ---- the requestq

    /**
     * Serves every request the driver has made available, then notifies the driver if it asked to be. Answers are
     * put on the used ring as each request is served and published together ({@link DeviceQueue#putUsed}): once
     * per batch of chains the queue saw available, and before the notification decision.
     */
    private void serveRequests() {
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
     * Checks the request in {@code chain}, has the controller handle it and writes the response.
     *
     * @return the bytes written into the chain's writable buffers
     */
    private int answer(DescriptorChain chain) throws GuestMemoryException {
        if (chain.readableBytes() != GpioRequest.SIZE) {
            return refuse(chain, Refusal.REQUEST_SIZE);
        }
        long request = readRequest(chain);
        int type = GpioRequest.type(request);
        if (chain.writableBytes() != controller.responseSize(type)) {
            return refuse(chain, Refusal.RESPONSE_SIZE);
        }
        int gpio = GpioRequest.gpio(request);
        long value = GpioRequest.value(request);
        int outcome = controller.handle(type, gpio, value);
        if (type == MessageType.SET_IRQ_TYPE.code()) {
            newDriver = false; // from now on this driver has interrupts of its own
        }
        if (GpioController.refused(outcome)) {
            errors++;
            if (LOG.isDebugEnabled()) {
                LOG.debug("requestq: type {} line {} value {} -> ERR: {}", type, gpio, value,
                        GpioController.refusal(outcome).reason());
            }
        } else if (type == MessageType.GET_LINE_NAMES.code()) {
            return chain.writeTo(chain.memory(), namesResponse, 0, (int) namesResponse.byteSize());
        }
        return writeResponse(chain, GpioController.response(outcome));
    }

    /**
     * The request of {@code chain} (whose readable bytes are {@link GpioRequest#SIZE}) as one word: read in place
     * when the first buffer holds it all, as drivers send it, else gathered.
     */
    private long readRequest(DescriptorChain chain) throws GuestMemoryException {
        if (chain.length(0) == GpioRequest.SIZE) {
            return GpioRequest.read(chain.segment(0), chain.segmentOffset(0));
        }
        chain.readFrom(chain.memory(), scratch, SCRATCH_REQUEST, GpioRequest.SIZE);
        return GpioRequest.read(scratch, SCRATCH_REQUEST);
    }

    /**
     * Writes {@code response} cut to the chain's writable bytes, which the caller checked are the response size for
     * the request (a device without names answers GET_LINE_NAMES with a 1-byte ERR response, as gpio_names_size
     * is 0): in place when one 2-byte buffer takes it, else scattered.
     *
     * @return the bytes written
     */
    private int writeResponse(DescriptorChain chain, int response) throws GuestMemoryException {
        int first = chain.readableCount();
        if (chain.writableCount() == 1 && chain.length(first) == GpioResponse.SIZE) {
            GpioResponse.write(chain.segment(first), chain.segmentOffset(first), response);
            return GpioResponse.SIZE;
        }
        GpioResponse.write(scratch, SCRATCH_RESPONSE, response);
        return chain.writeTo(chain.memory(), scratch, SCRATCH_RESPONSE, (int) chain.writableBytes());
    }

    /** Writes an ERR response cut to the room the driver gave; returns the bytes written. */
    private int refuse(DescriptorChain chain, Refusal why) throws GuestMemoryException {
        errors++;
        if (LOG.isDebugEnabled()) {
            LOG.debug("requestq: chain {}: {} -> ERR", chain.head(), why.reason());
        }
        GpioResponse.write(scratch, SCRATCH_RESPONSE, GpioResponse.ERR);
        return chain.writeTo(chain.memory(), scratch, SCRATCH_RESPONSE,
                (int) Math.min(chain.writableBytes(), GpioResponse.SIZE));
    }

    // ---- the eventq

    /** Takes the interrupt buffer pairs the driver queued (each unmasks one line). */
    private void takeEventBuffers() {
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
                            returnEventBuffer(q, e.head(), 0);
                        }
                    }
                }
                q.setNotification(true);
            } while (q.hasAvailable());
        } catch (BrokenQueueException e) {
            eventQueueBroken(e);
        }
        flushEvents();
    }

    private void takeEventBuffer(DeviceQueue q, DescriptorChain chain) throws BrokenQueueException {
        int head = chain.head();
        try {
            if (chain.readableBytes() != IrqRequest.SIZE || chain.writableBytes() != IrqResponse.SIZE) {
                LOG.warn("eventq: chain {} is not a {}-byte request and a {}-byte response; returned INVALID", head,
                        IrqRequest.SIZE, IrqResponse.SIZE);
                dropped++;
                IrqResponse.write(scratch, SCRATCH_RESPONSE, IrqStatus.INVALID.code());
                returnEventBuffer(q, head, chain.writeTo(chain.memory(), scratch, SCRATCH_RESPONSE, IrqResponse.SIZE));
                return;
            }
            chain.readFrom(chain.memory(), scratch, SCRATCH_REQUEST, IrqRequest.SIZE);
            eventStatusAddress[head] = chain.address(chain.readableCount());
            int gpio = IrqRequest.gpio(scratch, SCRATCH_REQUEST);
            Refusal refused = controller.unmask(gpio, head);
            if (refused != null && LOG.isDebugEnabled()) {
                LOG.debug("eventq: buffer for line {} -> INVALID: {}", gpio, refused.reason());
            }
        } catch (GuestMemoryException e) {
            LOG.warn("eventq: chain {} left guest memory: {}", head, e.getMessage());
            dropped++;
            returnEventBuffer(q, head, 0);
        }
    }

    private void returnEventBuffer(DeviceQueue q, int head, int written) throws BrokenQueueException {
        q.addUsed(head, written);
        eventBuffers++;
        eventUsedPending = true;
    }

    /** Where the controller returns interrupt buffers ({@link IrqSink}): the status goes into the pair's response. */
    private void returnIrqBuffer(int token, int gpio, int status) {
        DeviceQueue q = eventq;
        if (q == null) {
            if (eventStoppedAt >= 0 && token >= 0 && token < deferredStatus.length) {
                deferredStatus[token] = status; // returned when the eventq resumes
                deferredLine[token] = gpio;
            }
            return;
        }
        try {
            q.memory().writeU8(eventStatusAddress[token] + IrqResponse.STATUS, status);
            returnEventBuffer(q, token, IrqResponse.SIZE);
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
            eventQueueBroken(e);
        }
    }

    private void eventQueueBroken(BrokenQueueException e) {
        LOG.error("eventq stopped until the driver sets it up again: {}", e.getMessage());
        eventq = null;
        forgetHeldBuffers();
        eventError.notifyDriver();
    }
}
