package dev.vgpio.junit;

import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link VgpioExtension} gets the writer of a test's trace: one {@link ActivitySink} added to the device's
 * monitor for the test, closed when the test ends.
 *
 * <p><b>The place where the monitor's trace writers plug in.</b> When {@code dev.vgpio.monitor.trace.Traces} is
 * available, {@link #open} becomes {@code return Traces.open(file, devices);} (it writes VCD or JSON lines by the
 * file's extension), {@link JsonLinesTrace} goes, and {@link #EXTENSION} may become a builder option (".vcd" for
 * GTKWave). Nothing else in the extension changes: it only opens, adds and closes the sink.
 */
final class TraceSinks {
    /** The file name extension of a trace, which chooses its format. */
    static final String EXTENSION = ".jsonl";

    private TraceSinks() {
    }

    /**
     * A sink that writes the activity of {@code devices} to {@code file} (created or truncated, its directory
     * created), starting with every line's view now.
     */
    static ActivitySink open(Path file, List<WatchedDevice> devices) throws IOException {
        // PLUG-IN POINT: return dev.vgpio.monitor.trace.Traces.open(file, devices);
        return JsonLinesTrace.open(file, devices);
    }
}
