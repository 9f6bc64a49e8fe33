package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class EpollTest {
    @Test
    void reportsAReadableEventFdWithItsDataWord() throws Exception {
        try (Epoll epoll = Epoll.create(); EventFd event = EventFd.create()) {
            EpollEvents events = new EpollEvents(4);
            epoll.add(event.fd(), Epoll.IN, 0x7fff_0000_1234_5678L);
            assertThat(epoll.await(events, 0)).isZero();

            event.signal();
            assertThat(epoll.await(events, 1000)).isEqualTo(1);
            assertThat(events.events(0) & Epoll.IN).isEqualTo(Epoll.IN);
            assertThat(events.data(0)).isEqualTo(0x7fff_0000_1234_5678L);

            epoll.modify(event.fd(), Epoll.IN, -2L);
            assertThat(epoll.await(events, 1000)).isEqualTo(1);
            assertThat(events.data(0)).isEqualTo(-2L);
            assertThat(event.drain()).isEqualTo(1);
            assertThat(epoll.await(events, 0)).isZero();

            epoll.remove(event.fd());
            epoll.remove(event.fd());
        }
    }

    @Test
    void edgeTriggeredEventFdReportsEachSignalOnceWithoutBeingRead() throws Exception {
        try (Epoll epoll = Epoll.create(); EventFd event = EventFd.create()) {
            EpollEvents events = new EpollEvents(4);
            event.signal(); // pending before it is watched: reported once when added
            epoll.add(event.fd(), Epoll.IN | Epoll.EDGE, 7);
            assertThat(epoll.await(events, 1000)).isEqualTo(1);
            assertThat(epoll.await(events, 0)).isZero(); // the counter is still 1, but nothing new happened
            for (int i = 0; i < 1000; i++) { // every later signal is reported, though the counter is never read
                event.signal();
                assertThat(epoll.await(events, 1000)).isEqualTo(1);
                assertThat(events.data(0)).isEqualTo(7);
                assertThat(epoll.await(events, 0)).isZero();
            }
            assertThat(event.drain()).isEqualTo(1001);
        }
    }

    @Test
    void reportsAReadableSocketAndAHangUp() throws Exception {
        try (Epoll epoll = Epoll.create(); Arena arena = Arena.ofConfined(); SocketPair pair = SocketPair.open()) {
            UnixSocket a = pair.a();
            UnixSocket b = pair.b();
            MemorySegment buf = arena.allocate(8);
            EpollEvents events = new EpollEvents(2);
            epoll.add(b.fd(), Epoll.IN | Epoll.RDHUP, 42);
            assertThat(epoll.await(events, 0)).isZero();

            a.send(buf, 0, 1, null, 0);
            assertThat(epoll.await(events, 1000)).isEqualTo(1);
            assertThat(events.data(0)).isEqualTo(42);
            assertThat(events.events(0)).isEqualTo(Epoll.IN);
            b.receive(buf, 0, 8, null);

            a.close();
            assertThat(epoll.await(events, 1000)).isEqualTo(1);
            assertThat(events.events(0) & Epoll.RDHUP).isEqualTo(Epoll.RDHUP);
        }
    }

    @Test
    void timesOutWithZeroWhenNothingHappens() throws Exception {
        try (Epoll epoll = Epoll.create(); EventFd event = EventFd.create()) {
            epoll.add(event.fd(), Epoll.IN, 1);
            long start = System.nanoTime();
            assertThat(epoll.await(new EpollEvents(1), 50)).isZero();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(40_000_000L);
        }
    }

    @Test
    void eventFdsCountAndCloseOnce() throws Exception {
        EventFd event = EventFd.create();
        assertThat(ProcFds.isCloseOnExec(event.fd())).isTrue();
        assertThat(event.drain()).isZero();
        for (int i = 0; i < 5; i++) {
            event.signal();
        }
        assertThat(event.drain()).isEqualTo(5);
        event.close();
        assertThat(event.isOpen()).isFalse();
        assertThat(event.fd()).isEqualTo(-1);
        event.close();
    }
}
