package dev.vgpio.lines.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.sys.GpioUapi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
    private static final long RECORD = GpioUapi.LINE_EVENT.byteSize();
    private final MemorySegment records = Arena.ofAuto().allocate(8 * RECORD, 8);
    private final List<String> seen = new ArrayList<>();

    private void put(int i, long ts, int id, int offset, int lineSeqno) {
        long at = i * RECORD;
        records.set(ValueLayout.JAVA_LONG, at, ts);
        records.set(ValueLayout.JAVA_INT, at + 8, id);
        records.set(ValueLayout.JAVA_INT, at + 12, offset);
        records.set(ValueLayout.JAVA_INT, at + 16, lineSeqno);
        records.set(ValueLayout.JAVA_INT, at + 20, lineSeqno);
    }

    @Test
    void edgesArriveInOrderWithTheirTimestamps() {
        EventDecoder d = new EventDecoder(4);
        put(0, 100, GpioUapi.EVENT_RISING_EDGE, 2, 1);
        put(1, 200, GpioUapi.EVENT_FALLING_EDGE, 2, 2);
        assertThat(d.decode(records, 2, 2, (o, r, ts) -> seen.add(o + (r ? "+" : "-") + ts))).isEqualTo(2);
        assertThat(seen).containsExactly("2+100", "2-200");
        assertThat(d.lost()).isZero();
        assertThat(d.malformed()).isZero();
    }

    @Test
    void aGapInTheSequenceNumbersCountsTheEventsTheKernelDropped() {
        EventDecoder d = new EventDecoder(4);
        put(0, 1, GpioUapi.EVENT_RISING_EDGE, 0, 1);
        put(1, 2, GpioUapi.EVENT_FALLING_EDGE, 0, 5);
        d.decode(records, 2, 0, (o, r, ts) -> { });
        assertThat(d.lost()).isEqualTo(3);
        d.restart(0);
        put(0, 3, GpioUapi.EVENT_RISING_EDGE, 0, 1);
        d.decode(records, 1, 0, (o, r, ts) -> { });
        assertThat(d.lost()).as("a new request starts counting again").isEqualTo(3);
    }

    @Test
    void recordsOfAnotherLineOrOfNoKnownKindAreSkipped() {
        EventDecoder d = new EventDecoder(4);
        put(0, 1, GpioUapi.EVENT_RISING_EDGE, 3, 1);
        put(1, 2, 9, 1, 2);
        put(2, 3, GpioUapi.EVENT_FALLING_EDGE, 1, 3);
        assertThat(d.decode(records, 3, 1, (o, r, ts) -> seen.add(o + (r ? "+" : "-")))).isEqualTo(1);
        assertThat(seen).containsExactly("1-");
        assertThat(d.malformed()).isEqualTo(2);
    }
}
