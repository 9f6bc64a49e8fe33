package dev.vgpio.monitor.trace;

import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.LineView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a VCD of some activity should show, worked out from the activity itself, in the form of {@link Vcd#waves}. */
final class Waves {
    private Waves() {
    }

    /**
     * Per signal ({@code device.name} and {@code device.name_dir}), its values from the start and the line changes,
     * each at its time since the start; {@code names} gives each device's signal names by line.
     */
    static Map<String, List<Vcd.Change>> of(Snapshot start, List<Activity> activity, Map<String, List<String>> names) {
        Map<String, List<Vcd.Change>> out = new LinkedHashMap<>();
        for (Snapshot.Device d : start.devices()) {
            for (LineView v : d.lines()) {
                List<String> n = names.get(d.name());
                out.put(d.name() + "." + n.get(v.offset()), new ArrayList<>());
                out.put(d.name() + "." + n.get(v.offset()) + "_dir", new ArrayList<>());
                add(out, 0, d.name(), n, v);
            }
        }
        for (Activity a : activity) {
            if (a instanceof Activity.LineChanged c) {
                add(out, Math.max(0, c.nanos() - start.nanos()), c.device(), names.get(c.device()), c.line());
            }
        }
        return out;
    }

    /** {@code v} as a vector value of the direction signal: {@code 00}, {@code 01} or {@code 10}. */
    static String direction(LineView v) {
        return switch (v.direction()) {
            case NONE -> "00";
            case OUT -> "01";
            case IN -> "10";
        };
    }

    private static void add(Map<String, List<Vcd.Change>> out, long t, String device, List<String> names, LineView v) {
        String level = device + "." + names.get(v.offset());
        set(out.get(level), new Vcd.Change(t, level, String.valueOf(v.level())));
        set(out.get(level + "_dir"), new Vcd.Change(t, level + "_dir", direction(v)));
    }

    private static void set(List<Vcd.Change> wave, Vcd.Change c) {
        if (!wave.isEmpty() && wave.getLast().time() == c.time()) {
            wave.removeLast();
        }
        if (wave.isEmpty() || !wave.getLast().value().equals(c.value())) {
            wave.add(c);
        }
    }

    /** The values alone of one signal's wave. */
    static List<String> values(Map<String, List<Vcd.Change>> waves, String signal) {
        return waves.get(signal).stream().map(Vcd.Change::value).toList();
    }
}
