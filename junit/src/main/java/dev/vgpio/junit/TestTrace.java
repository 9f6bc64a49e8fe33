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
        // opened and added on the monitor's thread, between two passes: the file's start state and its first
        // activity meet, with nothing lost or repeated between them
        java.util.concurrent.CompletableFuture<AutoCloseable> added = new java.util.concurrent.CompletableFuture<>();
        monitor.execute(() -> {
            try {
                added.complete(monitor.addSink(new Guarded(TraceSinks.open(file, List.of(device)))));
            } catch (IOException | RuntimeException e) {
                added.completeExceptionally(e);
            }
        });
        try {
            return new TestTrace(file, added.get(10, java.util.concurrent.TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("the device's monitor did not start the trace " + file + " within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the trace " + file, e);
        }
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
