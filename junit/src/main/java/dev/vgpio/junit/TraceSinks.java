package dev.vgpio.junit;

import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.monitor.trace.Traces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link VgpioExtension} gets the writer of a test's trace: the monitor's trace file (VCD or JSON lines by the
 * file's extension), one {@link ActivitySink} added to the device's monitor for the test, closed when the test ends.
 */
final class TraceSinks {
    private TraceSinks() {
    }

    /**
     * A sink that writes the activity of {@code devices} to {@code file} (created or truncated, its directory
     * created), starting with every line's view now.
     */
    static ActivitySink open(Path file, List<WatchedDevice> devices) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Traces.open(file, devices);
    }
}
