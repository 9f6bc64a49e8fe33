package dev.vgpio.vhostuser;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.EventFd;
import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.MappedRegion;
import dev.vgpio.sys.MemFd;
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.virtqueue.DriverQueue;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal vhost-user front end for tests, acting as QEMU does: shares a memfd as guest memory, sets up both
 * queues, and sends virtio-gpio requests through a driver-side ring, kicking and waiting for calls by eventfd.
 */
final class TestFrontend implements AutoCloseable {
    static final long GPA = 0x4000_0000L;
    static final long USER = 0x7f12_3400_0000L;
    static final long SIZE = 0x20_0000;
    static final int QSIZE = 64;
    static final long BUFS = GPA + 0x10_0000;

    final UnixSocket socket;
    final Arena arena = Arena.ofShared();
    final MemorySegment msg = arena.allocate(Header.SIZE + VhostUser.MAX_PAYLOAD, 8);
    /** Where the payload of {@link #msg} starts. */
    final MemorySegment payload = msg.asSlice(Header.SIZE);
    final FdSet fds = new FdSet(16);
    int memFd = -1;
    MappedRegion mapping;
    GuestMemory memory;
    final EventFd[] kick = new EventFd[2];
    final EventFd[] call = new EventFd[2];
    DriverQueue requestq;
    DriverQueue eventq;
    final Epoll epoll;
    final EpollEvents events = new EpollEvents(4);
    long backendFeatures;
    int slot;

    TestFrontend(Path path) throws IOException {
        this(UnixSocket.connect(path));
    }

    /** A front end on a connection it accepted (the back end connected to it). */
    TestFrontend(UnixSocket connected) throws IOException {
        socket = connected;
        socket.setReceiveTimeout(Duration.ofSeconds(5));
        epoll = Epoll.create();
    }

    /** Sends one message; {@code size} bytes of {@link #payload} follow the header. */
    void send(int request, int flags, int size, int[] sendFds) throws IOException {
        Header.write(msg, request, flags, size);
        socket.sendFully(msg, 0, Header.SIZE + size, sendFds, sendFds == null ? 0 : sendFds.length);
    }

    void send(int request, int size) throws IOException {
        send(request, Header.FLAG_VERSION, size, null);
    }

    /** Reads one reply; returns its payload size (the payload is in {@link #payload}). */
    int reply(int request) throws IOException {
        socket.receiveFully(msg, 0, Header.SIZE, fds);
        int r = Header.request(msg);
        int flags = Header.flags(msg);
        int size = Header.payloadSize(msg);
        if (r != request || (flags & Header.FLAG_REPLY) == 0) {
            throw new IOException("unexpected reply " + r + " flags " + flags + " to " + request);
        }
        socket.receiveFully(msg, Header.SIZE, size, fds);
        fds.closeAll();
        return size;
    }

    long u64Request(int request) throws IOException {
        send(request, 0);
        reply(request);
        return U64.value(payload);
    }

    void u64Message(int request, long value) throws IOException {
        U64.write(payload, value);
        send(request, U64.SIZE);
    }

    void state(int request, int index, int num) throws IOException {
        VringState.write(payload, index, num);
        send(request, VringState.SIZE);
    }

    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR with {@code fd}. */
    void vringFd(int request, int index, EventFd fd) throws IOException {
        U64.write(payload, VringFd.of(index, false));
        send(request, Header.FLAG_VERSION, VringFd.SIZE, new int[] {fd.fd()});
    }

    /** Feature negotiation as QEMU does it; accepts every offered feature. */
    void negotiate() throws IOException {
        backendFeatures = u64Request(VhostUser.GET_FEATURES);
        long protocol = u64Request(VhostUser.GET_PROTOCOL_FEATURES);
        u64Message(VhostUser.SET_PROTOCOL_FEATURES, protocol);
        u64Request(VhostUser.GET_QUEUE_NUM);
        send(VhostUser.SET_OWNER, 0);
        u64Message(VhostUser.SET_FEATURES, backendFeatures);
    }

    /** GET_CONFIG of the whole virtio-gpio configuration space. */
    GpioConfig config() throws IOException {
        int sent = DeviceConfig.write(payload, 0, GpioConfig.SIZE);
        send(VhostUser.GET_CONFIG, sent);
        int size = reply(VhostUser.GET_CONFIG);
        if (size != sent) {
            throw new IOException("GET_CONFIG reply of " + size + " bytes");
        }
        return GpioConfig.decode(payload, DeviceConfig.DATA);
    }

