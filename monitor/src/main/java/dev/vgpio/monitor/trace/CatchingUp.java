package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.WatchedDevice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes up for the activity a trace missed between its {@link Snapshot} and the monitor's first call: a sink is
 * added to a running monitor after its snapshot, so the monitor may have handed a change to the other sinks in
 * between. At the end of the trace's first batch (when the devices' views are those of everything the monitor
 * handed out), every line whose view moved from the snapshot's without a line change reaching the trace gets one,
 * stamped with the snapshot's time: the change came in the instant before the trace started.
 */
final class CatchingUp {
    private final List<WatchedDevice> devices;
    private final Snapshot start;
    private final Map<String, boolean[]> changed = new HashMap<>();
    private boolean done;

    CatchingUp(List<WatchedDevice> devices, Snapshot start) {
        this.devices = List.copyOf(devices);
        this.start = start;
        for (Snapshot.Device d : start.devices()) {
            changed.put(d.name(), new boolean[d.lines().size()]);
        }
    }

    /** Notes which lines changed in the first batch. On the monitor's thread. */
    void saw(Activity a) {
        if (!done && a instanceof Activity.LineChanged c) {
            boolean[] lines = changed.get(c.device());
            if (lines != null && c.line().offset() >= 0 && c.line().offset() < lines.length) {
                lines[c.line().offset()] = true;
            }
        }
    }

    /**
     * The first time: a line change for every line that moved unseen; after that, none. At the end of a batch on the
     * monitor's thread (or when the trace stops).
     */
    List<Activity.LineChanged> missed() {
        if (done) {
            return List.of();
        }
        done = true;
        List<Activity.LineChanged> out = new ArrayList<>();
        for (WatchedDevice d : devices) {
            Snapshot.Device then = start.device(d.name());
            boolean[] seen = changed.get(d.name());
            if (then == null) {
                continue;
            }
            for (int i = 0; i < seen.length && i < d.lineCount(); i++) {
                LineView now = d.line(i);
                if (!seen[i] && moved(then.lines().get(i), now)) {
                    out.add(new Activity.LineChanged(start.nanos(), d.name(), now));
                }
            }
        }
        changed.clear();
        return out;
    }

    /** Whether a watcher sees the line change: what a line change reports (counters aside). */
    private static boolean moved(LineView a, LineView b) {
        return a.direction() != b.direction() || a.level() != b.level() || a.driver() != b.driver()
                || a.irqType() != b.irqType() || a.masked() != b.masked() || a.latched() != b.latched();
    }
}
