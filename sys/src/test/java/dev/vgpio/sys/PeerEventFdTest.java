package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** An eventfd from a peer never blocks its signaller for long, whatever the peer does to the file it shares. */
class PeerEventFdTest {
    /** The peer's side: a blocking eventfd with its counter at the maximum, so that a write of 1 would wait. */
    private static EventFd fullAndBlocking(EventFd mine) throws Exception {
        EventFd adopted = EventFd.adoptChecked(Fds.dup(mine.fd()));
        Fds.setNonBlocking(mine.fd(), false); // the peer clears the flag on the open file both share
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment max = arena.allocate(ValueLayout.JAVA_LONG);
            max.set(ValueLayout.JAVA_LONG, 0, 0xffff_ffff_ffff_fffeL);
            assertThat(Fds.write(mine.fd(), max, 8)).isEqualTo(8);
        }
        return adopted;
    }

    @Test
    void aPeerThatClearedTheFlagIsRefusedAtOnce() throws Exception {
        try (EventFd peer = EventFd.create(); EventFd adopted = fullAndBlocking(peer)) {
            assertThatThrownBy(adopted::signal).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("the peer made it blocking");
        }
    }

    @Test
    void aPeerThatWinsTheRaceHasItsCounterDrainedAndTheSignalFails() throws Exception {
        try (EventFd peer = EventFd.create(); EventFd adopted = fullAndBlocking(peer)) {
            // as if the peer cleared the flag between the check and the write: the write blocks until the guard acts
            assertThatThrownBy(() -> adopted.signal(false)).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("the peer made it wait");
        }
    }

    @Test
    void onlyACounterAtItsMaximumHoldsAWrite() throws Exception {
        try (EventFd peer = EventFd.create(); EventFd adopted = EventFd.adoptChecked(Fds.dup(peer.fd()))) {
            // a slow signal (the signalling thread preempted for 100 ms on a loaded machine) is not a held one:
            // the guard must leave it alone, or it would drain a real signal and drop a good peer
            assertThat(PeerEventFdGuard.wouldBlock(adopted.fd())).isFalse();
            adopted.signal();
            assertThat(PeerEventFdGuard.wouldBlock(adopted.fd())).isFalse();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment n = arena.allocate(ValueLayout.JAVA_LONG);
                n.set(ValueLayout.JAVA_LONG, 0, PeerEventFdGuard.MAX_COUNT - 1);
                assertThat(Fds.write(peer.fd(), n, 8)).isEqualTo(8);
            }
            assertThat(PeerEventFdGuard.wouldBlock(adopted.fd())).isTrue();
            assertThat(peer.drain()).isEqualTo(PeerEventFdGuard.MAX_COUNT);
            assertThat(PeerEventFdGuard.wouldBlock(adopted.fd())).isFalse();
        }
    }

    @Test
    void anOrdinarySignalIsNotDisturbed() throws Exception {
        try (EventFd peer = EventFd.create(); EventFd adopted = EventFd.adoptChecked(Fds.dup(peer.fd()))) {
            for (int i = 0; i < 3; i++) {
                adopted.signal();
            }
            assertThat(peer.drain()).isEqualTo(3);
        }
    }
}
