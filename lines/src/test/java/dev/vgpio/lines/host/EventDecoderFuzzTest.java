package dev.vgpio.lines.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.sys.GpioUapi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fuzzes the reader of the kernel's {@code gpio_v2_line_event} records ({@link EventDecoder}): any bytes, cut into
 * whole records and decoded in batches as a line's request gives them.
 *
 * <p>Invariants: nothing but edges of the line being read reaches the listener, each record is either an edge or
 * counted as malformed, and the count of events the kernel dropped never goes down.
 */
class EventDecoderFuzzTest {
    private static final int LINES = 4;
    private static final long RECORD = GpioUapi.LINE_EVENT.byteSize();

    @FuzzTest
    void eventRecords(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        int offset = (bytes[0] & 0xff) % LINES;
        int whole = (int) ((bytes.length - 1) / RECORD);
        MemorySegment records = Arena.ofAuto().allocate(Math.max(1, whole) * RECORD, 8);
        MemorySegment.copy(bytes, 1, records, ValueLayout.JAVA_BYTE, 0, (int) (whole * RECORD));
        EventDecoder decoder = new EventDecoder(LINES);
        int[] seen = new int[1];
        long lostBefore = 0;
        for (int batch = 0; batch < whole; batch += 3) {
            int count = Math.min(3, whole - batch);
            MemorySegment slice = records.asSlice(batch * RECORD, count * RECORD);
            long malformedBefore = decoder.malformed();
            int delivered = decoder.decode(slice, count, offset, (o, rising, ts) -> {
                assertThat(o).as("the line the records were read from").isEqualTo(offset);
                seen[0]++;
            });
            assertThat(delivered + decoder.malformed() - malformedBefore).isEqualTo(count);
            assertThat(decoder.lost()).isGreaterThanOrEqualTo(lostBefore);
            lostBefore = decoder.lost();
        }
        assertThat(seen[0] + decoder.malformed()).isEqualTo(whole);
    }
}
