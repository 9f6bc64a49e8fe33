package dev.vgpio.conformance;

import static dev.vgpio.virtio.VirtioException.Reason.CLOSED;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static org.awaitility.Awaitility.await;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.SplitRing;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest that breaks the rules: vgpio's own front end ({@link VhostUserFrontend}) sets up the connection and both
 * queues as QEMU would, then the guest writes whatever it likes into the rings it shares with the back end
 * ({@link RawRing}) and kicks. It also sends well-formed requests the same raw way, to see whether a ring still
 * works.
 *
 * <p>Nothing here waits on time: {@link #sync()} is a barrier through the back end's one serving thread, after
 * which every kick and input edge before it has been served, so what the device did (or did not do) is already in
 * the rings. The barrier is itself a kick: an interrupt pair for line 65535 (which does not exist, so the device
 * returns it at once) in the eventq's last slot, kicked, and waited for on the used ring. Kick eventfds are watched
 * edge-triggered, and epoll reports edge-triggered events in the order they arrived, so the barrier's kick is served
 * after every kick and wakeup signalled before it. (A message round trip is no barrier: the connection is watched
 * level-triggered and may be reported, and several messages read, before a kick that came first.)
 */
final class HostileGuest implements AutoCloseable {
    static final int QSIZE = 64;
    static final long MEMORY = 1 << 20;
    /** Well-formed request slots: slot {@code s} uses descriptors {@code 2s} and {@code 2s + 1}. */
    static final int SLOTS = QSIZE / 2;
    static final int FILL = 0xee;
    /** The eventq slot of {@link #sync()}'s barrier pair (descriptors 62 and 63 of the eventq). */
    static final int BARRIER_SLOT = SLOTS - 1;
    static final int BARRIER_HEAD = 2 * BARRIER_SLOT;

    /** One element the eventq returned. */
    record Event(int id, long length, int status) {
    }

    /** What the front end's eventfds and socket say since the last look. */
    record Signals(boolean called, boolean error, boolean hungUp) {
    }

    final VhostUserFrontend frontend;
    final GuestMemory memory;
    final long negotiated;
    final RawRing requestq;
    final RawRing eventq;
    /** A 256 KiB area for buffers and indirect tables; {@link #area} hands out pieces of it. */
    final long scratch;
    private final long requests;
    private final long responses;
    private final long irqRequests;
    private final long irqResponses;
    private long areaNext;
    private final boolean[] error = new boolean[2];
    private boolean hungUp;
    private final boolean eventqStarted;
    /** The eventq used position up to which {@link #sync()} has looked for its barrier pairs. */
    private int barrierScan;
    private final List<Event> events = new ArrayList<>();

    private HostileGuest(VhostUserFrontend frontend, long negotiated) throws IOException {
        this.frontend = frontend;
        this.memory = frontend.memory();
        this.negotiated = negotiated;
        QueueConfig rq = QueueConfig.contiguous(frontend.allocate(QueueConfig.contiguousBytes(QSIZE), 4096), QSIZE);
        QueueConfig eq = QueueConfig.contiguous(frontend.allocate(QueueConfig.contiguousBytes(QSIZE), 4096), QSIZE);
        requests = frontend.allocate(16L * SLOTS, 16);
        responses = frontend.allocate(16L * SLOTS, 16);
        irqRequests = frontend.allocate(16L * SLOTS, 16);
        irqResponses = frontend.allocate(16L * SLOTS, 16);
        scratch = frontend.allocate(256 << 10, 4096);
        areaNext = scratch;
        requestq = new RawRing(memory, rq);
        eventq = new RawRing(memory, eq);
        try {
            requestq.reset();
            eventq.reset();
        } catch (GuestMemoryException e) {
            throw new IOException(e);
        }
        frontend.startQueue(VirtioGpio.REQUESTQ, rq);
        eventqStarted = (negotiated & 1) != 0;
        if (eventqStarted) {
            frontend.startQueue(VirtioGpio.EVENTQ, eq);
        }
    }

    /**
     * Connects and starts both queues, negotiating VERSION_1, VIRTIO_GPIO_F_IRQ, INDIRECT_DESC and (if
     * {@code eventIdx}) EVENT_IDX.
     */
    static HostileGuest connect(Path socket, boolean eventIdx) throws IOException {
        VhostUserFrontend f = VhostUserFrontend.connect(socket, Duration.ofSeconds(5), MEMORY);
        try {
            long want = VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_INDIRECT_DESC.mask() | 1
                    | (eventIdx ? VirtioFeature.RING_EVENT_IDX.mask() : 0);
            long negotiated = f.negotiate(f.offeredFeatures() & want);
            return new HostileGuest(f, negotiated);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** {@code bytes} of the scratch area, 16-byte aligned, filled with {@link #FILL}. */
    long area(long bytes) throws GuestMemoryException {
        long at = areaNext;
        areaNext = (areaNext + bytes + 15) & ~15L;
        if (areaNext > scratch + (256 << 10)) {
            throw new IllegalStateException("scratch area exhausted");
        }
        memory.fill(at, bytes, (byte) FILL);
        return at;
    }

    /** A request in the scratch area; returns its address. */
    long request(MessageType type, int gpio, long value) throws GuestMemoryException {
        return request(type.code(), gpio, value);
    }

    long request(int type, int gpio, long value) throws GuestMemoryException {
        long at = area(GpioRequest.SIZE);
        memory.write(at, GpioRequest.toBytes(type, gpio & 0xffff, value), 0, GpioRequest.SIZE);
        return at;
    }

    /** The ring of queue {@code q}. */
    RawRing ring(int q) {
        return q == VirtioGpio.REQUESTQ ? requestq : eventq;
    }

    /**
     * Resets queue {@code q} on this connection, as a driver does with a queue the device gave up on: stops it
     * (GET_VRING_BASE), zeroes its rings and sets it up again from index 0.
     *
     * @return where the back end had stopped (its next available index)
     */
    int resetQueue(int q) throws IOException {
        int base = frontend.stopQueue(q);
        try {
            ring(q).reset();
        } catch (GuestMemoryException e) {
            throw new IOException(e);
        }
        frontend.startQueue(q, ring(q).config);
        error[q] = false;
        if (q == VirtioGpio.EVENTQ) {
            barrierScan = 0;
            events.clear();
        }
        return base;
    }

    void kick(int q) throws IOException {
        frontend.notifyDevice(q);
    }

    /**
     * A barrier through the back end's serving thread: when it returns, every kick and input edge signalled before
     * it has been served (see the class comment). While the eventq is broken (its err fd was seen), the err fd is
     * the only sign left and the barrier ends when it is seen; then, until the eventq is reset, a GET_CONFIG round
     * trip is all it does.
     *
     * @throws VirtioException with reason CLOSED if the back end dropped the connection
     */
    GpioConfig sync() throws IOException {
        if (eventqStarted && !error[VirtioGpio.EVENTQ]) {
            try {
                offerIrq(BARRIER_SLOT, 0xffff);
                eventq.publish();
            } catch (GuestMemoryException e) {
                throw new IOException(e);
            }
            kick(VirtioGpio.EVENTQ);
            boolean[] closed = {false};
            await("the barrier pair back on the eventq").atMost(Duration.ofSeconds(10)).pollInSameThread()
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofNanos(50_000)).until(() -> {
                        if (barrierBack()) {
                            return true;
                        }
                        Signals s = signals(VirtioGpio.EVENTQ);
                        closed[0] = s.hungUp();
                        return s.hungUp() || error[VirtioGpio.EVENTQ];
                    });
            if (closed[0]) {
                throw new VirtioException(CLOSED, "the back end closed the connection");
            }
        }
        return GpioConfig.fromBytes(frontend.readConfig(0, GpioConfig.SIZE));
    }

    /**
     * Records what the eventq's used ring got since the last look (its ring has 64 entries; each barrier adds one
     * and the rows queue a few pairs between two barriers, so nothing is overwritten unseen); true if a barrier
     * pair came back.
     */
    private boolean barrierBack() throws GuestMemoryException {
        boolean back = false;
        int used = eventq.usedIdx();
        while (barrierScan != used) {
            RawRing.Used u = eventq.used(barrierScan);
            barrierScan = (barrierScan + 1) & 0xffff;
            if (u.id() == BARRIER_HEAD) {
                back = true;
            } else {
                int slot = u.id() / 2;
                int status = slot < SLOTS ? memory.readU8(irqResponses + 16L * slot) : -1;
                events.add(new Event(u.id(), u.length(), status));
            }
        }
        return back;
    }

    /** The requestq's used elements from ring position {@code from} to now. */
    List<RawRing.Used> usedRequests(int from) throws GuestMemoryException {
        List<RawRing.Used> got = new ArrayList<>();
        for (int p = from, now = requestq.usedIdx(); p != now; p = (p + 1) & 0xffff) {
            got.add(requestq.used(p));
        }
        return got;
    }

    /**
     * Every element the eventq returned since the connection (or the eventq's reset), in order, as seen by the
     * barriers so far, without the barriers' own: the head, the used length, and the status byte of the pair's
     * response if it was one of {@link #offerIrq}'s (else -1).
     */
    List<Event> events() {
        return List.copyOf(events);
    }

    /** Whether the back end signalled the call, the err fd of queue {@code q}, or hung up, since the last look. */
    Signals signals(int q) {
        boolean called = false;
        boolean err = false;
        try {
            called = frontend.awaitNotification(q, Duration.ZERO);
            // an error found while a call was pending too is reported by the next look
            called |= frontend.awaitNotification(q, Duration.ZERO);
        } catch (VirtioException e) {
            if (e.reason() == PROTOCOL_VIOLATION) {
                err = true;
            } else if (e.reason() == CLOSED) {
                hungUp = true;
            } else {
                throw new IllegalStateException(e);
            }
        }
        error[q] |= err;
        return new Signals(called, err, hungUp);
    }

    /** Whether the err fd of queue {@code q} was ever signalled on this connection (looked at by {@link #signals}). */
    boolean errorSeen(int q) {
        signals(q);
        return error[q];
    }

    // ---- well-formed requests, written the raw way

    /** Puts a well-formed request in slot {@code slot} on the requestq (not published); returns its head. */
    int offerRequest(int slot, int type, int gpio, long value) throws GuestMemoryException {
        long req = requests + 16L * slot;
        long resp = responses + 16L * slot;
        memory.write(req, GpioRequest.toBytes(type, gpio & 0xffff, value), 0, GpioRequest.SIZE);
        memory.fill(resp, 2, (byte) FILL);
        int head = 2 * slot;
        requestq.descriptor(head, req, GpioRequest.SIZE, SplitRing.DESC_F_NEXT, head + 1);
        requestq.descriptor(head + 1, resp, 2, SplitRing.DESC_F_WRITE, 0);
        requestq.offer(head);
        return head;
    }

    int offerRequest(int slot, MessageType type, int gpio, long value) throws GuestMemoryException {
        return offerRequest(slot, type.code(), gpio, value);
    }

    /** The status byte of the response in slot {@code slot}. */
    int status(int slot) throws GuestMemoryException {
        return memory.readU8(responses + 16L * slot);
    }

    /** The value byte of the response in slot {@code slot}. */
    int value(int slot) throws GuestMemoryException {
        return memory.readU8(responses + 16L * slot + 1);
    }

    /** Puts a well-formed interrupt pair for {@code gpio} in slot {@code slot} on the eventq; returns its head. */
    int offerIrq(int slot, int gpio) throws GuestMemoryException {
        long req = irqRequests + 16L * slot;
        long resp = irqResponses + 16L * slot;
        memory.writeU16(req, gpio & 0xffff);
        memory.writeU8(resp, FILL);
        int head = 2 * slot;
        eventq.descriptor(head, req, 2, SplitRing.DESC_F_NEXT, head + 1);
        eventq.descriptor(head + 1, resp, 1, SplitRing.DESC_F_WRITE, 0);
        eventq.offer(head);
        return head;
    }

    /** The status byte of the interrupt pair in slot {@code slot}. */
    int irqStatus(int slot) throws GuestMemoryException {
        return memory.readU8(irqResponses + 16L * slot);
    }

    /**
     * Sends one well-formed request on a fresh slot after everything else and says whether the requestq still
     * answers it: published, kicked, and looked at after a {@link #sync()}.
     *
     * @return the response as {@code status << 8 | value}, or -1 if the device did not use the chain
     */
    int probe(int slot, MessageType type, int gpio, long value) throws IOException {
        try {
            int before = requestq.usedIdx();
            offerRequest(slot, type, gpio, value);
            requestq.publish();
            kick(VirtioGpio.REQUESTQ);
            sync();
            int after = requestq.usedIdx();
            for (int p = before; p != after; p = (p + 1) & 0xffff) {
                if (requestq.used(p).id() == 2 * slot) {
                    return status(slot) << 8 | value(slot);
                }
            }
            return -1;
        } catch (GuestMemoryException e) {
            throw new IOException(e);
        }
    }

    boolean eventIdx() {
        return VirtioFeature.RING_EVENT_IDX.in(negotiated);
    }

    @Override
    public void close() {
        frontend.close();
    }
}
