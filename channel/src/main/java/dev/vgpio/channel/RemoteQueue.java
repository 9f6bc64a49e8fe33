package dev.vgpio.channel;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioException.Reason;
import dev.vgpio.virtqueue.BrokenQueueException;
import dev.vgpio.virtqueue.DescriptorChain;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.virtqueue.MalformedChainException;
import dev.vgpio.virtqueue.QueueConfig;
import dev.vgpio.virtqueue.RingFeatures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One queue of a {@link ChannelTransport}: the driver's split ring in local memory, read from the device's side.
 * Each chain the driver makes available goes out as a REQUEST with a free tag; its RESPONSE, whole or in pieces,
 * is written into the chain's buffers and the chain is used. Lock order: this queue's lock, then the transport's
 * send lock.
 */
final class RemoteQueue {
    private final ChannelTransport transport;
    private final int index;
    private final GuestMemory memory;
    private final DeviceQueue ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Semaphore signal = new Semaphore(0);
    /** The chain each tag carries while in flight; the objects are reused. */
    private final DescriptorChain[] byTag;
    private final boolean[] inFlight;
    private final int[] freeTags;
    private int freeCount;
    private DescriptorChain spare;
    /** A response that comes in pieces is put together here. */
    private final MemorySegment staging = Arena.ofAuto().allocate(0x10000);
    private int pieceTag = -1;
    private int pieceOffset;
    private boolean usedPending;

    RemoteQueue(ChannelTransport transport, int index, int tags, GuestMemory memory, QueueConfig config,
            RingFeatures features) throws VirtioException {
        this.transport = transport;
        this.index = index;
        this.memory = memory;
        try {
            this.ring = DeviceQueue.create(memory, config, features);
        } catch (BrokenQueueException e) {
            throw new VirtioException(Reason.LOCAL_FAILURE, "queue " + index + " cannot start: " + e.getMessage(),
                    e);
        }
        this.byTag = new DescriptorChain[tags];
        this.inFlight = new boolean[tags];
        this.freeTags = new int[tags];
        for (int t = 0; t < tags; t++) {
            byTag[t] = ring.newChain();
            freeTags[t] = tags - 1 - t; // tag 0 goes first
        }
        this.freeCount = tags;
        this.spare = ring.newChain();
    }

    /** Sends every chain the driver made available, while the device's queue has free tags. */
    void sendAvailable() throws VirtioException {
        lock.lock();
        try {
            sendAvailableLocked();
        } finally {
            lock.unlock();
        }
    }

    private void sendAvailableLocked() throws VirtioException {
        ReentrantLock send = transport.sendLock();
        send.lock();
        try {
            while (freeCount > 0) {
                DescriptorChain chain = spare;
                try {
                    if (!ring.pop(chain)) {
                        // ask for a kick for the next chain (avail_event, or the used ring's flag), then look again:
                        // a chain made available meanwhile may not kick
                        ring.setNotification(true);
                        if (ring.hasAvailable()) {
                            continue;
                        }
                        break;
                    }
                } catch (MalformedChainException e) {
                    if (e.returnable()) {
                        ring.putUsed(e.head(), 0); // as a device does: the driver gets it back empty
                        usedPending = true;
                    }
                    continue;
                }
                long readable = chain.readableBytes();
                if (readable > Frame.MAX_BODY) {
                    ring.putUsed(chain.head(), 0); // no frame carries it: back to the driver, empty
                    usedPending = true;
                    continue;
                }
                int tag = freeTags[--freeCount];
                spare = byTag[tag];
                byTag[tag] = chain;
                inFlight[tag] = true;
                int writable = (int) Math.min(chain.writableBytes(), 0xffff);
                MemorySegment f = transport.encoder().frame();
                Frame.header(f, Frame.REQUEST, index, tag, writable, 0);
                chain.readFrom(memory, f, Frame.BODY, (int) readable);
                transport.sendLocked(Frame.HEADER + (int) readable);
            }
            transport.flushLocked();
        } catch (BrokenQueueException e) {
            VirtioException v = new VirtioException(Reason.PROTOCOL_VIOLATION, "queue " + index + ": "
                    + e.getMessage(), e);
            transport.end(v);
            throw v;
        } catch (GuestMemoryException e) {
            throw new VirtioException(Reason.LOCAL_FAILURE, "queue " + index + ": " + e.getMessage(), e);
        } finally {
            send.unlock();
        }
    }

    /** A RESPONSE (or a piece of one) for this queue, from the reading thread. */
    void onResponse(MemorySegment f, int length) throws ChannelException {
        int tag = Frame.tag(f);
        int size = Frame.size(f);
        int offset = Frame.offset(f);
        int n = length - Frame.HEADER;
        lock.lock();
        try {
            if (tag >= inFlight.length || !inFlight[tag]) {
                throw new ChannelException(ChannelError.TAG, "a RESPONSE for tag " + tag + " on queue " + index
                        + ", which has no request in flight");
            }
            DescriptorChain chain = byTag[tag];
            if (size > chain.writableBytes()) {
                throw new ChannelException(ChannelError.TOO_LARGE, "a RESPONSE of " + size + " bytes for tag " + tag
                        + ", whose buffer has room for " + chain.writableBytes());
            }
            if (offset == 0 && n == size) {
                chain.writeTo(memory, f, Frame.BODY, n);
                complete(tag, chain, size);
                return;
            }
            boolean next = offset == 0 ? pieceTag < 0 : pieceTag == tag && offset == pieceOffset;
            boolean fits = offset + n <= size && (n == Frame.MAX_BODY || offset + n == size);
            if (!next || !fits) {
                throw new ChannelException(ChannelError.MALFORMED, "a RESPONSE piece of " + n + " bytes at " + offset
                        + " of " + size + " for tag " + tag + " is not the next piece (pieces of 488 bytes, in order,"
                        + " one response at a time)");
            }
            MemorySegment.copy(f, Frame.BODY, staging, offset, n);
            pieceTag = tag;
            pieceOffset = offset + n;
            if (pieceOffset == size) {
                pieceTag = -1;
                chain.writeTo(memory, staging, 0, size);
                complete(tag, chain, size);
            }
        } catch (GuestMemoryException e) {
            throw new ChannelException(ChannelError.INTERNAL, "queue " + index + ": " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private void complete(int tag, DescriptorChain chain, int length) {
        ring.putUsed(chain.head(), length);
        inFlight[tag] = false;
        freeTags[freeCount++] = tag;
        usedPending = true;
    }

    /** After a batch of frames: publishes the used chains, signals the driver, sends what waited for a tag. */
    void publishAndSignal() throws VirtioException {
        lock.lock();
        try {
            if (!usedPending) {
                return;
            }
            usedPending = false;
            try {
                ring.publishUsed();
                if (ring.needsNotification()) {
                    signal.release();
                }
            } catch (BrokenQueueException e) {
                throw new VirtioException(Reason.LOCAL_FAILURE, "queue " + index + ": " + e.getMessage(), e);
            }
            sendAvailableLocked();
        } finally {
            lock.unlock();
        }
    }

    boolean await(Duration timeout) throws InterruptedException {
        boolean got = signal.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (got) {
            signal.drainPermits();
        }
        return got;
    }

    void wakeAll() {
        signal.release();
    }
}
