package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A trace being written to a file as the daemon runs ({@link Traces#open}): a sink of the monitor whose file holds,
 * after each batch, a complete trace up to it; {@link #close()} ends it (the monitor closes it when it stops) and
 * closes the file. Its methods may be called from any thread; after {@code close()} it takes nothing more.
 */
public final class TraceFile implements ActivitySink {
    private final Path path;
    private final Format format;
    private final Snapshot start;
    private final CatchingUp catchingUp;
    private final TraceWriter writer;
    private boolean closed;

    TraceFile(Path path, Format format, Snapshot start, List<WatchedDevice> devices, TraceWriter writer) {
        this.path = path;
        this.format = format;
        this.start = start;
        this.catchingUp = new CatchingUp(devices, start);
        this.writer = writer;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Its format. */
    public Format format() {
        return format;
    }

    /** The lines at the trace's start (its time 0). */
    public Snapshot start() {
        return start;
    }

    @Override
    public synchronized void accept(Activity activity) throws IOException {
        if (!closed) {
            catchingUp.saw(activity);
            writer.accept(activity);
        }
    }

    /** Writes out the batch and flushes the file. */
    @Override
    public synchronized void endOfBatch() throws IOException {
        if (!closed) {
            catchUp();
            writer.endOfBatch();
        }
    }

    /** Writes the rest (a VCD ends with the time now) and closes the file; again, nothing. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            catchUp();
        } finally {
            writer.close();
        }
    }

    private void catchUp() throws IOException {
        for (Activity.LineChanged c : catchingUp.missed()) {
            writer.accept(c);
        }
    }

    @Override
    public String toString() {
        return "the trace " + path;
    }
}
