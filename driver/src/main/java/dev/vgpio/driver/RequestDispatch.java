package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.CLOSED;
import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.TIMED_OUT;

import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requestq messages for many threads at once and hands each answer to the thread that waits for it: the
 * requestq's counterpart of {@link EventDispatch}. A completion thread drains the {@link RequestRing} whenever the
 * device signals; a waiter that gives up after the timeout leaves its slot to the late answer, which frees it. Once
 * the device misbehaves or goes away, every waiter and every later call gets that failure, with its reason.
 */
final class RequestDispatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatch.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * One request slot's answer. The waiter and the completion thread hand the slot over with {@link #state}: the
     * completion thread moves WAITING to DONE and the waiter releases the slot after reading the answer; a waiter
     * that gives up moves WAITING to ABANDONED and the completion thread releases the slot when the late answer
     * comes.
     */
    private static final class Pending {
        static final int WAITING = 0;
        static final int DONE = 1;
        static final int ABANDONED = 2;
        final AtomicInteger state = new AtomicInteger();
        volatile Thread waiter;
        int status;
        int value;
        int usedLength;
    }

    private final VirtioTransport transport;
    private final RequestRing ring;
    private final Duration timeout;
    private final ReentrantLock ringLock = new ReentrantLock();
    private final Condition slotFree = ringLock.newCondition();
    private final Pending[] pending;
    private final Thread completer;
    private volatile VirtioException broken;
    private volatile boolean closed;

    RequestDispatch(VirtioTransport transport, RequestRing ring, Duration timeout) {
        this.transport = transport;
        this.ring = ring;
        this.timeout = timeout;
        this.pending = new Pending[ring.capacity()];
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new Pending();
        }
        this.completer = Thread.ofPlatform().daemon().name("vgpio-driver-requestq").start(this::completeLoop);
    }

    /**
     * Sends one message and waits for its answer, which must have exactly {@code responseBytes} used bytes.
     *
     * @param responseAddress where the response goes in the transport's memory, or -1 for the slot's own 2 bytes
     * @throws VirtioException on a timeout (TIMED_OUT), a wrong used length (PROTOCOL_VIOLATION), or a device
     *     that failed before (its reason)
     */
    Answer send(int type, int gpio, long value, long responseAddress, int responseBytes) throws VirtioException {
        checkUsable();
        Pending p;
        int slot;
        ringLock.lock();
        try {
            while (ring.freeSlots() == 0) {
                checkUsable();
                slotFree.awaitUninterruptibly();
            }
            slot = ring.submit(type, gpio, value, responseAddress, responseBytes);
            p = pending[slot];
            p.waiter = Thread.currentThread();
            p.state.set(Pending.WAITING);
            ring.kick(VirtioGpio.REQUESTQ);
        } finally {
            ringLock.unlock();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (p.state.get() != Pending.DONE) {
            long left = deadline - System.nanoTime();
            VirtioException failure = broken;
            if ((left <= 0 || failure != null) && p.state.compareAndSet(Pending.WAITING, Pending.ABANDONED)) {
                throw failure != null ? again(failure) : new VirtioException(TIMED_OUT, String.format(
                        "%s did not answer %s for line %d within %d ms", transport.describe(), typeName(type), gpio,
                        timeout.toMillis()));
            }
            LockSupport.parkNanos(this, Math.max(left, 1000));
        }
        Answer answer = new Answer(p.status, p.value, p.usedLength);
        ringLock.lock();
        try {
            ring.release(slot);
            slotFree.signal();
        } finally {
            ringLock.unlock();
        }
        if (answer.usedLength() != responseBytes) {
            throw new VirtioException(PROTOCOL_VIOLATION, String.format("spec violation: %s answered %s for line %d"
                    + " with used length %d; it must be %d", transport.describe(), typeName(type), gpio,
                    answer.usedLength(), responseBytes));
        }
        return answer;
    }

    static String typeName(int type) {
        MessageType t = MessageType.fromCode(type);
        return t != null ? t.name() : "message type " + type;
    }

    private void completeLoop() {
        while (!closed) {
            try {
                transport.awaitNotification(VirtioGpio.REQUESTQ, POLL);
                ringLock.lock();
                try {
                    ring.drain(this::answered);
                } finally {
                    ringLock.unlock();
                }
            } catch (VirtioException e) {
                if (!closed) {
                    fail(e);
                }
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    fail(new VirtioException(LOCAL_FAILURE, "lost the device: " + e, e));
                }
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs on the completion thread with {@link #ringLock} held. */
    private void answered(int slot, int status, int value, int usedLength) {
        Pending p = pending[slot];
        p.status = status;
        p.value = value;
        p.usedLength = usedLength;
        if (p.state.compareAndSet(Pending.WAITING, Pending.DONE)) {
            LockSupport.unpark(p.waiter);
        } else {
            ring.release(slot); // its waiter gave up: the late answer frees the slot
            slotFree.signal();
        }
    }

    /** The device failed: every waiter, and every later call, gets {@code why}. The first failure is kept. */
    void fail(VirtioException why) {
        if (broken == null) {
            broken = why;
            // the caller gets this as a VirtioException; a library does not also log it as an error
            LOG.debug("{}: {}", transport.describe(), why.getMessage());
        }
        ringLock.lock();
        try {
            slotFree.signalAll();
        } finally {
            ringLock.unlock();
        }
        for (Pending p : pending) {
            Thread w = p.waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** The failure for another caller: the same reason and message, with the original as its cause. */
    private static VirtioException again(VirtioException failure) {
        return new VirtioException(failure.reason(), failure.getMessage(), failure);
    }

    private void checkUsable() throws VirtioException {
        if (closed) {
            throw new VirtioException(CLOSED, "the chip is closed");
        }
        VirtioException failure = broken;
        if (failure != null) {
            throw again(failure);
        }
    }

    /** Stops the completion thread; callers waiting get CLOSED. */
    @Override
    public void close() {
        closed = true;
        fail(new VirtioException(CLOSED, "the chip is closed"));
        completer.interrupt();
        try {
            completer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
