package dev.vgpio.monitor;

import dev.vgpio.control.HostControl;
import dev.vgpio.control.LineStatus;
import dev.vgpio.device.ActivityRing;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.Refusal;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.PickedLines;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One device as the {@link Monitor} watches it: the ring its controller records into, a live view of each line
 * kept from what the ring says, and the simulated lines the host may drive. The views are written on the monitor's
 * thread and read from any.
 */
public final class WatchedDevice {
    /** Records per device ring: at the monitor's pace (a pass every 2 ms) it holds over 4 million a second. */
    static final int RING_CAPACITY = 1 << 13;

    private final String name;
    private final Path socket;
    private final String label;
    private final List<String> names;
    private final ActivityRing ring;
    private final SimulatedChip sim;
    private final HostControl control;
    /** Per device line: its offset on {@link #sim}, or -1 for a real host line. */
    private final int[] simOffset;
    private final LineStateListener simListener;
    private final Line[] lines;
    private long droppedReported;
    /** The time of the last record read, for a {@link Activity.Dropped} that comes after it. */
    private long lastNanos = Long.MIN_VALUE;
    private volatile long handedOverUpTo;

    /** What the monitor knows of a line; written on the monitor's thread only. */
    private static final class Line {
        volatile int state;
        volatile int irq;
        /** The level the line senses from outside: driven by the host (simulated) or last seen (a host line). */
        volatile int sensed;
        volatile boolean hostDrove;
        volatile long requests;
        volatile long errors;
        volatile long edges;
        volatile long interrupts;
        /** The settings the guest gave the line: bias code, drive code {@code << 2}, debounce µs {@code << 4}. */
        volatile int settings;
        LineView last;
    }

