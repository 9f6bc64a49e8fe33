package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Unblocks a signal on a peer's eventfd that blocked: a peer shares the open file, so it can clear O_NONBLOCK
 * after {@link EventFd#signal} checked it and, with its counter at the maximum, make the write wait. One daemon
 * thread looks every 50 ms at the eventfds adopted from peers; one whose signal has waited 100 ms has its counter
 * drained with a read that cannot block ({@code preadv2(RWF_NOWAIT)}), which lets the write through, and the signal
 * then fails so that the caller drops that peer.
 */
final class PeerEventFdGuard {
    static final long STUCK_NANOS = 100_000_000L;
    private static final long PERIOD_NANOS = 50_000_000L;
    static final int RWF_NOWAIT = 8;
    private static final Set<EventFd> WATCHED = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private PeerEventFdGuard() {
    }

    static synchronized void watch(EventFd e) {
        WATCHED.add(e);
        if (thread == null) {
            thread = Thread.ofPlatform().daemon(true).name("vgpio-eventfd-guard").start(PeerEventFdGuard::run);
        }
    }

    static void unwatch(EventFd e) {
        WATCHED.remove(e);
    }

    private static void run() {
        MemorySegment buf = Arena.global().allocate(8, 8);
        MemorySegment iov = Arena.global().allocate(16, 8);
        iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
        iov.set(ValueLayout.JAVA_LONG, 8, 8);
        while (true) {
            LockSupport.parkNanos(PERIOD_NANOS);
            long now = System.nanoTime();
            for (EventFd e : WATCHED) {
                e.rescueIfStuck(now, iov);
            }
        }
    }

    /** Empties the counter of {@code fd} without waiting, whatever its O_NONBLOCK says. */
    static void drain(int fd, MemorySegment iov) {
        Libc.preadv2(fd, iov, 1, -1, RWF_NOWAIT);
    }
}
