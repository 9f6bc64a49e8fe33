package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The edge inbox keeps order and loses nothing it has room for, however many edges went before. */
class EdgeInboxTest {
    @Test
    void edgesPastTwoToTheThirtyOneStillArriveInOrder() {
        EdgeInbox inbox = new EdgeInbox(8, Integer.MAX_VALUE - 3L);
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 4; round++) { // crosses 2^31 and wraps the ring several times
            for (int i = 0; i < 8; i++) {
                inbox.onEdge(i, i % 2 == 0, 0);
            }
            assertThat(inbox.drain((gpio, rising) -> seen.add(gpio + (rising ? "r" : "f")))).isEqualTo(8);
        }
        assertThat(seen).hasSize(32).startsWith("0r", "1f", "2r", "3f", "4r", "5f", "6r", "7f").endsWith("7f");
        assertThat(inbox.lost()).isZero();
    }

    @Test
    void aFullInboxCountsWhatItLoses() {
        EdgeInbox inbox = new EdgeInbox(2, Long.MAX_VALUE / 2);
        inbox.onEdge(1, true, 0);
        inbox.onEdge(2, true, 0);
        inbox.onEdge(3, true, 0);
        List<Integer> seen = new ArrayList<>();
        inbox.drain((gpio, rising) -> seen.add(gpio));
        assertThat(seen).containsExactly(1, 2);
        assertThat(inbox.lost()).isOne();
    }
}
