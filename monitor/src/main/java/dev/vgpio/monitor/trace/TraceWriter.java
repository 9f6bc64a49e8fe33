package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivitySink;
import java.io.IOException;

/**
 * A writer of one trace format: the start state when made, then the activity it is given, out at each
 * {@link #endOfBatch()} in whole lines.
 */
sealed interface TraceWriter extends ActivitySink permits VcdWriter, JsonLinesWriter {
    @Override
    void accept(Activity activity) throws IOException;

    /** Writes out what it was given since the last batch, and flushes. */
    @Override
    void endOfBatch() throws IOException;

    /**
     * Writes out everything, marks the trace's end at {@code nanos} (the clock of {@link Activity#nanos()}) and
     * flushes, leaving the writer open: the end of an export.
     */
    void finish(long nanos) throws IOException;

    /** Finishes the trace now and closes the writer. */
    @Override
    void close() throws IOException;
}
