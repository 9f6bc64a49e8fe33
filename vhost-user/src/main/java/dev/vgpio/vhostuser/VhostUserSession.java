package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.VhostUser.bit;

import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.virtio.FeatureNames;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.SplitRing;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vhost-user protocol state of one device for one front end at a time: negotiated features, the mapped guest
 * memory and each vring, and the device's queues started and stopped as the front end sets them up. Messages arrive
 * decoded and checked ({@link MessageDecoder}); what is checked here is what depends on the state (a ring changed
 * while it runs, features that were not offered, a ring outside guest memory). A violation raises
 * {@link ProtocolException}, after which the caller closes the connection and calls {@link #disconnected()}. The
 * device and its state survive connections.
 */
public final class VhostUserSession {
    /** Where the back end's event loop watches kick fds. */
    public interface KickWatcher {
        /** Starts watching; an fd the event loop cannot watch is refused with an exception that says why. */
        void watch(int queue, EventFd kick) throws IOException;

        void unwatch(int queue, EventFd kick);
    }

    private static final Logger LOG = LoggerFactory.getLogger(VhostUserSession.class);
    /** The vhost-user protocol features the back end offers (and {@code vgpio --version} lists). */
    public static final long OFFERED_PROTOCOL_FEATURES = bit(VhostUser.PROTOCOL_F_MQ)
            | bit(VhostUser.PROTOCOL_F_REPLY_ACK) | bit(VhostUser.PROTOCOL_F_CONFIG);

    private final VirtioDevice device;
    private final String name;
    private final KickWatcher kicks;
    private final Vring[] vrings;
    private final long offeredFeatures;
    private final FeatureNames featureNames;
    private long ackedFeatures;
    private boolean featuresSet;
    private long ackedProtocolFeatures;
    private MappedMemory memory;

    public VhostUserSession(VirtioDevice device, String name, KickWatcher kicks) {
        this.device = device;
        this.name = name;
        this.kicks = kicks;
        this.vrings = new Vring[device.queueCount()];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
        this.offeredFeatures = device.offeredFeatures() | bit(VhostUser.F_PROTOCOL_FEATURES);
        this.featureNames = VhostUser.featureNames(device.featureNames());
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
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {} size {} fds {}", name, VhostUser.name(request), size, fds.count());
        }
        FrontEndRequest m = MessageDecoder.decode(request, flags, payload, size, fds, vrings.length);
        boolean ackWanted = (flags & Header.FLAG_NEED_REPLY) != 0
                && (ackedProtocolFeatures & bit(VhostUser.PROTOCOL_F_REPLY_ACK)) != 0;
        switch (m) {
            case FrontEndRequest.GetFeatures g -> {
                U64.write(reply, offeredFeatures);
                return U64.SIZE;
            }
            case FrontEndRequest.GetProtocolFeatures g -> {
                U64.write(reply, OFFERED_PROTOCOL_FEATURES);
                return U64.SIZE;
            }
            case FrontEndRequest.GetQueueNum g -> {
                U64.write(reply, vrings.length);
                return U64.SIZE;
            }
            case FrontEndRequest.GetVringBase g -> {
                Vring v = vrings[g.index()];
                VringState.write(reply, v.index, stop(v));
                // a stopped ring starts again only with a new kick fd
                v.started = false;
                if (v.kick != null) {
                    kicks.unwatch(v.index, v.kick);
                    v.closeKick();
                }
                return VringState.SIZE;
            }
            case FrontEndRequest.GetConfig g -> {
                return getConfig(g, payload, reply);
            }
            default -> {
                boolean ok = apply(m);
                if (ackWanted) {
                    U64.write(reply, ok ? 0 : 1);
                    return U64.SIZE;
                }
                return -1;
            }
        }
    }

    /** Carries out a message that has no reply of its own; false if it was refused without breaking the protocol. */
    private boolean apply(FrontEndRequest m) throws ProtocolException {
        switch (m) {
            case FrontEndRequest.SetFeatures f -> setFeatures(f.features());
            case FrontEndRequest.SetProtocolFeatures f -> {
                if ((f.features() & ~OFFERED_PROTOCOL_FEATURES) != 0) {
                    throw new ProtocolException(String.format(
                            "front end acked protocol features 0x%x, more than the offered 0x%x", f.features(),
                            OFFERED_PROTOCOL_FEATURES));
                }
                ackedProtocolFeatures = f.features();
                LOG.info("{}: protocol features {}", name, VhostUser.PROTOCOL_FEATURE_NAMES.shortList(f.features()));
            }
            case FrontEndRequest.SetOwner o -> {
                // one front end at a time: the connection is the owner
            }
            case FrontEndRequest.ResetOwner r -> {
                LOG.info("{}: RESET_OWNER: stopping every ring", name);
                reset();
            }
            case FrontEndRequest.SetMemTable t -> setMemTable(t);
            case FrontEndRequest.SetVringNum n -> {
                Vring v = inactive(n, vrings[n.index()]);
                v.num = n.num();
            }
            case FrontEndRequest.SetVringAddr a -> {
                Vring v = inactive(a, vrings[a.index()]);
                v.descUser = a.descriptor();
                v.usedUser = a.used();
                v.availUser = a.available();
                v.addressSet = true;
            }
            case FrontEndRequest.SetVringBase b -> inactive(b, vrings[b.index()]).base = b.base();
            case FrontEndRequest.SetVringFd f -> setVringFd(f);
            case FrontEndRequest.SetVringEnable e -> {
                if ((ackedFeatures & bit(VhostUser.F_PROTOCOL_FEATURES)) == 0) {
                    throw new ProtocolException("SET_VRING_ENABLE without VHOST_USER_F_PROTOCOL_FEATURES negotiated");
                }
                Vring v = vrings[e.index()];
                v.enabled = e.enable();
                refresh(v);
            }
            case FrontEndRequest.SetConfig c -> {
                LOG.warn("{}: front end tried to write the configuration space, which is read-only; refused", name);
                return false;
            }
            case FrontEndRequest.GetFeatures _, FrontEndRequest.GetProtocolFeatures _, FrontEndRequest.GetQueueNum _,
                    FrontEndRequest.GetVringBase _, FrontEndRequest.GetConfig _ ->
                    throw new AssertionError(m + " has a reply of its own; handle() answers it");
        }
        return true;
    }

    private int getConfig(FrontEndRequest.GetConfig g, MemorySegment p, MemorySegment reply) {
        if ((ackedProtocolFeatures & bit(VhostUser.PROTOCOL_F_CONFIG)) == 0) {
            LOG.warn("{}: GET_CONFIG before VHOST_USER_PROTOCOL_F_CONFIG was negotiated; answering anyway", name);
        }
        MemorySegment.copy(p, 0, reply, 0, DeviceConfig.DATA);
        if (g.offset() < 0 || g.size() < 0 || (long) g.offset() + g.size() > device.configSize()) {
            LOG.warn("{}: GET_CONFIG of {} bytes at {} is outside the {}-byte configuration space", name, g.size(),
                    g.offset(), device.configSize());
            return DeviceConfig.DATA;
        }
        device.readConfig(g.offset(), reply.asSlice(DeviceConfig.DATA, g.size()), g.size());
        return DeviceConfig.DATA + g.size();
    }

    private void setFeatures(long f) throws ProtocolException {
        if ((f & ~offeredFeatures) != 0) {
            throw new ProtocolException(String.format("front end acked features 0x%x that were not offered (0x%x)",
                    f & ~offeredFeatures, offeredFeatures));
        }
        boolean changed = f != ackedFeatures;
        ackedFeatures = f;
        featuresSet = true;
        try {
            device.negotiate(f);
        } catch (IllegalStateException e) {
            throw new ProtocolException(e.getMessage()); // another transport's driver holds the device
        }
        if (changed) {
            LOG.info("{}: negotiated features {}", name, featureNames.describe(f));
        }
        if ((f & bit(VhostUser.F_PROTOCOL_FEATURES)) == 0) {
            for (Vring v : vrings) {
                v.enabled = true; // without PROTOCOL_FEATURES rings start enabled
            }
        }
    }

    private void setMemTable(FrontEndRequest.SetMemTable t) throws ProtocolException {
        MappedMemory table = MappedMemory.map(t.regions(), t.fds());
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
        for (MemoryRegion r : t.regions()) {
            LOG.info("{}: guest memory region gpa 0x{} size {} MiB", name, Long.toHexString(r.guestPhysAddr()),
                    r.size() >> 20);
        }
        for (Vring v : restart) {
            refresh(v);
        }
    }

    private void setVringFd(FrontEndRequest.SetVringFd f) throws ProtocolException {
        Vring v = vrings[f.index()];
        switch (f.type()) {
            case VhostUser.SET_VRING_KICK -> {
                if (v.kick != null) {
                    kicks.unwatch(v.index, v.kick);
                    v.closeKick();
                }
                try {
                    kicks.watch(v.index, f.fd());
                } catch (IOException e) {
                    f.fd().close();
                    throw new ProtocolException("SET_VRING_KICK for queue " + v.index + " refused: the event loop"
                            + " cannot watch its fd: " + e.getMessage());
                }
                v.kick = f.fd();
                v.started = true;
                refresh(v);
            }
            case VhostUser.SET_VRING_CALL -> {
                v.closeCall();
                v.call = f.fd();
            }
            default -> {
                v.closeErr();
                v.err = f.fd();
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
            queue = DeviceQueue.create(memory.memory(), config, VirtioFeature.ringFeatures(ackedFeatures));
            queue.setPositions(v.base, queue.readUsedIdx());
        } catch (BrokenQueueException e) {
            v.signalError();
            throw new ProtocolException("queue " + v.index + " cannot start: " + e.getMessage(), e);
        }
        v.queue = queue;
        device.startQueue(v.index, queue, v::signalCall, v::signalError);
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

    private static Vring inactive(FrontEndRequest m, Vring v) throws ProtocolException {
        if (v.active()) {
            throw new ProtocolException(VhostUser.name(m.request()) + " for queue " + v.index + " while it runs");
        }
        return v;
    }

    /** The connection went away: stop every ring, drop the memory and fds; the device keeps its state. */
    public void disconnected() {
        reset();
        device.driverGone();
    }

    private void reset() {
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
    }
}