    /** Shares the guest memory (with REPLY_ACK) and sets up both queues, enabled. */
    void setUpQueues(boolean withEventq) throws Exception {
        if (memFd < 0) {
            memFd = MemFd.create("test-guest", SIZE);
            mapping = MappedRegion.map(memFd, SIZE, 0);
            memory = GuestMemory.of(GuestRegion.of(GPA, mapping.segment()));
        }
        int table = MemoryTable.write(payload, List.of(new MemoryRegion(GPA, SIZE, USER, 0)));
        send(VhostUser.SET_MEM_TABLE, Header.FLAG_VERSION | Header.FLAG_NEED_REPLY, table, new int[] {memFd});
        reply(VhostUser.SET_MEM_TABLE);
        if (U64.value(payload) != 0) {
            throw new IOException("SET_MEM_TABLE was refused");
        }
        for (int q = 0; q < (withEventq ? 2 : 1); q++) {
            QueueConfig c = QueueConfig.contiguous(GPA + 0x1_0000L * q, QSIZE);
            DriverQueue dq = DriverQueue.create(memory, c, true);
            if (q == 0) {
                requestq = dq;
            } else {
                eventq = dq;
            }
            dq.setInterrupts(true);
            state(VhostUser.SET_VRING_NUM, q, QSIZE);
            state(VhostUser.SET_VRING_BASE, q, 0);
            VringAddress.write(payload, q, USER + (c.descTable() - GPA), USER + (c.usedRing() - GPA),
                    USER + (c.availRing() - GPA));
            send(VhostUser.SET_VRING_ADDR, VringAddress.SIZE);
            kick[q] = EventFd.create();
            call[q] = EventFd.create();
            epoll.add(call[q].fd(), Epoll.IN, q);
            vringFd(VhostUser.SET_VRING_KICK, q, kick[q]);
            vringFd(VhostUser.SET_VRING_CALL, q, call[q]);
            state(VhostUser.SET_VRING_ENABLE, q, 1);
        }
    }

    /** Sends one request and waits (up to 5 s) for its answer: {status, value, used length}. */
    int[] request(MessageType type, int gpio, long value) throws IOException {
        return request(type.code(), gpio, value, type == MessageType.GET_LINE_NAMES ? -1 : 2);
    }

    int[] request(int type, int gpio, long value, int responseSize) throws IOException {
        long buf = BUFS + 0x100L * (slot++ % 256);
        try {
            queueRequest(buf, type, gpio, value, responseSize);
            if (requestq.kickNeeded()) {
                kick[0].signal();
            }
            List<int[]> used = new ArrayList<>();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (used.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no answer from the back end within 5 s");
                }
                epoll.await(events, 100);
                call[0].drain();
                requestq.drainUsed((h, len) -> used.add(new int[] {h, len}));
            }
            return new int[] {memory.readU8(buf + 16), memory.readU8(buf + 17), used.getFirst()[1]};
        } catch (dev.vgpio.memory.GuestMemoryException | dev.vgpio.virtqueue.BrokenQueueException e) {
            throw new IOException(e);
        }
    }

    /** Where {@link #watchRisingEdges} queues its interrupt pair. */
    static final long IRQ_BUF = BUFS + 0xf000;

    /**
     * Makes {@code line} an input with a rising-edge interrupt and queues its interrupt pair at {@link #IRQ_BUF}
     * ({@link #queueInterruptBuffer}).
     */
    void watchRisingEdges(int line) throws Exception {
        request(MessageType.SET_DIRECTION, line, dev.vgpio.protocol.Direction.IN.code());
        request(MessageType.SET_IRQ_TYPE, line, dev.vgpio.protocol.IrqType.EDGE_RISING.code());
        queueInterruptBuffer(line, IRQ_BUF);
    }

    /**
     * Makes an interrupt pair for {@code line} available on the eventq and kicks it: the request at {@code buf},
     * the one-byte response at {@code buf + 8}, preset to 0xee so that an answer shows.
     */
    void queueInterruptBuffer(int line, long buf) throws Exception {
        memory.writeU16(buf, line);
        memory.writeU8(buf + 8, 0xee);
        eventq.begin().readable(buf, 2).writable(buf + 8, 1).submit();
        eventq.publish();
        kick[1].signal();
    }

    /**
     * Puts a request on the requestq and publishes it without kicking: the request at {@code buf}, the response
     * room ({@code responseSize} bytes, preset to 0xee) at {@code buf + 16}.
     */
    void queueRequest(long buf, int type, int gpio, long value, int responseSize)
            throws dev.vgpio.memory.GuestMemoryException {
        memory.write(buf, GpioRequest.toBytes(type, gpio, value), 0, 8);
        memory.fill(buf + 16, 0x80, (byte) 0xee);
        requestq.begin().readable(buf, 8).writable(buf + 16, responseSize).submit();
        requestq.publish();
    }

    /**
     * Sets the counter of {@code fd} (a front end's own eventfd) to its maximum, so that a write of 1 would have to
     * wait (or fail with EAGAIN).
     */
    static void fillCounter(EventFd fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment max = a.allocate(java.lang.foreign.ValueLayout.JAVA_LONG);
            max.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0xffff_ffff_ffff_fffeL);
            if (dev.vgpio.sys.Fds.write(fd.fd(), max, 8) != 8) {
                throw new IOException("the counter of " + fd + " did not take the value");
            }
        }
    }

    /** GET_VRING_BASE for a queue. */
    int vringBase(int q) throws IOException {
        state(VhostUser.GET_VRING_BASE, q, 0);
        reply(VhostUser.GET_VRING_BASE);
        return VringState.num(payload);
    }

    @Override
    public void close() {
        socket.close();
        for (EventFd e : kick) {
            if (e != null) {
                e.close();
            }
        }
        for (EventFd e : call) {
            if (e != null) {
                e.close();
            }
        }
        epoll.close();
        if (mapping != null) {
            mapping.close();
        }
        if (memFd >= 0) {
            dev.vgpio.sys.Fds.closeQuietly(memFd);
        }
    }
}
