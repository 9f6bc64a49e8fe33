package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivitySink;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A trace kept in memory, for an API's start, stop and export (docs/traces.md): made with the devices' lines now,
 * added to the monitor as a sink, it keeps the activity from then on, up to {@link #limit()} activities; of what
 * comes after, it counts what it lost and says so in its exports. {@link #close()} (the monitor closes it when the
 * sink is removed or the monitor stops) stops it; what it kept stays, and {@link #export} writes it as a trace file
 * would have had it. The monitor's thread feeds it while any thread may export it.
 */
public final class Recording implements ActivitySink {
    /** The activities a recording keeps by default (some hundred bytes each). */
    public static final int DEFAULT_LIMIT = 1_000_000;
    private static final int CHUNK = 1 << 12;

    private final Snapshot start;
    private final int limit;
    private final CatchingUp catchingUp;
    /** The activities kept, in chunks made as they fill; those below {@link #size} are never written again. */
    private final Activity[][] chunks;
    private int size;
    /** Per batch that ended (at {@link #endOfBatch()}), how many activities were kept by its end. */
    private int[] batchEnds = new int[64];
    private int batches;
    /** Per device, what was lost: how many activities, and when the first came. */
    private final Map<String, Loss> losses = new LinkedHashMap<>();
    private long lost;
    private boolean stopped;
    private long stopNanos;

    private static final class Loss {
        final long firstNanos;
        long count;

        Loss(long firstNanos) {
            this.firstNanos = firstNanos;
        }
    }

    /** Starts a recording of {@code devices} that keeps up to {@link #DEFAULT_LIMIT} activities. */
    public Recording(List<WatchedDevice> devices) {
        this(devices, DEFAULT_LIMIT);
    }

    /**
     * Starts a recording of {@code devices}: their lines now are its start.
     *
     * @param limit how many activities it keeps at most (at least 1)
     */
    public Recording(List<WatchedDevice> devices, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a recording keeps at least 1 activity, not " + limit);
        }
        this.start = Snapshot.of(devices);
        this.limit = limit;
        this.catchingUp = new CatchingUp(devices, start);
        this.chunks = new Activity[(limit + CHUNK - 1) / CHUNK][];
    }

    /** The lines at its start (its time 0). */
    public Snapshot start() {
        return start;
    }

    /** How many activities it keeps at most. */
    public int limit() {
        return limit;
    }

    /** How many activities it has kept. */
    public synchronized int kept() {
        return size;
    }

    /** How many activities came after it was full, and were lost. */
    public synchronized long lost() {
        return lost;
    }

    /** Whether it still records: it was not closed. */
    public synchronized boolean recording() {
        return !stopped;
    }

    /** Keeps the activity, or counts it lost when full; nothing once stopped. */
    @Override
    public synchronized void accept(Activity activity) {
        if (!stopped) {
            catchingUp.saw(activity);
            keep(activity);
        }
    }

    /** Marks the end of a batch, so that an export writes the batches as a trace file had them. */
    @Override
    public synchronized void endOfBatch() {
        if (!stopped) {
            catchUp();
            if (size > 0 && (batches == 0 || batchEnds[batches - 1] != size)) {
                if (batches == batchEnds.length) {
                    batchEnds = Arrays.copyOf(batchEnds, batches * 2);
                }
                batchEnds[batches++] = size;
            }
        }
    }

    /** Stops recording: it keeps what it has, and takes nothing more. */
    @Override
    public synchronized void close() {
        if (!stopped) {
            catchUp();
            stopped = true;
            stopNanos = System.nanoTime();
        }
    }

    private void catchUp() {
        for (Activity.LineChanged c : catchingUp.missed()) {
            keep(c);
        }
    }

    private void keep(Activity a) {
        if (size < limit) {
            Activity[] chunk = chunks[size / CHUNK];
            if (chunk == null) {
                chunk = new Activity[Math.min(CHUNK, limit - size)];
                chunks[size / CHUNK] = chunk;
            }
            chunk[size % CHUNK] = a;
            size++;
        } else {
            lost++;
            losses.computeIfAbsent(a.device(), d -> new Loss(a.nanos())).count++;
        }
    }

    /**
     * Writes what it has kept, as a trace file of {@code format} would have it, and flushes {@code out} (leaving it
     * open). A VCD ends at the stop (or now, while recording); if activity was lost, a VCD says so in a
     * {@code $comment} and makes the lines of each device that lost some unknown ({@code x}) from its first loss,
     * and JSON lines end with one {@code "kind":"dropped"} object per such device. While it records, the export
     * holds what it had when the export began; recording goes on meanwhile.
     */
    public void export(Format format, Writer out) throws IOException {
        int n;
        int[] ends;
        long end;
        long lostNow;
        Map<String, Loss> lossesNow = new LinkedHashMap<>();
        synchronized (this) {
            n = size;
            ends = Arrays.copyOf(batchEnds, batches);
            end = stopped ? stopNanos : System.nanoTime();
            lostNow = lost;
            losses.forEach((d, l) -> {
                Loss copy = new Loss(l.firstNanos);
                copy.count = l.count;
                lossesNow.put(d, copy);
            });
        }
        // the activities below n stay as they are: read them without the lock, which the monitor's thread needs
        TraceWriter writer = switch (format) {
            case VCD -> new VcdWriter(out, start);
            case JSONL -> new JsonLinesWriter(out, start);
        };
        int batch = 0;
        for (int i = 0; i < n; i++) {
            writer.accept(chunks[i / CHUNK][i % CHUNK]);
            if (batch < ends.length && ends[batch] == i + 1) {
                writer.endOfBatch();
                batch++;
            }
        }
        if (lostNow > 0) {
            switch (writer) {
                case VcdWriter vcd -> {
                    String perDevice = lossesNow.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().count)
                            .collect(Collectors.joining(", "));
                    for (Map.Entry<String, Loss> e : lossesNow.entrySet()) {
                        vcd.unknown(e.getValue().firstNanos, e.getKey(), "the recording was full: it kept its first "
                                + limit + " activities and lost the " + lostNow + " after them (" + perDevice
                                + "); the lines of " + e.getKey() + " are unknown from here on");
                    }
                }
                case JsonLinesWriter json -> {
                    for (Map.Entry<String, Loss> e : lossesNow.entrySet()) {
                        json.accept(new Activity.Dropped(e.getValue().firstNanos, e.getKey(), e.getValue().count));
                    }
                }
            }
        }
        writer.finish(end);
    }

    @Override
    public String toString() {
        return "a recording of " + start.devices().stream().map(Snapshot.Device::name)
                .collect(Collectors.joining(", "));
    }
}
