package dev.vgpio.junit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A JSON-lines trace until the monitor's own trace writers come ({@link TraceSinks}): one object per line in
 * {@link ActivityJson}'s form, first a {@code "kind":"line"} object with every line's view when the trace starts,
 * then each activity as the monitor hands it over. Flushed after each batch.
 */
final class JsonLinesTrace implements ActivitySink {
    private static final JsonFactory JSON = new JsonFactory();

    private final Path file;
    private final JsonGenerator out;

    private JsonLinesTrace(Path file, JsonGenerator out) {
        this.file = file;
        this.out = out;
    }

    static JsonLinesTrace open(Path file, List<WatchedDevice> devices) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        JsonGenerator g = JSON.createGenerator(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        g.setRootValueSeparator(null); // each object ends its own line
        JsonLinesTrace trace = new JsonLinesTrace(file, g);
        long now = System.nanoTime();
        try {
            for (WatchedDevice d : devices) {
                for (LineView v : d.lines()) {
                    trace.accept(new Activity.LineChanged(now, d.name(), v));
                }
            }
            g.flush();
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        return trace;
    }

    @Override
    public void accept(Activity activity) throws IOException {
        ActivityJson.write(out, activity);
        out.writeRaw('\n');
    }

    @Override
    public void endOfBatch() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    @Override
    public String toString() {
        return "the JSON-lines trace " + file;
    }
}
