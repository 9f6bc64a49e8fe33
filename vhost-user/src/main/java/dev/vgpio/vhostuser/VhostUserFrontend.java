package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.VhostUser.bit;

import dev.vgpio.driver.BumpAllocator;
import dev.vgpio.driver.DriverException;
import dev.vgpio.driver.VirtioTransport;
import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.LinuxException;
import dev.vgpio.sys.MappedRegion;
import dev.vgpio.sys.MemFd;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A vhost-user front end, as QEMU is one: it connects to a back end's socket, negotiates features and protocol
 * features (CONFIG, REPLY_ACK and MQ when offered), shares memory it allocates itself (a memfd) with SET_MEM_TABLE,
 * and hands over queues with SET_VRING_NUM/BASE/ADDR/KICK/CALL/ERR and SET_VRING_ENABLE; GET_VRING_BASE on close.
 * It follows vhost-user.rst rather than vgpio's own back end, so it can drive any vhost-user-gpio back end. Every reply
 * is checked (type, reply flag, size); a back end that closes the socket, answers wrongly or not within the timeout
 * gives a {@link DriverException} naming the message.
 */
public final class VhostUserFrontend implements VirtioTransport {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long GPA_BASE = 0;
    private static final int MAX_QUEUES = 8;

    private final Path path;
    private final Duration timeout;
    private final UnixSocket socket;
    private final MemorySegment msg = Arena.ofAuto().allocate(VhostUser.HEADER_SIZE + VhostUser.MAX_PAYLOAD, 8);
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

