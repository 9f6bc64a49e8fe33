package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.WatchedDevice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The watched devices' lines when a trace starts: what the trace shows at its time 0.
 *
 * @param wallClock when the trace started, on the wall clock (a VCD's {@code $date})
 * @param nanos     when it started, on the clock of {@link dev.vgpio.monitor.Activity#nanos()}
 *                  ({@link System#nanoTime()}): the trace's time 0
 * @param devices   every device's lines, in the monitor's order; no two devices have the same name
 */
public record Snapshot(Instant wallClock, long nanos, List<Device> devices) {
    /**
     * One device's lines.
     *
     * @param name  the device's name ({@code gpio0})
     * @param label the label of its lines (the chip's), or {@code ""}
     * @param lines every line's view, by offset: {@code lines.get(i).offset() == i}
     */
    public record Device(String name, String label, List<LineView> lines) {
        /** Checks the fields: no nulls, the lines in offset order. */
        public Device {
            Objects.requireNonNull(name, "name");
            label = label == null ? "" : label;
            lines = List.copyOf(lines);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).offset() != i) {
                    throw new IllegalArgumentException("line " + i + " of " + name + " has the view of line "
                            + lines.get(i).offset() + ": a device's lines are listed by offset");
                }
            }
        }
    }

    /** Checks the fields: no nulls, no two devices with one name. */
    public Snapshot {
        Objects.requireNonNull(wallClock, "wallClock");
        devices = List.copyOf(devices);
        Set<String> names = new HashSet<>();
        for (Device d : devices) {
            if (!names.add(d.name())) {
                throw new IllegalArgumentException("two devices are named " + d.name() + ": a trace tells devices"
                        + " apart by name");
            }
        }
    }

    /** The lines of {@code devices} now. */
    public static Snapshot of(List<WatchedDevice> devices) {
        List<Device> all = new ArrayList<>(devices.size());
        Instant wall = Instant.now();
        long nanos = System.nanoTime();
        for (WatchedDevice d : devices) {
            all.add(new Device(d.name(), d.label(), d.lines()));
        }
        return new Snapshot(wall, nanos, all);
    }

    /** The device named {@code name}, or null. */
    public Device device(String name) {
        for (Device d : devices) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
