package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.VhostUser.bit;
import static dev.vgpio.virtio.VirtioException.Reason.CLOSED;
import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;
import static dev.vgpio.virtio.VirtioException.Reason.TIMED_OUT;
import static dev.vgpio.virtio.VirtioException.Reason.UNREACHABLE;
import static dev.vgpio.virtio.VirtioException.Reason.UNSUPPORTED;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.Errno;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.MappedRegion;
import dev.vgpio.sys.MemFd;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtio.BumpAllocator;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A vhost-user front end, as QEMU is one: it connects to a back end's socket, negotiates features and protocol
 * features (CONFIG, REPLY_ACK and MQ when offered), shares memory it allocates itself (a memfd) with SET_MEM_TABLE,
 * and hands over queues with SET_VRING_NUM/BASE/ADDR/KICK/CALL/ERR and SET_VRING_ENABLE; GET_VRING_BASE on close.
 * It follows vhost-user.rst rather than vgpio's own back end, so it can drive any vhost-user back end. Every reply
 * is checked (type, reply flag, size); a back end that closes the socket, answers wrongly or not within the timeout
 * gives a {@link VirtioException} naming the message, with its reason.
 */
public final class VhostUserFrontend implements VirtioTransport {
    private static final long GPA_BASE = 0;
    private static final int MAX_QUEUES = 8;
    private static final long WANTED_PROTOCOL_FEATURES = bit(VhostUser.PROTOCOL_F_CONFIG)
            | bit(VhostUser.PROTOCOL_F_REPLY_ACK) | bit(VhostUser.PROTOCOL_F_MQ);
    /** What each queue's epoll reports: a call, an error, the back end hanging up. */
    private static final long CALLED = 0;
    private static final long ERROR = 1;
    private static final long HUNG_UP = 2;

    private final Path path;
    private final Duration timeout;
    private final UnixSocket socket;
    private final MemorySegment msg = Arena.ofAuto().allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
    private final MemorySegment payload = msg.asSlice(Header.SIZE);
    private final FdSet fds = new FdSet(8);
    private final long offered;
    private final long protocol;
    private final int memFd;
    private final MappedRegion mapping;
    private final GuestMemory memory;
    private final long size;
    private final EventFd[] kick = new EventFd[MAX_QUEUES];
    private final EventFd[] call = new EventFd[MAX_QUEUES];
    private final EventFd[] err = new EventFd[MAX_QUEUES];
    private final Epoll[] waits = new Epoll[MAX_QUEUES];
    private final EpollEvents[] waitEvents = new EpollEvents[MAX_QUEUES];
    private final BumpAllocator allocator;
    private boolean memTableSent;
    private long acked;
    private volatile boolean closed;

    private VhostUserFrontend(Path path, Duration timeout, long memorySize) throws VirtioException {
        this.path = path;
        this.timeout = timeout;
        this.size = memorySize;
        this.allocator = new BumpAllocator(GPA_BASE, memorySize, "front-end memory");
        try {
            this.socket = UnixSocket.connect(path);
        } catch (IOException e) {
            throw new VirtioException(UNREACHABLE, "cannot connect to the vhost-user back end at " + path + ": "
                    + e.getMessage(), e);
        }
        int fd = -1;
        MappedRegion map = null;
        try {
            try {
                socket.setReceiveTimeout(timeout);
                socket.setSendTimeout(timeout);
            } catch (IOException e) {
                throw local("cannot set the socket's timeouts", e);
            }
            offered = u64Request(VhostUser.GET_FEATURES);
            long p = 0;
            if ((offered & bit(VhostUser.F_PROTOCOL_FEATURES)) != 0) {
                p = u64Request(VhostUser.GET_PROTOCOL_FEATURES) & WANTED_PROTOCOL_FEATURES;
                u64Message(VhostUser.SET_PROTOCOL_FEATURES, p);
            }
            protocol = p;
            if ((protocol & bit(VhostUser.PROTOCOL_F_MQ)) != 0) {
                long queues = u64Request(VhostUser.GET_QUEUE_NUM);
                if (queues < 1) {
                    throw new ProtocolException("back end reports " + queues + " queues");
                }
            }
            send(VhostUser.SET_OWNER, 0, null, true);
            try {
                fd = MemFd.create("vgpio-frontend", memorySize);
                map = MappedRegion.map(fd, memorySize, 0);
            } catch (IOException e) {
                throw local("cannot create " + memorySize + " bytes of shared memory", e);
            }
            this.memFd = fd;
            this.mapping = map;
            this.memory = GuestMemory.of(GuestRegion.of(GPA_BASE, map.segment()));
        } catch (VirtioException | RuntimeException e) {
            if (map != null) {
                map.close();
            }
            Fds.closeQuietly(fd);
            socket.close();
            throw e;
        }
    }