    private VhostUserFrontend(Path path, Duration timeout, long memorySize) throws IOException {
        this.path = path;
        this.timeout = timeout;
        this.size = memorySize;
        this.allocator = new BumpAllocator(GPA_BASE, memorySize, "front-end memory");
        try {
            this.socket = UnixSocket.connect(path);
        } catch (LinuxException e) {
            throw new DriverException("cannot connect to the vhost-user back end at " + path + ": " + e.getMessage(), e);
        }
        int fd = -1;
        MappedRegion map = null;
        try {
            socket.setReceiveTimeout(timeout);
            socket.setSendTimeout(timeout);
            offered = u64Request(VhostUser.GET_FEATURES);
            long p = 0;
            if ((offered & bit(VhostUser.F_PROTOCOL_FEATURES)) != 0) {
                long wanted = bit(VhostUser.PROTOCOL_F_CONFIG) | bit(VhostUser.PROTOCOL_F_REPLY_ACK)
                        | bit(VhostUser.PROTOCOL_F_MQ);
                p = u64Request(VhostUser.GET_PROTOCOL_FEATURES) & wanted;
                u64Message(VhostUser.SET_PROTOCOL_FEATURES, p);
            }
            protocol = p;
            if ((protocol & bit(VhostUser.PROTOCOL_F_MQ)) != 0) {
                long queues = u64Request(VhostUser.GET_QUEUE_NUM);
                if (queues < 1) {
                    throw new DriverException("back end reports " + queues + " queues");
                }
            }
            send(VhostUser.SET_OWNER, 0, null, true);
            fd = MemFd.create("vgpio-frontend", memorySize);
            map = MappedRegion.map(fd, memorySize, 0);
            this.memFd = fd;
            this.mapping = map;
            this.memory = GuestMemory.of(GuestRegion.of(GPA_BASE, map.segment()));
        } catch (IOException | RuntimeException e) {
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
    public static VhostUserFrontend connect(Path socket, Duration timeout, long memorySize) throws IOException {
        return new VhostUserFrontend(socket, timeout, memorySize);
    }

    /** The protocol features both sides agreed on. */
    public long protocolFeatures() {
        return protocol;
    }

    @Override
    public long offeredFeatures() {
        return offered & ~bit(VhostUser.F_PROTOCOL_FEATURES);
    }

    @Override
    public synchronized long negotiate(long features) throws IOException {
        long f = (features & offered) | (offered & bit(VhostUser.F_PROTOCOL_FEATURES));
        u64Message(VhostUser.SET_FEATURES, f);
        acked = f;
        return f & ~bit(VhostUser.F_PROTOCOL_FEATURES);
    }

    @Override
    public synchronized byte[] readConfig(int offset, int length) throws IOException {
        if ((protocol & bit(VhostUser.PROTOCOL_F_CONFIG)) == 0) {
            throw new DriverException("back end at " + path + " does not offer VHOST_USER_PROTOCOL_F_CONFIG;"
                    + " the device configuration cannot be read");
        }
        msg.set(U32, 12, offset);
        msg.set(U32, 16, length);
        msg.set(U32, 20, 0);
        msg.asSlice(24, length).fill((byte) 0);
        send(VhostUser.GET_CONFIG, 12 + length, null, false);
        int got = reply(VhostUser.GET_CONFIG);
        if (got != 12 + length) {
            throw new DriverException(String.format("back end answered GET_CONFIG of %d bytes at %d with a %d-byte"
                    + " payload; expected %d", length, offset, got, 12 + length));
        }
        return msg.asSlice(24, length).toArray(ValueLayout.JAVA_BYTE);
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
    public synchronized void startQueue(int index, QueueConfig config) throws IOException {
        if (index < 0 || index >= MAX_QUEUES) {
            throw new IllegalArgumentException("queue " + index);
        }
        if (!memTableSent) {
            msg.set(U32, 12, 1);
            msg.set(U32, 16, 0);
            msg.set(U64, 20, GPA_BASE);
            msg.set(U64, 28, size);
            msg.set(U64, 36, userAddress(GPA_BASE));
            msg.set(U64, 44, 0);
            send(VhostUser.SET_MEM_TABLE, 40, new int[] {memFd}, true);
            memTableSent = true;
        }
        state(VhostUser.SET_VRING_NUM, index, config.size());
        state(VhostUser.SET_VRING_BASE, index, 0);
        msg.set(U32, 12, index);
        msg.set(U32, 16, 0);
        msg.set(U64, 20, userAddress(config.descTable()));
        msg.set(U64, 28, userAddress(config.usedRing()));
        msg.set(U64, 36, userAddress(config.availRing()));
        msg.set(U64, 44, 0);
        send(VhostUser.SET_VRING_ADDR, 40, null, true);
        kick[index] = EventFd.create();
        call[index] = EventFd.create();
        err[index] = EventFd.create();
        waits[index] = Epoll.create();
        waitEvents[index] = new EpollEvents(4);
        waits[index].add(call[index].fd(), Epoll.IN | Epoll.EDGE, 0); // each call reported once, never read
        waits[index].add(err[index].fd(), Epoll.IN, 1);
        waits[index].add(socket.fd(), Epoll.RDHUP | Epoll.HUP, 2);
        vringFd(VhostUser.SET_VRING_CALL, index, call[index]);
        vringFd(VhostUser.SET_VRING_ERR, index, err[index]);
        vringFd(VhostUser.SET_VRING_KICK, index, kick[index]);
        if ((acked & bit(VhostUser.F_PROTOCOL_FEATURES)) != 0) {
            state(VhostUser.SET_VRING_ENABLE, index, 1);
        }
    }

    @Override
    public void notifyDevice(int index) throws IOException {
        kick[index].signal();
    }

    @Override
    public boolean awaitNotification(int index, Duration wait) throws IOException {
        Epoll ep = waits[index];
        EpollEvents ev = waitEvents[index];
        if (closed || ep == null) {
            throw new DriverException("the front end is closed");
        }
        int n = ep.await(ev, (int) Math.min(Integer.MAX_VALUE, wait.toMillis()));
        boolean called = false;
        for (int i = 0; i < n; i++) {
            long data = ev.data(i);
            if (data == 0) {
                called = true;
            } else if (data == 1) {
                err[index].drain();
                throw new DriverException("the back end at " + path + " signalled an error on queue " + index);
            } else {
                throw new DriverException("the back end at " + path + " closed the connection");
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
                } catch (IOException e) {
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

    private void state(int request, int index, int num) throws IOException {
        state(request, index, num, true);
    }

    private void state(int request, int index, int num, boolean ack) throws IOException {
        msg.set(U32, 12, index);
        msg.set(U32, 16, num);
        send(request, 8, null, ack);
    }

    private void vringFd(int request, int index, EventFd fd) throws IOException {
        msg.set(U64, 12, index);
        send(request, 8, new int[] {fd.fd()}, true);
    }

    private long u64Request(int request) throws IOException {
        send(request, 0, null, false);
        int got = reply(request);
        if (got != 8) {
            throw new DriverException("back end answered " + VhostUser.name(request) + " with a " + got
                    + "-byte payload; expected 8");
        }
        return msg.get(U64, 12);
    }

    private void u64Message(int request, long value) throws IOException {
        msg.set(U64, 12, value);
        send(request, 8, null, true);
    }

    /** Sends a message; with REPLY_ACK negotiated and {@code ack}, asks for and checks the acknowledgement. */
    private void send(int request, int payload, int[] sendFds, boolean ack) throws IOException {
        boolean needReply = ack && (protocol & bit(VhostUser.PROTOCOL_F_REPLY_ACK)) != 0;
        msg.set(U32, 0, request);
        msg.set(U32, 4, VhostUser.FLAG_VERSION | (needReply ? VhostUser.FLAG_NEED_REPLY : 0));
        msg.set(U32, 8, payload);
        try {
            socket.sendFully(msg, 0, VhostUser.HEADER_SIZE + payload, sendFds, sendFds == null ? 0 : sendFds.length);
        } catch (LinuxException e) {
            if (e.errno() == dev.vgpio.sys.Errno.EPIPE || e.errno() == dev.vgpio.sys.Errno.ECONNRESET) {
                throw new DriverException("the back end at " + path + " closed the connection before "
                        + VhostUser.name(request) + " could be sent", e);
            }
            throw new DriverException("cannot send " + VhostUser.name(request) + " to the back end at " + path + ": "
                    + e.getMessage(), e);
        }
        if (needReply) {
            int got = reply(request);
            if (got != 8) {
                throw new DriverException("back end acknowledged " + VhostUser.name(request) + " with a " + got
                        + "-byte payload; expected 8");
            }
            long status = msg.get(U64, 12);
            if (status != 0) {
                throw new DriverException("back end at " + path + " refused " + VhostUser.name(request)
                        + " (REPLY_ACK status " + status + ")");
            }
        }
    }

    /** Reads a reply to {@code request}; returns its payload size (payload at offset 12 of {@link #msg}). */
    private int reply(int request) throws IOException {
        try {
            socket.receiveFully(msg, 0, VhostUser.HEADER_SIZE, fds);
            int r = msg.get(U32, 0);
            int flags = msg.get(U32, 4);
            int payload = msg.get(U32, 8);
            if (r != request || (flags & VhostUser.FLAG_REPLY) == 0
                    || (flags & VhostUser.FLAG_VERSION_MASK) != VhostUser.FLAG_VERSION) {
                throw new DriverException(String.format("back end at %s answered %s with message %s, flags 0x%x",
                        path, VhostUser.name(request), VhostUser.name(r), flags));
            }
            if (payload < 0 || payload > VhostUser.MAX_PAYLOAD) {
                throw new DriverException("back end answered " + VhostUser.name(request) + " announcing "
                        + Integer.toUnsignedString(payload) + " payload bytes");
            }
            socket.receiveFully(msg, VhostUser.HEADER_SIZE, payload, fds);
            return payload;
        } catch (EOFException e) {
            throw new DriverException("the back end at " + path + " closed the connection instead of answering "
                    + VhostUser.name(request), e);
        } catch (LinuxException e) {
            if (e.errno() == dev.vgpio.sys.Errno.ECONNRESET) {
                throw new DriverException("the back end at " + path + " closed the connection instead of answering "
                        + VhostUser.name(request), e);
            }
            if (e.errno() == dev.vgpio.sys.Errno.EAGAIN) {
                throw new DriverException("the back end at " + path + " did not answer " + VhostUser.name(request)
                        + " within " + timeout.toMillis() + " ms", e);
            }
            throw new DriverException("reading the answer to " + VhostUser.name(request) + " from " + path + ": "
                    + e.getMessage(), e);
        } finally {
            fds.closeAll();
        }
    }
}