    /**
     * Watches the device whose controller is {@code controller}: from now on it records into a ring of this
     * device's. Call before the device serves.
     *
     * @param sim     the device's simulated lines as one chip (all of them, or some of a mixed device), or null
     * @param control the host's control of {@code sim} (shared with its control socket), or null without sim
     */
    WatchedDevice(String name, Path socket, GpioController controller, SimulatedChip sim, HostControl control) {
        this.name = name;
        this.socket = socket;
        GpioLines served = controller.lines();
        this.label = served.label();
        this.names = served.lineNames();
        this.sim = sim;
        this.control = sim == null ? null : control != null ? control : new HostControl(sim);
        this.simOffset = simOffsets(served, sim);
        this.lines = new Line[names.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new Line();
        }
        this.ring = new ActivityRing(RING_CAPACITY);
        int[] deviceOffset = new int[sim == null ? 0 : sim.lineCount()];
        for (int d = 0; d < simOffset.length; d++) {
            if (simOffset[d] >= 0) {
                deviceOffset[simOffset[d]] = d;
                try {
                    readSim(lines[d], simOffset[d]);
                    Direction dir = sim.getDirection(simOffset[d]);
                    lines[d].state = dir.code() | (dir == Direction.OUT && sim.outputValue(simOffset[d]) == 1
                            ? ActivityRing.STATE_VALUE | ActivityRing.STATE_VALUE_SET : 0);
                } catch (LineException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                try {
                    lines[d].state = served.getDirection(d).code();
                } catch (LineException e) {
                    lines[d].state = Direction.NONE.code();
                }
            }
        }
        for (int i = 0; i < lines.length; i++) {
            lines[i].last = view(i);
        }
        this.simListener = sim == null ? null : new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                // the controller records the guest's requests itself
            }

            @Override
            public void onDriven(int offset, int level) {
                boolean held;
                try {
                    held = sim.isHeld(offset);
                } catch (LineException e) {
                    held = true;
                }
                ring.write(ActivityRing.DRIVEN, deviceOffset[offset], held ? 0 : 1, level, 0, 0, 0);
            }

            @Override
            public void onFiltered(int offset, int level, long widthNanos) {
                ring.write(ActivityRing.FILTERED, deviceOffset[offset], 0, level,
                        (int) Math.min(widthNanos / 1000, Integer.MAX_VALUE), 0, 0);
            }
        };
        if (sim != null) {
            sim.addStateListener(simListener);
        }
        controller.setActivity(ring);
    }

    /** Per line of {@code served}: its offset on {@code sim}, or -1 if it is not one of sim's lines. */
    private static int[] simOffsets(GpioLines served, SimulatedChip sim) {
        int[] map = new int[served.lineCount()];
        Arrays.fill(map, -1);
        if (sim == null) {
            return map;
        }
        if (served == sim) {
            Arrays.setAll(map, i -> i);
        } else if (served instanceof PickedLines picked) {
            for (int d = 0; d < map.length; d++) {
                if (picked.sourceOf(d) == sim) {
                    map[d] = picked.sourceOffsetOf(d);
                }
            }
        }
        return map;
    }

    /** The device's name, such as {@code gpio0} (QEMU's id for it in the banner's options). */
    public String name() {
        return name;
    }

    /** Its vhost-user socket. */
    public Path socket() {
        return socket;
    }

    /** The label of its lines. */
    public String label() {
        return label;
    }

    public int lineCount() {
        return lines.length;
    }

    public List<String> lineNames() {
        return names;
    }

    /** How many records the device could not hand over because its watchers were behind. */
    public long dropped() {
        return ring.dropped();
    }

    /**
     * The offset of a line given as an offset ({@code 3}) or a name ({@code BUTTON_A}).
     *
     * @throws DriveException NO_SUCH_LINE if there is none
     */
    public int resolve(String line) throws DriveException {
        String s = line.trim();
        if (s.matches("\\d{1,5}")) {
            int offset = Integer.parseInt(s);
            if (offset < lines.length) {
                return offset;
            }
            throw new DriveException(DriveException.Reason.NO_SUCH_LINE, "line " + offset + " does not exist: "
                    + name + " has " + lines.length + (lines.length == 1 ? " line" : " lines"));
        }
        int offset = s.isEmpty() ? -1 : names.indexOf(s);
        if (offset < 0) {
            throw new DriveException(DriveException.Reason.NO_SUCH_LINE, "no line named \"" + s + "\" on " + name);
        }
        return offset;
    }

    /** Every line's view now. */
    public List<LineView> lines() {
        List<LineView> all = new ArrayList<>(lines.length);
        for (int i = 0; i < lines.length; i++) {
            all.add(view(i));
        }
        return all;
    }

    /** Line {@code offset}'s view now. */
    public LineView line(int offset) {
        return view(offset);
    }

    /** Whether the host may drive line {@code offset}: a simulated line. */
    public boolean isSimulated(int offset) {
        return simOffset[offset] >= 0;
    }

    /**
     * Drives the level simulated line {@code offset} senses, unless the guest holds it as an output.
     *
     * @throws DriveException if the line is a real host line, the guest's output, or the level is not 0 or 1
     */
    public void drive(int offset, int level) throws DriveException {
        checkDrivable(offset);
        if (level != 0 && level != 1) {
            throw new DriveException(DriveException.Reason.INVALID, "a level is 0 or 1, not " + level);
        }
        try {
            control.set(simOffset[offset], level);
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The level the host drives on simulated line {@code offset}. */
    int drivenLevel(int offset) {
        try {
            return sim.drivenLevel(simOffset[offset]);
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records that a stimulus of kind {@code code} ({@link Stimulus#code}, 0: none) started or ended on a line. */
    void recordStimulus(int offset, int code) {
        ring.write(ActivityRing.STIMULUS, offset, 0, code, 0, 0, 0);
    }

    /** The host's control of this device's simulated lines, by their offsets on {@link #simOffset}. */
    HostControl control() {
        return control;
    }

    /** The offset of device line {@code offset} on the simulated chip (-1 for a real host line). */
    int simOffset(int offset) {
        return simOffset[offset];
    }

    /**
     * Checks that the host may drive line {@code offset} now.
     *
     * @throws DriveException NOT_SIMULATED or GUEST_OUTPUT
     */
    void checkDrivable(int offset) throws DriveException {
        if (offset < 0 || offset >= lines.length) {
            throw new DriveException(DriveException.Reason.NO_SUCH_LINE, "line " + offset + " does not exist on "
                    + name);
        }
        if (simOffset[offset] < 0) {
            throw new DriveException(DriveException.Reason.NOT_SIMULATED, describe(offset) + " is a real host line:"
                    + " its level comes from the hardware, and vgpio never drives it");
        }
        try {
            if (sim.getDirection(simOffset[offset]) == Direction.OUT) {
                throw new DriveException(DriveException.Reason.GUEST_OUTPUT, describe(offset) + " is the guest's"
                        + " output: the guest drives its level");
            }
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code line 2 "BUTTON_A" of gpio0}. */
    String describe(int offset) {
        String n = names.get(offset);
        return "line " + offset + (n.isEmpty() ? "" : " \"" + n + "\"") + " of " + name;
    }

    private LineView view(int i) {
        Line l = lines[i];
        int state = l.state;
        Direction dir = Direction.fromCode(state & ActivityRing.STATE_DIRECTION_MASK);
        if (dir == null) {
            dir = Direction.NONE;
        }
        int sensed = l.sensed; // as the records say, so that a view belongs to the moment of its record
        int settings = l.settings;
        Bias bias = Bias.fromCode(settings & 0b11);
        Drive drive = Drive.fromCode(settings >>> 2 & 0b11);
        int out = (state & ActivityRing.STATE_VALUE) != 0 ? 1 : 0;
        boolean letGo = drive == Drive.OPEN_DRAIN && out == 1 || drive == Drive.OPEN_SOURCE && out == 0;
        int level = dir == Direction.OUT && !letGo ? out : sensed;
        LineStatus.Driver driver = dir == Direction.OUT ? LineStatus.Driver.GUEST
                : simOffset[i] < 0 || l.hostDrove ? LineStatus.Driver.HOST : LineStatus.Driver.NOBODY;
        IrqType irq = IrqType.fromCode(l.irq);
        return new LineView(i, names.get(i), simOffset[i] >= 0, dir, level, driver, irq == null ? IrqType.NONE : irq,
                (state & ActivityRing.STATE_UNMASKED) == 0, (state & ActivityRing.STATE_LATCHED) != 0, l.requests,
                l.errors, l.edges, l.interrupts, bias, drive == null ? Drive.PUSH_PULL : drive, settings >>> 4);
    }

    /** What only the simulated chip knows of a line: the level it presents, whether the host holds it, its settings. */
    private void readSim(Line l, int simLine) throws LineException {
        l.sensed = sim.drivenLevel(simLine);
        l.hostDrove = sim.isHeld(simLine);
        l.settings = sim.bias(simLine).code() | sim.drive(simLine).code() << 2 | sim.debounce(simLine) << 4;
    }

    /** {@code settings} with the SET_LINE_CONFIG request value {@code value} applied. */
    private static int withSetting(int settings, long value) {
        int arg = LineConfig.argument(value);
        LineConfig.Param p = LineConfig.Param.fromCode(LineConfig.param(value));
        if (p == null) {
            return settings;
        }
        return switch (p) {
            case BIAS -> settings & ~0b11 | arg & 0b11;
            case DRIVE -> settings & ~0b1100 | (arg & 0b11) << 2;
            case DEBOUNCE -> settings & 0b1111 | arg << 4;
        };
    }

    /** The level a simulated line presents now, or {@code otherwise} if it cannot be read. */
    private int simLevel(int line, int otherwise) {
        try {
            return sim.drivenLevel(simOffset[line]);
        } catch (LineException e) {
            return otherwise;
        }
    }

    /**
     * Reads up to {@code max} records of the ring, updates the views and hands each activity (and each line view
     * that changed) to {@code out}. On the monitor's thread only.
     *
     * @return how many records were read
     */
    int drain(Consumer<Activity> out, int max) {
        int read = ring.drain(r -> apply(r, out), max);
        long dropped = ring.dropped();
        if (dropped != droppedReported && (read < max || read == 0)) {
            // once the ring is read to its end: stamped with the last record read, so that no time goes back
            long at = lastNanos != Long.MIN_VALUE ? lastNanos : System.nanoTime();
            out.accept(new Activity.Dropped(at, name, dropped - droppedReported));
            droppedReported = dropped;
            resync(at, out);
        }
        return read;
    }

    /**
     * After lost records, the simulated lines' views from the chip itself (what the lost records would have said
     * of their direction, output value and sensed level); the device's own state of interrupts comes with the
     * line's next record.
     */
    private void resync(long at, Consumer<Activity> out) {
        for (int d = 0; d < lines.length; d++) {
            if (simOffset[d] < 0) {
                continue;
            }
            try {
                Line l = lines[d];
                Direction dir = sim.getDirection(simOffset[d]);
                int value = dir == Direction.OUT && sim.outputValue(simOffset[d]) == 1 ? ActivityRing.STATE_VALUE : 0;
                l.state = (l.state & ~(ActivityRing.STATE_DIRECTION_MASK | ActivityRing.STATE_VALUE)) | dir.code()
                        | value;
                readSim(l, simOffset[d]);
                LineView now = view(d);
                if (now.differsFrom(l.last)) {
                    l.last = now;
                    out.accept(new Activity.LineChanged(at, name, now));
                }
            } catch (LineException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** How many records writers have claimed: those written before this call are below it. */
    long written() {
        return ring.written();
    }

    /** Notes, after a pass has handed its activity to every sink, how far the ring has been read. */
    void handedOver() {
        handedOverUpTo = ring.read();
    }

    /** How far the ring's records have been handed to every sink. */
    long handedOverUpTo() {
        return handedOverUpTo;
    }

    private void apply(ActivityRing.Record r, Consumer<Activity> out) {
        long t = r.nanos();
        lastNanos = Math.max(lastNanos, t);
        int line = r.line();
        boolean known = line < lines.length;
        boolean namesRequest = r.kind() == ActivityRing.REQUEST && r.type() == MessageType.GET_LINE_NAMES.code();
        String lineName = known && !namesRequest ? names.get(line) : ""; // GET_LINE_NAMES names no line
        switch (r.kind()) {
            case ActivityRing.REQUEST -> {
                int outcome = r.outcome();
                boolean ok = !GpioController.refused(outcome);
                Refusal why = GpioController.refusal(outcome);
                int response = GpioResponse.value(GpioController.response(outcome));
                if (known && r.type() != MessageType.GET_LINE_NAMES.code()) {
                    Line l = lines[line];
                    l.requests++;
                    if (ok && r.type() == MessageType.SET_LINE_CONFIG.code()) {
                        l.settings = withSetting(l.settings, r.value() & 0xffff_ffffL);
                        if (simOffset[line] >= 0) {
                            l.sensed = simLevel(line, l.sensed); // a pull can move an undriven line
                        }
                    } else if (ok && r.type() == MessageType.SET_DIRECTION.code()
                            && r.value() == Direction.NONE.code()) {
                        l.settings = 0;
                    }
                    if (!ok) {
                        l.errors++;
                    }
                    l.state = r.state();
                    l.irq = r.irqType();
                    if (ok && r.type() == MessageType.GET_VALUE.code() && simOffset[line] < 0) {
                        l.sensed = response;
                    }
                }
                out.accept(new Activity.Request(t, name, line, lineName, r.type(), r.value() & 0xffff_ffffL, ok,
                        ok ? response : 0, why == null ? null : why.reason()));
            }
            case ActivityRing.INTERRUPT -> {
                boolean valid = r.type() == IrqStatus.VALID.code();
                if (known) {
                    lines[line].state = r.state();
                    if (valid) {
                        lines[line].interrupts++;
                    }
                }
                out.accept(new Activity.Interrupt(t, name, line, lineName, valid));
            }
            case ActivityRing.UNMASK -> {
                if (known) {
                    lines[line].state = r.state();
                }
                out.accept(new Activity.Unmask(t, name, line, lineName, r.value() != 0));
            }
            case ActivityRing.EDGE -> {
                if (known) {
                    Line l = lines[line];
                    l.edges++;
                    l.state = r.state();
                    if (simOffset[line] < 0) {
                        l.sensed = r.value();
                    }
                }
                out.accept(new Activity.Edge(t, name, line, lineName, r.value() != 0));
            }
            case ActivityRing.DRIVEN -> {
                if (known) {
                    lines[line].hostDrove = r.type() == 0; // 1: the host let go of the line
                    lines[line].sensed = r.value();
                }
                out.accept(new Activity.Driven(t, name, line, lineName, r.value()));
            }
            case ActivityRing.RESET -> {
                for (Line l : lines) {
                    l.irq = IrqType.NONE.code();
                    l.state &= ~(ActivityRing.STATE_UNMASKED | ActivityRing.STATE_LATCHED);
                }
                out.accept(new Activity.Reset(t, name, r.value()));
            }
            case ActivityRing.DETACHED -> {
                for (Line l : lines) {
                    l.state &= ~ActivityRing.STATE_UNMASKED;
                }
                out.accept(new Activity.Detached(t, name));
            }
            case ActivityRing.FILTERED -> out.accept(new Activity.Filtered(t, name, line, lineName, r.value(),
                    r.outcome()));
            case ActivityRing.STIMULUS -> out.accept(new Activity.StimulusChanged(t, name, line, lineName,
                    Stimulus.kindOf(r.value())));
            default -> { // a kind this monitor does not know: nothing to show
            }
        }
        boolean all = r.kind() == ActivityRing.RESET || r.kind() == ActivityRing.DETACHED;
        for (int i = all ? 0 : line; i < (all ? lines.length : known ? line + 1 : 0); i++) {
            LineView now = view(i);
            if (now.differsFrom(lines[i].last)) {
                lines[i].last = now;
                out.accept(new Activity.LineChanged(t, name, now));
            }
        }
    }

    /** Stops watching the host's drives (the controller keeps recording; nobody reads it). */
    void close() {
        if (sim != null) {
            sim.removeStateListener(simListener);
        }
    }
}
