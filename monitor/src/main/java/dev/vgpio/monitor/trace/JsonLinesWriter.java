package dev.vgpio.monitor.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.LineView;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;

/**
 * Writes activity as JSON lines (docs/traces.md): one object per line of text per {@link Activity}, in the form
 * {@link ActivityJson#write(JsonGenerator, Activity)} gives it (the event stream's). It starts with the
 * {@link Snapshot}: one {@code "kind":"line"} object per line of every device, stamped with the snapshot's
 * {@link Snapshot#nanos() nanos}. Activity goes out in the order it comes (each device's in order); each batch is
 * written at {@link #endOfBatch()} in whole lines and flushed. Not thread-safe: the monitor's thread calls it.
 */
public final class JsonLinesWriter implements TraceWriter {
    private static final JsonFactory JSON = new JsonFactory();
    /** Characters kept for one batch before they are written out anyway. */
    private static final int MAX_PENDING = 1 << 20;

    private final Writer out;
    private final StringWriter batch = new StringWriter(1 << 12);
    private final JsonGenerator json;
    private boolean closed;

    /**
     * Writes the start state to {@code out} and flushes it.
     *
     * @param out   where the lines go; it gets whole batches, so it needs no buffer of its own
     * @param start the lines at the start
     */
    public JsonLinesWriter(Writer out, Snapshot start) throws IOException {
        this.out = out;
        this.json = JSON.createGenerator(batch);
        json.setRootValueSeparator(null);
        for (Snapshot.Device d : start.devices()) {
            for (LineView v : d.lines()) {
                accept(new Activity.LineChanged(start.nanos(), d.name(), v));
            }
        }
        endOfBatch();
    }

    /** Adds the activity's line to the batch. */
    @Override
    public void accept(Activity activity) throws IOException {
        ActivityJson.write(json, activity);
        json.writeRaw('\n');
        if (batch.getBuffer().length() >= MAX_PENDING) {
            write();
        }
    }

    /** Writes out the batch and flushes. */
    @Override
    public void endOfBatch() throws IOException {
        write();
        out.flush();
    }

    /** Writes out the batch and flushes; JSON lines mark no end. */
    @Override
    public void finish(long nanos) throws IOException {
        endOfBatch();
    }

    /** Writes the last batch and closes the writer. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            endOfBatch();
            json.close();
        } finally {
            out.close();
        }
    }

    private void write() throws IOException {
        json.flush();
        StringBuffer b = batch.getBuffer();
        if (!b.isEmpty()) {
            out.append(b);
            b.setLength(0);
        }
    }
}
