package dev.vgpio.junit;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One test's trace: its file, and the sink that records into it as one of the monitor's sinks from the start of
 * the test to its end.
 */
final class TestTrace {
    private final Path file;
    private final AutoCloseable handle;

    private TestTrace(Path file, AutoCloseable handle) {
        this.file = file;
        this.handle = handle;
    }

    /** Starts recording the activity of {@code device} into {@code file}. */
    static TestTrace start(Monitor monitor, WatchedDevice device, Path file) throws IOException {
        return new TestTrace(file, monitor.addSink(new Guarded(TraceSinks.open(file, List.of(device)))));
    }

    Path file() {
        return file;
    }

    /** Stops recording and completes the file (a no-op if the monitor closed, and so completed, it already). */
    void stop() throws Exception {
        handle.close();
    }

    /**
     * A sink used from two threads: the monitor's, which feeds it, and the test's, which removes and closes it
     * while the monitor may be in the middle of a batch. Nothing reaches the sink it guards after it is closed.
     */
    private static final class Guarded implements ActivitySink {
        private final ActivitySink sink;
        private boolean closed;

        Guarded(ActivitySink sink) {
            this.sink = sink;
        }

        @Override
        public synchronized void accept(Activity activity) throws Exception {
            if (!closed) {
                sink.accept(activity);
            }
        }

        @Override
        public synchronized void endOfBatch() throws Exception {
            if (!closed) {
                sink.endOfBatch();
            }
        }

        @Override
        public synchronized void close() throws Exception {
            if (!closed) {
                closed = true;
                sink.close();
            }
        }

        @Override
        public String toString() {
            return sink.toString();
        }
    }
}
