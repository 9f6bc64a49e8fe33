package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FdPassingTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(64, 8);
    private final UnixSocket[] pair;

    FdPassingTest() throws LinuxException {
        pair = UnixSocket.pair();
    }

    @AfterEach
    void close() {
        pair[0].close();
        pair[1].close();
        arena.close();
    }

    @Test
    void passesAnEventFdAndAMemFdThatStayUsable() throws Exception {
        try (EventFd event = EventFd.create()) {
            int memfd = MemFd.create("vgpio-test", 4096);
            buf.set(ValueLayout.JAVA_INT, 0, 0xfeed);
            assertThat(pair[0].send(buf, 0, 4, new int[] {event.fd(), memfd}, 2)).isEqualTo(4);

            FdSet fds = new FdSet(4);
            assertThat(pair[1].receive(buf, 16, 4, fds)).isEqualTo(4);
            assertThat(buf.get(ValueLayout.JAVA_INT, 16)).isEqualTo(0xfeed);
            assertThat(fds.count()).isEqualTo(2);
            assertThat(fds.get(0)).isNotIn(event.fd(), memfd);
            assertThat(ProcFds.isCloseOnExec(fds.get(0))).isTrue();
            assertThat(ProcFds.isCloseOnExec(fds.get(1))).isTrue();

            try (EventFd received = EventFd.adopt(fds.take(0))) {
                received.signal();
                received.signal();
                assertThat(event.drain()).isEqualTo(2);
                assertThat(event.drain()).isZero();
            }

            int receivedMem = fds.take(1);
            try (MappedRegion mine = MappedRegion.map(memfd, 4096, 0);
                    MappedRegion theirs = MappedRegion.map(receivedMem, 4096, 0)) {
                Fds.close(receivedMem);
                mine.segment().set(ValueLayout.JAVA_LONG, 128, 0x0123_4567_89ab_cdefL);
                assertThat(theirs.segment().get(ValueLayout.JAVA_LONG, 128)).isEqualTo(0x0123_4567_89ab_cdefL);
            } finally {
                Fds.close(memfd);
            }
            fds.closeAll();
        }
    }

    @Test
    void tooManyDescriptorsGiveAClearErrorAndLeakNothing() throws Exception {
        try (EventFd event = EventFd.create()) {
            int[] twenty = new int[20];
            Arrays.fill(twenty, event.fd());
            FdSet fds = new FdSet(32);
            long before = ProcFds.openCount();

            pair[0].send(buf, 0, 8, twenty, 20);
            assertThatThrownBy(() -> pair[1].receive(buf, 0, 8, fds))
                    .isInstanceOf(IOException.class)
                    .hasMessage("received more file descriptors than fit (MSG_CTRUNC)");

            assertThat(fds.count()).isZero();
            assertThat(ProcFds.openCount()).isEqualTo(before);
        }
    }

    @Test
    void descriptorsBeyondTheFdSetAreClosed() throws Exception {
        try (EventFd event = EventFd.create()) {
            long before = ProcFds.openCount();
            pair[0].send(buf, 0, 1, new int[] {event.fd(), event.fd(), event.fd()}, 3);
            FdSet fds = new FdSet(2);
            assertThatThrownBy(() -> pair[1].receive(buf, 0, 1, fds))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("received 3 file descriptors");
            pair[0].send(buf, 0, 1, new int[] {event.fd()}, 1);
            assertThatThrownBy(() -> pair[1].receive(buf, 0, 1, null))
                    .hasMessageContaining("none were expected");
            assertThat(ProcFds.openCount()).isEqualTo(before);
        }
    }

    @Test
    void fullyCollectsDescriptorsFromTheFirstPart() throws Exception {
        try (EventFd event = EventFd.create()) {
            pair[0].sendFully(buf, 0, 40, new int[] {event.fd()}, 1);
            FdSet fds = new FdSet(4);
            pair[1].receiveFully(buf, 0, 10, fds);
            pair[1].receiveFully(buf, 10, 30, fds);
            assertThat(fds.count()).isEqualTo(1);
            fds.closeAll();
        }
    }

    @Test
    void checksSendArguments() {
        assertThatThrownBy(() -> pair[0].send(buf, 0, 0, new int[] {0}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one byte");
        assertThatThrownBy(() -> pair[0].send(buf, 0, 1, new int[254], 254))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("253");
        assertThatThrownBy(() -> pair[0].send(buf, 0, 1, new int[1], 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pair[0].send(buf, 60, 8, null, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> pair[0].send(MemorySegment.ofArray(new byte[8]), 0, 8, null, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
