package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Opens trace files (docs/traces.md). */
public final class Traces {
    private Traces() {
    }

    /**
     * Creates (or truncates) {@code file} and starts a trace of {@code devices} in it, in the format its name says:
     * {@code .vcd} a Value Change Dump, {@code .jsonl} JSON lines (in any case). The file holds the start state, the
     * devices' lines now, when this returns; add the trace to the monitor ({@code Monitor.addSink}) to have it
     * written as the devices act, and close it (or the monitor) to end it.
     *
     * @throws IllegalArgumentException if the name ends in neither {@code .vcd} nor {@code .jsonl}
     * @throws IOException              if the file cannot be written, saying why (no such directory, permission)
     */
    public static TraceFile open(Path file, List<WatchedDevice> devices) throws IOException {
        Format format = Format.of(file);
        Writer out = new OutputStreamWriter(create(file), StandardCharsets.UTF_8);
        try {
            Snapshot start = Snapshot.of(devices); // last, so that little can happen before the trace is a sink
            TraceWriter writer = switch (format) {
                case VCD -> new VcdWriter(out, start);
                case JSONL -> new JsonLinesWriter(out, start);
            };
            return new TraceFile(file, format, start, devices, writer);
        } catch (IOException e) {
            IOException failed = new IOException("cannot write the trace " + file + ": " + e.getMessage(), e);
            closeQuietly(out, failed);
            throw failed;
        } catch (RuntimeException e) {
            closeQuietly(out, e);
            throw e;
        }
    }

    private static void closeQuietly(Writer out, Exception failed) {
        try {
            out.close();
        } catch (IOException closing) {
            failed.addSuppressed(closing);
        }
    }

    /** Creates or truncates the file, with messages that say what to do. */
    static OutputStream create(Path file) throws IOException {
        String cannot = "cannot write the trace " + file + ": ";
        Path parent = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            throw new IOException(cannot + "it is a directory; give the name of a file in it");
        }
        if (parent != null && !Files.exists(parent)) {
            throw new IOException(cannot + "the directory " + parent + " does not exist; create it first");
        }
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException(cannot + parent + " is not a directory");
        }
        try {
            return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new IOException(cannot + "permission denied: " + (Files.exists(file)
                    ? "the file is not writable by this user"
                    : "this user may not create files in the directory " + parent), e);
        } catch (FileSystemException e) {
            throw new IOException(cannot + (e.getReason() != null ? e.getReason() : e.toString()), e);
        }
    }
}
