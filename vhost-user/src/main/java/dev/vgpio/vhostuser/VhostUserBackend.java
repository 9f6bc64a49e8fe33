package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.VhostUser.bit;

import dev.vgpio.device.VirtioDevice;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.SplitRing;
import dev.vgpio.virtqueue.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vhost-user back end's protocol state for one device: it checks and carries out each front-end message and
 * writes the reply. Everything the front end sends is checked (sizes, fd counts, queue indices, addresses); a
 * violation raises {@link ProtocolException}, after which the caller closes the connection and calls
 * {@link #disconnected()}. The device and its line state survive connections.
 */
public final class VhostUserBackend {
    /** Where the back end's event loop watches kick fds. */
    public interface KickWatcher {
        void watch(int queue, EventFd kick);

        void unwatch(int queue, EventFd kick);
    }

    private static final Logger LOG = LoggerFactory.getLogger(VhostUserBackend.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final VirtioDevice device;
    private final String name;
    private final KickWatcher kicks;
    private final Vring[] vrings;
    private final long offeredFeatures;
    private final long offeredProtocolFeatures;
    private long ackedFeatures;
    private boolean featuresSet;
    private long ackedProtocolFeatures;
    private boolean owner;
    private MemoryTable memory;

    public VhostUserBackend(VirtioDevice device, String name, KickWatcher kicks) {
        this.device = device;
        this.name = name;
        this.kicks = kicks;
        this.vrings = new Vring[device.queueCount()];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
        this.offeredFeatures = device.deviceFeatures() | bit(VirtioFeatures.VERSION_1)
                | bit(VirtioFeatures.RING_EVENT_IDX) | bit(VirtioFeatures.RING_INDIRECT_DESC)
                | bit(VhostUser.F_PROTOCOL_FEATURES);
        this.offeredProtocolFeatures = bit(VhostUser.PROTOCOL_F_MQ) | bit(VhostUser.PROTOCOL_F_REPLY_ACK)
                | bit(VhostUser.PROTOCOL_F_CONFIG);
    }

    public long offeredFeatures() {
        return offeredFeatures;
    }

    public long offeredProtocolFeatures() {
        return offeredProtocolFeatures;
    }

    /** Whether queue {@code index} is being served now. */
    public boolean isActive(int index) {
        return index >= 0 && index < vrings.length && vrings[index].active();
    }

    /**
     * Handles one message whose payload is {@code payload[0, size)} and whose fds are in {@code fds} (this method
     * takes the fds it keeps; the caller closes the rest). Writes a reply payload into {@code reply}.
     *
     * @return the reply payload size, or -1 if the message gets no reply
     * @throws ProtocolException if the message breaks the protocol
     */
    public int handle(int request, int flags, MemorySegment payload, int size, FdSet fds, MemorySegment reply)
            throws ProtocolException {
        if ((flags & VhostUser.FLAG_VERSION_MASK) != VhostUser.FLAG_VERSION) {
            throw new ProtocolException("message " + VhostUser.name(request) + " has version "
                    + (flags & VhostUser.FLAG_VERSION_MASK) + ", only version 1 exists");
        }
        if ((flags & VhostUser.FLAG_REPLY) != 0) {
            throw new ProtocolException("front end sent a reply (" + VhostUser.name(request) + ") as a request");
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} size {} fds {}", name, VhostUser.name(request), size, fds.count());
        }
        boolean ackWanted = (flags & VhostUser.FLAG_NEED_REPLY) != 0
                && (ackedProtocolFeatures & bit(VhostUser.PROTOCOL_F_REPLY_ACK)) != 0;
        switch (request) {
            case VhostUser.GET_FEATURES -> {
                expect(request, size, 0, fds, 0);
                reply.set(U64, 0, offeredFeatures);
                return 8;
            }
            case VhostUser.GET_PROTOCOL_FEATURES -> {
                expect(request, size, 0, fds, 0);
                reply.set(U64, 0, offeredProtocolFeatures);
                return 8;
            }
            case VhostUser.GET_QUEUE_NUM -> {
                expect(request, size, 0, fds, 0);
                reply.set(U64, 0, vrings.length);
                return 8;
            }
            case VhostUser.GET_VRING_BASE -> {
                expect(request, size, 8, fds, 0);
                Vring v = vring(request, payload.get(U32, 0));
                reply.set(U32, 0, v.index);
                reply.set(U32, 4, stop(v));
                // a stopped ring starts again only with a new kick fd
                v.started = false;
                if (v.kick != null) {
                    kicks.unwatch(v.index, v.kick);
                    v.closeKick();
                }
                return 8;
            }
            case VhostUser.GET_CONFIG -> {
                return getConfig(payload, size, fds, reply);
            }
            default -> {
                boolean ok = handleWithoutReply(request, payload, size, fds);
                if (ackWanted) {
                    reply.set(U64, 0, ok ? 0 : 1);
                    return 8;
                }
                return -1;
            }
        }
    }

    private boolean handleWithoutReply(int request, MemorySegment p, int size, FdSet fds) throws ProtocolException {
        switch (request) {
            case VhostUser.SET_FEATURES -> {
                expect(request, size, 8, fds, 0);
                setFeatures(p.get(U64, 0));
            }
            case VhostUser.SET_PROTOCOL_FEATURES -> {
                expect(request, size, 8, fds, 0);
                long f = p.get(U64, 0);
                if ((f & ~offeredProtocolFeatures) != 0) {
                    throw new ProtocolException(String.format(
                            "front end acked protocol features 0x%x, more than the offered 0x%x", f,
                            offeredProtocolFeatures));
                }
                ackedProtocolFeatures = f;
                LOG.info("{}: protocol features {}", name, VhostUser.describeProtocolFeatures(f));
            }
            case VhostUser.SET_OWNER -> {
                expect(request, size, 0, fds, 0);
                owner = true;
            }
            case VhostUser.RESET_OWNER -> {
                expect(request, size, 0, fds, 0);
                LOG.info("{}: RESET_OWNER: stopping every ring", name);
                resetSession();
            }
            case VhostUser.SET_MEM_TABLE -> setMemTable(p, size, fds);
            case VhostUser.SET_VRING_NUM -> {
                expect(request, size, 8, fds, 0);
                Vring v = vring(request, p.get(U32, 0));
                int num = p.get(U32, 4);
                if (num < 1 || num > SplitRing.MAX_SIZE || Integer.bitCount(num) != 1) {
                    throw new ProtocolException("SET_VRING_NUM " + num + " for queue " + v.index
                            + " is not a power of two between 1 and " + SplitRing.MAX_SIZE);
                }
                requireInactive(request, v);
                v.num = num;
            }
            case VhostUser.SET_VRING_ADDR -> setVringAddr(p, size, fds);
            case VhostUser.SET_VRING_BASE -> {
                expect(request, size, 8, fds, 0);
                Vring v = vring(request, p.get(U32, 0));
                int base = p.get(U32, 4);
                if (base < 0 || base > 0xffff) {
                    throw new ProtocolException("SET_VRING_BASE " + Integer.toUnsignedString(base) + " for queue "
                            + v.index + " is not a 16-bit ring index");
                }
                requireInactive(request, v);
                v.base = base;
            }
            case VhostUser.SET_VRING_KICK, VhostUser.SET_VRING_CALL, VhostUser.SET_VRING_ERR ->
                    setVringFd(request, p, size, fds);
            case VhostUser.SET_VRING_ENABLE -> {
                expect(request, size, 8, fds, 0);
                Vring v = vring(request, p.get(U32, 0));
                int enable = p.get(U32, 4);
                if (enable != 0 && enable != 1) {
                    throw new ProtocolException("SET_VRING_ENABLE " + enable + " for queue " + v.index
                            + " is neither 0 nor 1");
                }
                if ((ackedFeatures & bit(VhostUser.F_PROTOCOL_FEATURES)) == 0) {
                    throw new ProtocolException("SET_VRING_ENABLE without VHOST_USER_F_PROTOCOL_FEATURES negotiated");
                }
                v.enabled = enable == 1;
                refresh(v);
            }
            case VhostUser.SET_CONFIG -> {
                if (size < 12 || size > 12 + VhostUser.MAX_CONFIG || fds.count() != 0) {
                    throw new ProtocolException("SET_CONFIG of " + size + " bytes with " + fds.count() + " fds");
                }
                LOG.warn("{}: front end tried to write the configuration space, which is read-only; refused", name);
                return false;
            }
            case VhostUser.SET_LOG_BASE, VhostUser.SET_LOG_FD -> throw new ProtocolException(VhostUser.name(request)
                    + ": dirty-page logging was not offered (no LOG_SHMFD, no F_LOG_ALL)");
            default -> throw new ProtocolException("unsupported message " + VhostUser.name(request)
                    + "; this back end handles the messages of the features it offers");
        }
        return true;
    }

    private int getConfig(MemorySegment p, int size, FdSet fds, MemorySegment reply) throws ProtocolException {
        if (size < 12 || size > 12 + VhostUser.MAX_CONFIG || fds.count() != 0) {
            throw new ProtocolException("GET_CONFIG of " + size + " bytes with " + fds.count() + " fds");
        }
        if ((ackedProtocolFeatures & bit(VhostUser.PROTOCOL_F_CONFIG)) == 0) {
            LOG.warn("{}: GET_CONFIG before VHOST_USER_PROTOCOL_F_CONFIG was negotiated; answering anyway", name);
        }
        int offset = p.get(U32, 0);
        int length = p.get(U32, 4);
        if (length != size - 12) {
            throw new ProtocolException("GET_CONFIG asks for " + length + " bytes but carries " + (size - 12));
        }
        MemorySegment.copy(p, 0, reply, 0, 12);
        if (offset < 0 || length < 0 || (long) offset + length > device.configSize()) {
            LOG.warn("{}: GET_CONFIG of {} bytes at {} is outside the {}-byte configuration space", name, length,
                    offset, device.configSize());
            return 12;
        }
        device.readConfig(offset, reply.asSlice(12, length), length);
        return 12 + length;
    }

    private void setFeatures(long f) throws ProtocolException {
        if ((f & ~offeredFeatures) != 0) {
            throw new ProtocolException(String.format("front end acked features 0x%x that were not offered (0x%x)",
                    f & ~offeredFeatures, offeredFeatures));
        }
        boolean changed = f != ackedFeatures;
        ackedFeatures = f;
        featuresSet = true;
        device.negotiate(f);
        if (changed) {
            LOG.info("{}: negotiated features {}", name, VhostUser.describeFeatures(f));
        }
        if ((f & bit(VhostUser.F_PROTOCOL_FEATURES)) == 0) {
            for (Vring v : vrings) {
                v.enabled = true; // without PROTOCOL_FEATURES rings start enabled
            }
        }
    }

    private void setMemTable(MemorySegment p, int size, FdSet fds) throws ProtocolException {
        if (size < 8) {
            throw new ProtocolException("SET_MEM_TABLE of " + size + " bytes is too short");
        }
        int n = p.get(U32, 0);
        if (n < 1 || n > VhostUser.MAX_REGIONS) {
            throw new ProtocolException("SET_MEM_TABLE with " + Integer.toUnsignedString(n)
                    + " regions (1 to " + VhostUser.MAX_REGIONS + " allowed)");
        }
        expect(VhostUser.SET_MEM_TABLE, size, 8 + 32 * n, fds, n);
        List<MemoryTable.Region> regions = new ArrayList<>(n);
        int[] regionFds = new int[n];
        for (int i = 0; i < n; i++) {
            long at = 8 + 32L * i;
            regions.add(new MemoryTable.Region(p.get(U64, at), p.get(U64, at + 8), p.get(U64, at + 16),
                    p.get(U64, at + 24)));
            regionFds[i] = fds.get(i);
        }
        MemoryTable table = MemoryTable.map(regions, regionFds);
        List<Vring> restart = new ArrayList<>();
        for (Vring v : vrings) {
            if (v.active()) {
                v.base = stop(v);
                restart.add(v);
            }
        }
        if (memory != null) {
            memory.close();
        }
        memory = table;
        for (MemoryTable.Region r : regions) {
            LOG.info("{}: guest memory region gpa 0x{} size {} MiB", name, Long.toHexString(r.guestPhysAddr()),
                    r.size() >> 20);
        }
        for (Vring v : restart) {
            refresh(v);
        }
    }

    private void setVringAddr(MemorySegment p, int size, FdSet fds) throws ProtocolException {
        expect(VhostUser.SET_VRING_ADDR, size, 40, fds, 0);
        Vring v = vring(VhostUser.SET_VRING_ADDR, p.get(U32, 0));
        requireInactive(VhostUser.SET_VRING_ADDR, v);
        v.descUser = p.get(U64, 8);
        v.usedUser = p.get(U64, 16);
        v.availUser = p.get(U64, 24);
        v.addressSet = true;
    }

    private void setVringFd(int request, MemorySegment p, int size, FdSet fds) throws ProtocolException {
        if (size != 8) {
            throw new ProtocolException(VhostUser.name(request) + " payload is " + size + " bytes, not 8");
        }
        long u = p.get(U64, 0);
        boolean noFd = (u & VhostUser.VRING_NOFD) != 0;
        if ((u & ~(VhostUser.VRING_INDEX_MASK | VhostUser.VRING_NOFD)) != 0) {
            throw new ProtocolException(String.format("%s payload 0x%x has unknown bits", VhostUser.name(request), u));
        }
        if (fds.count() != (noFd ? 0 : 1)) {
            throw new ProtocolException(VhostUser.name(request) + " carries " + fds.count() + " fds, expected "
                    + (noFd ? 0 : 1));
        }
        Vring v = vring(request, (int) (u & VhostUser.VRING_INDEX_MASK));
        EventFd fd = noFd ? null : EventFd.adopt(fds.take(0));
        switch (request) {
            case VhostUser.SET_VRING_KICK -> {
                if (fd == null) {
                    throw new ProtocolException("SET_VRING_KICK without an fd asks for ring polling, which was not"
                            + " offered");
                }
                if (v.kick != null) {
                    kicks.unwatch(v.index, v.kick);
                    v.closeKick();
                }
                v.kick = fd;
                v.started = true;
                kicks.watch(v.index, fd);
                refresh(v);
            }
            case VhostUser.SET_VRING_CALL -> {
                v.closeCall();
                v.call = fd;
            }
            default -> {
                v.closeErr();
                v.err = fd;
            }
        }
    }

    /**
     * The driver kicked queue {@code index}. The caller watches kick eventfds edge-triggered ({@code Epoll.EDGE}),
     * so the counter is not read here: the queue is served whatever the count.
     */
    public void kicked(int index) {
        if (vrings[index].active()) {
            device.queueNotified(index);
        }
    }

    /** Starts or stops serving a ring so that it is served exactly when it is started, enabled and set up. */
    private void refresh(Vring v) throws ProtocolException {
        boolean ready = v.started && v.enabled && featuresSet && memory != null && v.num > 0 && v.addressSet;
        if (ready && !v.active()) {
            start(v);
        } else if (!ready && v.active()) {
            v.base = stop(v);
        }
    }

    private void start(Vring v) throws ProtocolException {
        if (!device.queueAvailable(v.index)) {
            if (!v.refusedLogged) {
                LOG.warn("{}: front end set up queue {}, which the negotiated features do not include; not serving it",
                        name, v.index);
                v.refusedLogged = true;
            }
            return;
        }
        long desc = translate(v, "descriptor table", v.descUser, SplitRing.descTableSize(v.num));
        long avail = translate(v, "available ring", v.availUser, SplitRing.availRingSize(v.num));
        long used = translate(v, "used ring", v.usedUser, SplitRing.usedRingSize(v.num));
        QueueConfig config = new QueueConfig(v.num, desc, avail, used);
        DeviceQueue queue;
        try {
            queue = DeviceQueue.create(memory.memory(), config, ackedFeatures);
            queue.setPositions(v.base, queue.readUsedIdx());
        } catch (BrokenQueueException e) {
            v.signalError();
            throw new ProtocolException("queue " + v.index + " cannot start: " + e.getMessage(), e);
        }
        v.queue = queue;
        device.startQueue(v.index, memory.memory(), queue, v::signalCall, v::signalError);
        LOG.info("{}: queue {} started ({} entries, base {})", name, v.index, v.num, v.base);
        device.queueNotified(v.index);
    }

    private long translate(Vring v, String what, long userAddr, long length) throws ProtocolException {
        long gpa = memory.userToGuest(userAddr, length);
        if (gpa == -1) {
            throw new ProtocolException(String.format("queue %d %s at front-end address 0x%x (%d bytes) is not in"
                    + " any memory region", v.index, what, userAddr, length));
        }
        return gpa;
    }

    /** Stops serving a ring and returns the next available index to resume from. */
    private int stop(Vring v) {
        if (!v.active()) {
            return v.base;
        }
        device.stopQueue(v.index);
        int base = v.queue.nextAvail();
        v.queue = null;
        v.base = base;
        LOG.info("{}: queue {} stopped at index {}", name, v.index, base);
        return base;
    }

    private Vring vring(int request, int index) throws ProtocolException {
        if (index < 0 || index >= vrings.length) {
            throw new ProtocolException(VhostUser.name(request) + " names queue " + Integer.toUnsignedString(index)
                    + ", but the device has " + vrings.length + " queues");
        }
        return vrings[index];
    }

    private static void requireInactive(int request, Vring v) throws ProtocolException {
        if (v.active()) {
            throw new ProtocolException(VhostUser.name(request) + " for queue " + v.index + " while it runs");
        }
    }

    private static void expect(int request, int size, int wantSize, FdSet fds, int wantFds)
            throws ProtocolException {
        if (size != wantSize) {
            throw new ProtocolException(VhostUser.name(request) + " payload is " + size + " bytes, expected "
                    + wantSize);
        }
        if (fds.count() != wantFds) {
            throw new ProtocolException(VhostUser.name(request) + " carries " + fds.count() + " fds, expected "
                    + wantFds);
        }
    }

    /** The connection went away: stop every ring, drop the memory and fds; the device keeps its state. */
    public void disconnected() {
        resetSession();
    }

    private void resetSession() {
        for (Vring v : vrings) {
            stop(v);
            if (v.kick != null) {
                kicks.unwatch(v.index, v.kick);
            }
            v.reset();
        }
        if (memory != null) {
            memory.close();
            memory = null;
        }
        ackedFeatures = 0;
        featuresSet = false;
        ackedProtocolFeatures = 0;
        owner = false;
    }

    boolean owner() {
        return owner;
    }
}
