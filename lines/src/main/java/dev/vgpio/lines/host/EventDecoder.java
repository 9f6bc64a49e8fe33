package dev.vgpio.lines.host;

import dev.vgpio.lines.LineEventListener;
import dev.vgpio.sys.GpioLineFd;
import dev.vgpio.sys.GpioUapi;
import java.lang.foreign.MemorySegment;

/**
 * Turns the {@code struct gpio_v2_line_event} records read from one chip's line requests into edges, checking each
 * record before use: an event id other than rising or falling, or a record for another line than the request's
 * (which a correct kernel never writes), is counted and skipped; a gap in a line's sequence numbers counts the
 * events the kernel's buffer dropped. Allocates nothing.
 */
final class EventDecoder {
    /** Per line: the sequence number of the last event, or 0 before the first (the kernel starts at 1). */
    private final int[] lastSeqno;
    private long lost;
    private long malformed;

    EventDecoder(int lines) {
        this.lastSeqno = new int[lines];
    }

    /** Line {@code offset} was requested anew: its sequence numbers start again. */
    void restart(int offset) {
        lastSeqno[offset] = 0;
    }

    /**
     * Passes the {@code count} records in {@code records}, read from line {@code offset}'s request, to
     * {@code listener}.
     *
     * @return how many were edges of that line
     */
    int decode(MemorySegment records, int count, int offset, LineEventListener listener) {
        int delivered = 0;
        for (int i = 0; i < count; i++) {
            int id = GpioLineFd.eventId(records, i);
            if ((id != GpioUapi.EVENT_RISING_EDGE && id != GpioUapi.EVENT_FALLING_EDGE)
                    || GpioLineFd.eventOffset(records, i) != offset) {
                malformed++;
                continue;
            }
            int seqno = GpioLineFd.eventLineSeqno(records, i);
            int gap = seqno - lastSeqno[offset] - 1; // wraps as the kernel's u32 does
            if (lastSeqno[offset] != 0 && gap > 0) {
                lost += gap;
            }
            lastSeqno[offset] = seqno;
            listener.onEdge(offset, id == GpioUapi.EVENT_RISING_EDGE, GpioLineFd.eventTimestamp(records, i));
            delivered++;
        }
        return delivered;
    }

    /** Events the kernel dropped, by the gaps in the sequence numbers. */
    long lost() {
        return lost;
    }

    /** Records skipped because they were not an edge of the line they were read from. */
    long malformed() {
        return malformed;
    }
}
