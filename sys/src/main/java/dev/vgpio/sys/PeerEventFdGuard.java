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
 * thread looks every 50 ms at the eventfds adopted from peers; one whose signal has waited 100 ms, with its counter
 * at the maximum (so that the write is held, not merely slow), has the counter drained with a read that cannot block
 * ({@code preadv2(RWF_NOWAIT)}), which lets the write through, and the signal then fails so that the caller drops
 * that peer.
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

    /** The largest value an eventfd's counter holds: a write of 1 then waits (or fails with EAGAIN). */
    static final long MAX_COUNT = 0xffff_ffff_ffff_fffeL;

    /**
     * Whether a write of 1 to the eventfd {@code fd} would wait: its counter is at the maximum, as the kernel shows
     * it in {@code /proc/self/fdinfo}. True too when that cannot be read, so that a held write is never left held.
     */
    static boolean wouldBlock(int fd) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("eventfd-count:")) {
                    return Long.compareUnsigned(Long.parseUnsignedLong(line.substring(14).trim(), 16), MAX_COUNT)
                            >= 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return true;
        }
        return true;
    }

    /** Empties the counter of {@code fd} without waiting, whatever its O_NONBLOCK says. */
    static void drain(int fd, MemorySegment iov) {
        Libc.preadv2(fd, iov, 1, -1, RWF_NOWAIT);
    }
}