    /**
     * Connects to the back end at {@code socket}.
     *
     * @param timeout how long any answer may take
     * @param memorySize bytes of memory to share (rings and buffers)
     */
    public static VhostUserFrontend connect(Path socket, Duration timeout, long memorySize) throws VirtioException {
        return new VhostUserFrontend(socket, timeout, memorySize);
    }

    @Override
    public long offeredFeatures() {
        return offered & ~bit(VhostUser.F_PROTOCOL_FEATURES);
    }

    @Override
    public synchronized long negotiate(long features) throws VirtioException {
        long f = (features & offered) | (offered & bit(VhostUser.F_PROTOCOL_FEATURES));
        u64Message(VhostUser.SET_FEATURES, f);
        acked = f;
        return f & ~bit(VhostUser.F_PROTOCOL_FEATURES);
    }

    @Override
    public synchronized byte[] readConfig(int offset, int length) throws VirtioException {
        if ((protocol & bit(VhostUser.PROTOCOL_F_CONFIG)) == 0) {
            throw new VirtioException(UNSUPPORTED, "back end at " + path + " does not offer"
                    + " VHOST_USER_PROTOCOL_F_CONFIG; the device configuration cannot be read");
        }
        int sent = DeviceConfig.write(payload, offset, length);
        send(VhostUser.GET_CONFIG, sent, null, false);
        int got = reply(VhostUser.GET_CONFIG);
        if (got != sent) {
            throw new ProtocolException(String.format("back end answered GET_CONFIG of %d bytes at %d with a %d-byte"
                    + " payload; expected %d", length, offset, got, sent));
        }
        return payload.asSlice(DeviceConfig.DATA, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long allocate(long bytes, long align) {
        return allocator.allocate(bytes, align);
    }

    private long userAddress(long gpa) {
        return mapping.segment().address() + (gpa - GPA_BASE);
    }

    @Override
    public synchronized void startQueue(int index, QueueConfig config) throws VirtioException {
        if (index < 0 || index >= MAX_QUEUES) {
            throw new IllegalArgumentException("queue " + index + " is not one of the " + MAX_QUEUES
                    + " this front end serves");
        }
        releaseQueueFds(index); // set up again without a stop (the back end should refuse): no fd is leaked
        if (!memTableSent) {
            int n = MemoryTable.write(payload, List.of(new MemoryRegion(GPA_BASE, size, userAddress(GPA_BASE), 0)));
            send(VhostUser.SET_MEM_TABLE, n, new int[] {memFd}, true);
            memTableSent = true;
        }
        state(VhostUser.SET_VRING_NUM, index, config.size());
        state(VhostUser.SET_VRING_BASE, index, 0);
        VringAddress.write(payload, index, userAddress(config.descTable()), userAddress(config.usedRing()),
                userAddress(config.availRing()));
        send(VhostUser.SET_VRING_ADDR, VringAddress.SIZE, null, true);
        try {
            kick[index] = EventFd.create();
            call[index] = EventFd.create();
            err[index] = EventFd.create();
            waits[index] = Epoll.create();
            waitEvents[index] = new EpollEvents(4);
            waits[index].add(call[index].fd(), Epoll.IN | Epoll.EDGE, CALLED); // each call reported once, never read
            waits[index].add(err[index].fd(), Epoll.IN, ERROR);
            waits[index].add(socket.fd(), Epoll.RDHUP | Epoll.HUP, HUNG_UP);
        } catch (IOException e) {
            throw local("cannot create the eventfds of queue " + index, e);
        }
        vringFd(VhostUser.SET_VRING_CALL, index, call[index]);
        vringFd(VhostUser.SET_VRING_ERR, index, err[index]);
        vringFd(VhostUser.SET_VRING_KICK, index, kick[index]);
        if ((acked & bit(VhostUser.F_PROTOCOL_FEATURES)) != 0) {
            state(VhostUser.SET_VRING_ENABLE, index, 1);
        }
    }

    /**
     * Stops queue {@code index} as a driver resetting one queue does: GET_VRING_BASE, then its kick, call and err
     * eventfds are closed, so that {@link #startQueue} can set it up again (from index 0, over rings the caller
     * has reset). Does nothing for a queue that is not started. No thread may be waiting on the queue
     * ({@link #awaitNotification}) meanwhile.
     *
     * @return the back end's next available index for the queue, where it stopped
     */
    public synchronized int stopQueue(int index) throws VirtioException {
        if (index < 0 || index >= MAX_QUEUES || kick[index] == null) {
            return 0;
        }
        state(VhostUser.GET_VRING_BASE, index, 0, false);
        int got = reply(VhostUser.GET_VRING_BASE);
        if (got != VringState.SIZE) {
            throw new ProtocolException("back end answered GET_VRING_BASE with a " + got + "-byte payload; expected "
                    + VringState.SIZE);
        }
        int base = VringState.num(payload);
        releaseQueueFds(index);
        return base;
    }

    private void releaseQueueFds(int index) {
        if (kick[index] == null) {
            return;
        }
        closeQuietly(kick[index]);
        closeQuietly(call[index]);
        closeQuietly(err[index]);
        waits[index].close();
        kick[index] = call[index] = err[index] = null;
        waits[index] = null;
        waitEvents[index] = null;
    }

    @Override
    public void notifyDevice(int index) throws VirtioException {
        try {
            kick[index].signal();
        } catch (IOException e) {
            throw local("cannot kick queue " + index, e);
        }
    }

    @Override
    public boolean awaitNotification(int index, Duration wait) throws VirtioException {
        Epoll ep = waits[index];
        EpollEvents ev = waitEvents[index];
        if (closed || ep == null) {
            throw new VirtioException(CLOSED, "the front end is closed");
        }
        int n;
        try {
            n = ep.await(ev, (int) Math.min(Integer.MAX_VALUE, wait.toMillis()));
        } catch (IOException e) {
            if (closed) {
                throw new VirtioException(CLOSED, "the front end is closed", e);
            }
            throw local("cannot wait for queue " + index, e);
        }
        boolean called = false;
        for (int i = 0; i < n; i++) {
            long data = ev.data(i);
            if (data == CALLED) {
                called = true;
            } else if (data == ERROR) {
                try {
                    err[index].drain();
                } catch (IOException e) {
                    throw local("cannot read the error eventfd of queue " + index, e);
                }
                throw new VirtioException(PROTOCOL_VIOLATION, "the back end at " + path + " signalled an error on"
                        + " queue " + index + ": it found the ring unusable");
            } else {
                throw new VirtioException(CLOSED, "the back end at " + path + " closed the connection");
            }
        }
        return called;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    /** Stops every queue (GET_VRING_BASE), closes the connection and releases the memory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < MAX_QUEUES; i++) {
            if (kick[i] != null && socket.isOpen()) {
                try {
                    state(VhostUser.GET_VRING_BASE, i, 0, false);
                    reply(VhostUser.GET_VRING_BASE);
                } catch (VirtioException e) {
                    break; // the back end is gone; nothing more to stop
                }
            }
        }
        socket.close();
        for (int i = 0; i < MAX_QUEUES; i++) {
            closeQuietly(kick[i]);
            closeQuietly(call[i]);
            closeQuietly(err[i]);
            if (waits[i] != null) {
                waits[i].close();
            }
        }
        mapping.close();
        Fds.closeQuietly(memFd);
    }

    private static void closeQuietly(EventFd e) {
        if (e != null) {
            e.close();
        }
    }

    private static VirtioException local(String what, IOException e) {
        return new VirtioException(LOCAL_FAILURE, what + ": " + e.getMessage(), e);
    }

    private void state(int request, int index, int num) throws VirtioException {
        state(request, index, num, true);
    }

    private void state(int request, int index, int num, boolean ack) throws VirtioException {
        VringState.write(payload, index, num);
        send(request, VringState.SIZE, null, ack);
    }

    private void vringFd(int request, int index, EventFd fd) throws VirtioException {
        U64.write(payload, VringFd.of(index, false));
        send(request, VringFd.SIZE, new int[] {fd.fd()}, true);
    }

    private long u64Request(int request) throws VirtioException {
        send(request, 0, null, false);
        int got = reply(request);
        if (got != U64.SIZE) {
            throw new ProtocolException("back end answered " + VhostUser.name(request) + " with a " + got
                    + "-byte payload; expected " + U64.SIZE);
        }
        return U64.value(payload);
    }

    private void u64Message(int request, long value) throws VirtioException {
        U64.write(payload, value);
        send(request, U64.SIZE, null, true);
    }

    /** Sends a message; with REPLY_ACK negotiated and {@code ack}, asks for and checks the acknowledgement. */
    private void send(int request, int payloadSize, int[] sendFds, boolean ack) throws VirtioException {
        boolean needReply = ack && (protocol & bit(VhostUser.PROTOCOL_F_REPLY_ACK)) != 0;
        Header.write(msg, request, Header.FLAG_VERSION | (needReply ? Header.FLAG_NEED_REPLY : 0), payloadSize);
        try {
            socket.sendFully(msg, 0, Header.SIZE + payloadSize, sendFds, sendFds == null ? 0 : sendFds.length);
        } catch (LinuxException e) {
            if (e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET) {
                throw new VirtioException(CLOSED, "the back end at " + path + " closed the connection before "
                        + VhostUser.name(request) + " could be sent", e);
            }
            if (e.errno() == Errno.EAGAIN) {
                throw new VirtioException(TIMED_OUT, "the back end at " + path + " did not take "
                        + VhostUser.name(request) + " within " + timeout.toMillis() + " ms", e);
            }
            throw local("cannot send " + VhostUser.name(request) + " to the back end at " + path, e);
        } catch (IOException e) {
            throw local("cannot send " + VhostUser.name(request) + " to the back end at " + path, e);
        }
        if (needReply) {
            int got = reply(request);
            if (got != U64.SIZE) {
                throw new ProtocolException("back end acknowledged " + VhostUser.name(request) + " with a " + got
                        + "-byte payload; expected " + U64.SIZE);
            }
            long status = U64.value(payload);
            if (status != 0) {
                throw new VirtioException(REFUSED, "back end at " + path + " refused " + VhostUser.name(request)
                        + " (REPLY_ACK status " + status + ")");
            }
        }
    }

    /** Reads a reply to {@code request}; returns its payload size (the payload is in {@link #payload}). */
    private int reply(int request) throws VirtioException {
        try {
            socket.receiveFully(msg, 0, Header.SIZE, fds);
            int r = Header.request(msg);
            int flags = Header.flags(msg);
            int got = Header.payloadSize(msg);
            if (r != request || (flags & Header.FLAG_REPLY) == 0 || !Header.versionOk(flags)) {
                throw new ProtocolException(String.format("back end at %s answered %s with message %s, flags 0x%x",
                        path, VhostUser.name(request), VhostUser.name(r), flags));
            }
            Header.checkSize(request, got, VhostUser.MAX_PAYLOAD);
            socket.receiveFully(msg, Header.SIZE, got, fds);
            return got;
        } catch (EOFException e) {
            throw closedInsteadOfAnswering(request, e);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECONNRESET) {
                throw closedInsteadOfAnswering(request, e);
            }
            if (e.errno() == Errno.EAGAIN) {
                throw new VirtioException(TIMED_OUT, "the back end at " + path + " did not answer "
                        + VhostUser.name(request) + " within " + timeout.toMillis() + " ms", e);
            }
            throw local("reading the answer to " + VhostUser.name(request) + " from " + path, e);
        } catch (VirtioException e) {
            throw e;
        } catch (IOException e) {
            throw local("reading the answer to " + VhostUser.name(request) + " from " + path, e);
        } finally {
            fds.closeAll();
        }
    }

    private VirtioException closedInsteadOfAnswering(int request, IOException e) {
        return new VirtioException(CLOSED, "the back end at " + path + " closed the connection instead of answering "
                + VhostUser.name(request), e);
    }
}
