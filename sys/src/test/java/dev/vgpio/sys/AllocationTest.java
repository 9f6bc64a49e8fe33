package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The hot calls allocate nothing once compiled: a few bytes per call would show as megabytes here. */
class AllocationTest {
    private static final int ITERATIONS = 10_000;
    private static final long BUDGET = 100_000;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Body {
        void run() throws Exception;
    }

    /**
     * The fewest bytes allocated by {@code ITERATIONS} runs of {@code body} in a round, over rounds repeated until
     * one stays within budget (or 40 have run). Interpreted and C1-compiled code allocates around the downcalls;
     * the first rounds warm the JIT up, and a round that a recompilation happens to fall into is outdone by a later
     * one. This measures the steady state, not time.
     */
    private static long allocatedBy(Body body) throws Exception {
        long id = Thread.currentThread().threadId();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 40 && fewest >= BUDGET; round++) {
            long before = THREADS.getThreadAllocatedBytes(id);
            for (int i = 0; i < ITERATIONS; i++) {
                body.run();
            }
            fewest = Math.min(fewest, THREADS.getThreadAllocatedBytes(id) - before);
        }
        return fewest;
    }

    @Test
    void eventFdSignalAndDrainAllocateNothing() throws Exception {
        try (EventFd event = EventFd.create()) {
            long bytes = allocatedBy(() -> {
                event.signal();
                if (event.drain() != 1) {
                    throw new AssertionError("lost a signal");
                }
            });
            assertThat(bytes).isLessThan(BUDGET);
        }
    }

    @Test
    void sendAndReceiveAllocateNothing() throws Exception {
        try (Arena arena = Arena.ofConfined(); SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            MemorySegment buf = arena.allocate(32, 8);
            FdSet fds = new FdSet(4);
            long bytes = allocatedBy(() -> {
                a.send(buf, 0, 12, null, 0);
                if (b.receive(buf, 16, 12, fds) != 12) {
                    throw new AssertionError("short receive");
                }
            });
            assertThat(bytes).isLessThan(BUDGET);
        }
    }

    @Test
    void epollWaitAllocatesNothing() throws Exception {
        try (Epoll epoll = Epoll.create(); EventFd event = EventFd.create()) {
            EpollEvents events = new EpollEvents(4);
            epoll.add(event.fd(), Epoll.IN, 5);
            long bytes = allocatedBy(() -> {
                event.signal();
                if (epoll.await(events, 0) != 1 || events.data(0) != 5 || event.drain() != 1) {
                    throw new AssertionError("missed the event");
                }
            });
            assertThat(bytes).isLessThan(BUDGET);
        }
    }
}
