package dev.vgpio.conformance;

import static dev.vgpio.conformance.Verdict.fail;
import static dev.vgpio.conformance.Verdict.pass;

import dev.vgpio.driver.Answer;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The checks of vgpio's line-configuration extension (VIRTIO_GPIO_F_LINE_CONFIG, GET_LINE_CAPS and SET_LINE_CONFIG;
 * docs/line-config.md): one per device requirement of the proposal. They run only when the device offers the bit
 * (else SKIP), but for {@code line-config.without-feature}, which every device must meet.
 */
final class LineConfigChecks {
    /** A setting that needs a capability bit: its name, its SET_LINE_CONFIG value and the bit. */
    record Setting(String name, long value, int cap) {
    }

    /** Every setting a capability bit stands for (debounce with a period of 1 ms). */
    static final List<Setting> SETTINGS = List.of(
            new Setting("bias disabled", LineConfig.bias(Bias.DISABLED), LineCaps.BIAS_DISABLED),
            new Setting("bias pull-up", LineConfig.bias(Bias.PULL_UP), LineCaps.PULL_UP),
            new Setting("bias pull-down", LineConfig.bias(Bias.PULL_DOWN), LineCaps.PULL_DOWN),
            new Setting("drive open-drain", LineConfig.drive(Drive.OPEN_DRAIN), LineCaps.OPEN_DRAIN),
            new Setting("drive open-source", LineConfig.drive(Drive.OPEN_SOURCE), LineCaps.OPEN_SOURCE),
            new Setting("debounce 1000 us", LineConfig.debounce(1000), LineCaps.DEBOUNCE));
    /** Debounce periods a line with the debounce bit should take: the shortest, a usual one, the longest. */
    static final int[] PERIODS = {1, 1000, LineConfig.MAX_DEBOUNCE_US};
    /** Why a setting a line's caps claim may still be refused. */
    static final String PASS_THROUGH = "allowed only of a device that passes settings on to hardware it cannot query"
            + " and that refused them";

    static final long AS_IS = LineConfig.bias(Bias.AS_IS);
    static final long PUSH_PULL = LineConfig.drive(Drive.PUSH_PULL);
    static final long NO_DEBOUNCE = LineConfig.debounce(0);

    private LineConfigChecks() {
    }

    // ---- negotiation and capabilities

    static Verdict offeredWithCaps(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int n = Math.min(s.ngpio(), RequestChecks.SWEEP_MAX);
        for (int line = 0; line < n; line++) {
            Answer a = c.raw(s, MessageType.GET_LINE_CAPS, line, 0);
            if (a.status() == 0 && (a.value() & LineCaps.ALL) != 0) {
                return pass("VIRTIO_GPIO_F_LINE_CONFIG is offered and line " + line + " takes "
                        + LineCaps.describe(a.value() & LineCaps.ALL));
            }
        }
        if (s.ngpio() > n) {
            return pass("none of the first " + n + " lines takes a setting; the other " + (s.ngpio() - n)
                    + " were not asked");
        }
        return fail("the device offers VIRTIO_GPIO_F_LINE_CONFIG but none of its " + n + " lines takes a setting"
                + " (every GET_LINE_CAPS answered 0 or ERR)");
    }

    static Verdict withoutFeature(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        String offered = GpioFeatures.hasLineConfig(s.offered())
                ? "the device offers VIRTIO_GPIO_F_LINE_CONFIG; this session did not accept it"
                : "the device does not offer VIRTIO_GPIO_F_LINE_CONFIG";
        List<String> bad = new ArrayList<>();
        long[][] msgs = {{MessageType.GET_LINE_CAPS.code(), 0}, {MessageType.SET_LINE_CONFIG.code(), AS_IS},
            {MessageType.SET_LINE_CONFIG.code(), NO_DEBOUNCE}};
        for (long[] m : msgs) {
            Answer a = s.call((int) m[0], line, m[1]);
            if (a.status() != 1) {
                bad.add(Session.message((int) m[0], line, m[1]) + " answered " + Session.status(a.status()));
            }
        }
        int d = c.direction(s, line);
        return bad.isEmpty() ? pass("GET_LINE_CAPS, SET_LINE_CONFIG(bias as-is) and SET_LINE_CONFIG(debounce 0 us) for"
                + " line " + line + " answered ERR (" + offered + "); the device went on answering (GET_DIRECTION = "
                + d + ")") : fail(String.join("; ", bad) + " (" + offered + ")");
    }

    static Verdict getCaps(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int n = Math.min(s.ngpio(), RequestChecks.SWEEP_MAX);
        List<String> bad = new ArrayList<>();
        int[] first = sweepCaps(c, s, n, bad);
        if (!bad.isEmpty()) {
            return fail(RequestChecks.firstFew(bad));
        }
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        for (Setting setting : SETTINGS) {
            if ((first[line] & setting.cap()) != 0) {
                c.raw(s, MessageType.SET_LINE_CONFIG, line, setting.value());
            }
        }
        c.setValue(s, line, 1);
        c.setDirection(s, line, Direction.OUT);
        int[] again = sweepCaps(c, s, n, bad);
        c.setDirection(s, line, Direction.NONE);
        s.close(); // a vhost-user back end serves one front end at a time
        Session other = c.sessionWithLineConfig();
        int[] third = sweepCaps(c, other, n, bad);
        for (int l = 0; l < n; l++) {
            if (again[l] != first[l] || third[l] != first[l]) {
                bad.add(String.format("line %d answered 0x%02x, then 0x%02x after line %d was configured, then 0x%02x"
                        + " in a second session", l, first[l], again[l], line, third[l]));
            }
        }
        String range = s.ngpio() > n ? " (the first " + n + " of " + s.ngpio() + " lines)" : "";
        return bad.isEmpty() ? pass(n + " lines" + range + " answered OK with used length 2 and bits 6-7 clear, the"
                + " same three times (then after line " + line + " was configured, and in a second session): "
                + capsSummary(first)) : fail(RequestChecks.firstFew(bad) + range);
    }

    /** Every line's GET_LINE_CAPS value (-1 where it was refused); what is wrong with an answer goes to bad. */
    private static int[] sweepCaps(Context c, Session s, int n, List<String> bad) throws IOException {
        int[] caps = new int[n];
        for (int line = 0; line < n; line++) {
            Answer a = c.raw(s, MessageType.GET_LINE_CAPS, line, 0);
            caps[line] = a.status() == 0 ? a.value() : -1;
            if (a.status() != 0) {
                bad.add("GET_LINE_CAPS for line " + line + " answered " + Session.status(a.status()));
            } else if ((a.value() & ~LineCaps.ALL) != 0) {
                bad.add(String.format("GET_LINE_CAPS for line %d answered 0x%02x: the reserved bits 6-7 are set",
                        line, a.value()));
            }
            if (a.usedLength() != 2) {
                bad.add("GET_LINE_CAPS for line " + line + " had used length " + a.usedLength() + ", not 2");
            }
        }
        return caps;
    }

    private static String capsSummary(int[] caps) {
        StringJoiner j = new StringJoiner("; ");
        for (int i = 0; i < Math.min(4, caps.length); i++) {
            j.add("line " + i + " " + LineCaps.describe(caps[i]));
        }
        return j + (caps.length > 4 ? "; ..." : "");
    }

    // ---- refusals

    static Verdict outOfRange(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        Set<Integer> lines = new LinkedHashSet<>(List.of(s.ngpio(), 0xffff));
        long[][] msgs = {{MessageType.GET_LINE_CAPS.code(), 0}, {MessageType.SET_LINE_CONFIG.code(), AS_IS},
            {MessageType.SET_LINE_CONFIG.code(), PUSH_PULL}, {MessageType.SET_LINE_CONFIG.code(), NO_DEBOUNCE},
            {MessageType.SET_LINE_CONFIG.code(), LineConfig.bias(Bias.PULL_UP)}};
        List<String> bad = new ArrayList<>();
        int sent = 0;
        for (int gpio : lines) {
            if (gpio > 0xffff) {
                continue;
            }
            for (long[] m : msgs) {
                Answer a = s.call((int) m[0], gpio, m[1]);
                sent++;
                if (a.status() != 1) {
                    bad.add(Session.message((int) m[0], gpio, m[1]) + " answered " + Session.status(a.status()));
                }
            }
        }
        return bad.isEmpty() ? pass(sent + " messages for lines " + lines + " (ngpio = " + s.ngpio() + "):"
                + " GET_LINE_CAPS and SET_LINE_CONFIG (as-is, push-pull, debounce 0, pull-up), all answered ERR")
                : fail(RequestChecks.firstFew(bad));
    }

    static Verdict unknownParam(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        List<String> bad = new ArrayList<>();
        for (long value : new long[] {0, 4, 0x7f, 0xff, 4 | 1 << 8, 0xff | 0xffffffL << 8}) {
            Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, value);
            if (a.status() != 1) {
                bad.add(String.format("SET_LINE_CONFIG(0x%x) answered %s", value, Session.status(a.status())));
            }
        }
        return bad.isEmpty() ? pass("line " + line + ": SET_LINE_CONFIG with params 0, 4, 0x7f and 0xff (arguments"
                + " 0, 1 and 0xffffff) answered ERR") : fail(String.join("; ", bad));
    }

    static Verdict invalidArgument(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        int caps = c.lineCaps(s, line);
        long[] invalid = {LineConfig.Param.BIAS.code() | 4 << 8, LineConfig.Param.BIAS.code() | 0xff << 8,
            LineConfig.Param.BIAS.code() | 0xffffffL << 8, LineConfig.Param.DRIVE.code() | 3 << 8,
            LineConfig.Param.DRIVE.code() | 0xffffffL << 8};
        InputDriver input = c.target.input();
        boolean observe = (caps & LineCaps.PULL_UP) != 0 && input != null && input.canRelease();
        if (observe) { // a pull-up the refused requests must leave in place
            c.setDirection(s, line, Direction.IN);
            c.setLineConfig(s, line, LineConfig.bias(Bias.PULL_UP));
            c.drive(line, 0);
        }
        List<String> bad = new ArrayList<>();
        for (long v : invalid) {
            Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, v);
            if (a.status() != 1) {
                bad.add(Session.message(MessageType.SET_LINE_CONFIG.code(), line, v) + " answered "
                        + Session.status(a.status()));
            }
        }
        String detail = "line " + line + ": SET_LINE_CONFIG with bias 4, 0xff, 0xffffff and drive 3, 0xffffff answered"
                + " ERR";
        if (!bad.isEmpty()) {
            return fail(String.join("; ", bad));
        }
        if (!observe) {
            return pass(detail + " (that the line was left unchanged was not observed: it needs a line with a pull-up"
                    + " and an input driver that lets lines go)");
        }
        input.release(line);
        c.settle();
        int v = c.value(s, line);
        return v == 1 ? pass(detail + "; the pull-up set before them held: let go, the input read 1")
                : fail("after refused SET_LINE_CONFIG requests the pull-up set before them was gone: let go, input"
                        + " line " + line + " read 0");
    }

    static Verdict capsHonoured(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        List<String> bad = new ArrayList<>();
        List<String> claimedRefused = new ArrayList<>();
        StringJoiner seen = new StringJoiner("; ");
        for (int line : lines(c, s)) {
            int caps = c.lineCaps(s, line) & LineCaps.ALL;
            int taken = 0;
            int refused = 0;
            for (Setting setting : SETTINGS) {
                boolean has = (caps & setting.cap()) != 0;
                Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, setting.value());
                if (has && a.status() == 1) {
                    claimedRefused.add("line " + line + " " + setting.name());
                } else if (has && a.status() != 0) {
                    bad.add("line " + line + " (caps " + LineCaps.describe(caps) + "): " + setting.name()
                            + " answered " + Session.status(a.status()));
                } else if (!has && a.status() != 1) {
                    bad.add("line " + line + " (caps " + LineCaps.describe(caps) + "): " + setting.name()
                            + " answered " + Session.status(a.status()) + "; expected ERR, the line lacks the bit");
                }
                if (a.status() == 0) {
                    taken++;
                    c.raw(s, MessageType.SET_LINE_CONFIG, line, defaultOf(setting.value()));
                } else {
                    refused++;
                }
            }
            seen.add("line " + line + " (caps " + LineCaps.describe(caps) + "): " + taken + " OK, " + refused
                    + " ERR");
        }
        String refusedNote = claimedRefused.isEmpty() ? "" : "; settings the caps claim were refused ("
                + PASS_THROUGH + "): " + String.join(", ", claimedRefused);
        return bad.isEmpty() ? pass("each setting a line's caps lack answered ERR, each they have OK (bias disabled,"
                + " pull-up, pull-down, open-drain, open-source, debounce 1 ms, with the line released): " + seen
                + refusedNote) : fail(RequestChecks.firstFew(bad));
    }

    static Verdict debounceRange(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        List<String> bad = new ArrayList<>();
        List<Integer> debouncing = new ArrayList<>();
        List<Integer> lines = lines(c, s);
        for (int line : lines) {
            if ((c.lineCaps(s, line) & LineCaps.DEBOUNCE) == 0) {
                continue;
            }
            debouncing.add(line);
            c.setDirection(s, line, Direction.IN);
            for (int period : PERIODS) {
                Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, LineConfig.debounce(period));
                if (a.status() != 0) {
                    bad.add("line " + line + ": debounce " + period + " us answered " + Session.status(a.status()));
                }
            }
            c.raw(s, MessageType.SET_LINE_CONFIG, line, NO_DEBOUNCE);
            c.setDirection(s, line, Direction.NONE);
        }
        if (debouncing.isEmpty()) {
            throw new CheckSkipped("lines " + lines + " cannot debounce (give --line a line that can)");
        }
        return bad.isEmpty() ? pass("lines " + debouncing + " (inputs): debounce 1, 1000 and 16777215 us answered OK")
                : fail(String.join("; ", bad));
    }

    static Verdict defaultsAccepted(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        List<String> bad = new ArrayList<>();
        List<Integer> lines = lines(c, s);
        for (int line : lines) {
            for (Direction d : new Direction[] {Direction.NONE, Direction.IN, Direction.OUT}) {
                if (d == Direction.OUT) {
                    c.setValue(s, line, 0);
                }
                c.setDirection(s, line, d);
                for (long v : Context.DEFAULT_SETTINGS) {
                    Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, v);
                    if (a.status() != 0) {
                        bad.add("line " + line + " (" + d + "): " + Session.message(MessageType.SET_LINE_CONFIG.code(),
                                line, v) + " answered " + Session.status(a.status()));
                    }
                }
            }
            c.setDirection(s, line, Direction.NONE);
        }
        return bad.isEmpty() ? pass("lines " + lines + ", released, inputs and outputs: bias as-is, push-pull and"
                + " debounce 0 answered OK") : fail(RequestChecks.firstFew(bad));
    }

    static Verdict anyDirection(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        List<String> bad = new ArrayList<>();
        List<String> claimedRefused = new ArrayList<>();
        StringJoiner seen = new StringJoiner("; ");
        List<Integer> lines = lines(c, s);
        for (int line : lines) {
            int caps = c.lineCaps(s, line) & LineCaps.ALL;
            if (caps == 0) {
                continue;
            }
            int ok = 0;
            for (Direction d : new Direction[] {Direction.IN, Direction.OUT}) {
                if (d == Direction.OUT) {
                    c.setValue(s, line, 0);
                }
                c.setDirection(s, line, d);
                for (Setting setting : SETTINGS) {
                    if ((caps & setting.cap()) == 0) {
                        continue;
                    }
                    Answer a = c.raw(s, MessageType.SET_LINE_CONFIG, line, setting.value());
                    if (a.status() == 0) {
                        ok++;
                    } else if (a.status() == 1) {
                        claimedRefused.add("line " + line + " " + setting.name() + " as " + d);
                    } else {
                        bad.add("line " + line + " (" + d + "): " + setting.name() + " answered "
                                + Session.status(a.status()));
                    }
                    c.raw(s, MessageType.SET_LINE_CONFIG, line, defaultOf(setting.value()));
                }
            }
            c.setDirection(s, line, Direction.NONE);
            seen.add("line " + line + " (caps " + LineCaps.describe(caps) + "): " + ok + " OK as an input or an"
                    + " output");
        }
        if (seen.length() == 0 && bad.isEmpty()) {
            throw new CheckSkipped("lines " + lines + " take no setting (give --line a line that does)");
        }
        int line = lines.getFirst();
        int caps = c.lineCaps(s, line);
        InputDriver input = c.target.input();
        if (input == null) {
            seen.add("that a setting made before the direction applies once the line has it needs an input driver");
        } else {
            for (Drive drive : new Drive[] {Drive.OPEN_DRAIN, Drive.OPEN_SOURCE}) {
                if ((caps & drive.cap()) == 0) {
                    continue;
                }
                c.setDirection(s, line, Direction.IN);
                if (c.raw(s, MessageType.SET_LINE_CONFIG, line, LineConfig.drive(drive)).status() != 0) {
                    continue; // refused on an input: noted above
                }
                int letGoFor = drive == Drive.OPEN_DRAIN ? 1 : 0;
                int read = outputReads(c, s, line, letGoFor);
                seen.add(drive.label() + " set on input line " + line + ": as an output, SET_VALUE(" + letGoFor
                        + ") read " + read + " with the outside at " + (letGoFor ^ 1));
                if (read != (letGoFor ^ 1)) {
                    bad.add(drive.label() + " set on input line " + line + " (answered OK) did not apply once it was an"
                            + " output: SET_VALUE(" + letGoFor + ") read " + read + " with the outside at "
                            + (letGoFor ^ 1) + ", as push-pull would");
                }
                c.setDirection(s, line, Direction.NONE);
            }
            if ((caps & LineCaps.DEBOUNCE) != 0) {
                c.setValue(s, line, 0);
                c.setDirection(s, line, Direction.OUT);
                int period = debounceMicros(c);
                if (c.raw(s, MessageType.SET_LINE_CONFIG, line, LineConfig.debounce(period)).status() == 0) {
                    c.drive(line, 0);
                    c.setDirection(s, line, Direction.IN);
                    Context.sleep(c.quiet());
                    boolean held = changeHeldBack(c, s, line, 1);
                    seen.add("debounce " + period / 1000 + " ms set on output line " + line + ": as an input, a change"
                            + (held ? " was held back" : " went through at once"));
                    if (!held) {
                        bad.add("a debounce period of " + period / 1000 + " ms set on output line " + line
                                + " (answered OK) did not apply once it was an input: a change read after "
                                + c.quiet().dividedBy(2).toMillis() + " ms");
                    }
                }
                c.setDirection(s, line, Direction.NONE);
            }
        }
        String refusedNote = claimedRefused.isEmpty() ? "" : "; refused although the caps claim them (" + PASS_THROUGH
                + "): " + String.join(", ", claimedRefused);
        return bad.isEmpty() ? pass(seen + refusedNote) : fail(RequestChecks.firstFew(bad));
    }

    /** Whether input {@code line} reads {@code level} within the debounce period and the timeout. */
    private static boolean awaitLevel(Context c, Session s, int line, int level, int periodMicros)
            throws IOException {
        long deadline = System.nanoTime() + periodMicros * 1000L + c.timeout().toNanos();
        while (c.value(s, line) != level) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Context.sleep(c.quiet().dividedBy(4));
        }
        return true;
    }

    /**
     * With the outside holding the line at {@code letGoFor ^ 1}: SET_VALUE({@code letGoFor}), SET_DIRECTION(OUT),
     * GET_VALUE. An open-drain ({@code letGoFor} 1) or open-source (0) output lets go and reads the outside's level;
     * a push-pull one reads {@code letGoFor}.
     */
    private static int outputReads(Context c, Session s, int line, int letGoFor) throws IOException {
        c.drive(line, letGoFor ^ 1);
        c.setValue(s, line, letGoFor);
        c.setDirection(s, line, Direction.OUT);
        return c.value(s, line);
    }

    /**
     * Input {@code line}, whose outside is at {@code to ^ 1}, sees the outside go to {@code to}: whether the change
     * is still held back after half a quiet period (a debounce period longer than that is in effect).
     */
    private static boolean changeHeldBack(Context c, Session s, int line, int to) throws IOException {
        c.drive(line, to);
        return c.value(s, line) != to;
    }

    // ---- what the settings do

    static Verdict biasLevel(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        int caps = c.lineCaps(s, line);
        if ((caps & (LineCaps.PULL_UP | LineCaps.PULL_DOWN)) == 0) {
            throw new CheckSkipped("line " + line + " takes neither pull-up nor pull-down (caps "
                    + LineCaps.describe(caps) + "; give --line a line that does)");
        }
        InputDriver input = c.releasingInput();
        c.setDirection(s, line, Direction.IN);
        List<String> bad = new ArrayList<>();
        StringJoiner seen = new StringJoiner(", ");
        for (Bias pull : new Bias[] {Bias.PULL_UP, Bias.PULL_DOWN}) {
            if ((caps & pull.cap()) == 0) {
                continue;
            }
            int level = pull == Bias.PULL_UP ? 1 : 0;
            c.drive(line, level ^ 1);
            input.release(line);
            c.settle();
            c.setLineConfig(s, line, LineConfig.bias(pull));
            int now = c.value(s, line); // the next request after the OK: the setting applies before it
            c.drive(line, level ^ 1);
            int held = c.value(s, line);
            input.release(line);
            c.settle();
            int again = c.value(s, line);
            seen.add(pull.label() + ": " + now + ", held at " + (level ^ 1) + ": " + held + ", let go: " + again);
            if (now != level) {
                bad.add("an undriven input with " + pull.label() + " read " + now + " right after SET_LINE_CONFIG");
            }
            if (held != (level ^ 1)) {
                bad.add("with " + pull.label() + ", an input held at " + (level ^ 1) + " read " + held);
            }
            if (again != level) {
                bad.add("with " + pull.label() + ", an input let go read " + again);
            }
            c.setLineConfig(s, line, AS_IS);
        }
        return bad.isEmpty() ? pass("line " + line + " (input, let go, then held by the input driver): " + seen)
                : fail(String.join("; ", bad));
    }

    static Verdict driveLevels(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        int caps = c.lineCaps(s, line);
        if ((caps & (LineCaps.OPEN_DRAIN | LineCaps.OPEN_SOURCE)) == 0) {
            throw new CheckSkipped("line " + line + " takes neither open-drain nor open-source (caps "
                    + LineCaps.describe(caps) + "; give --line a line that does)");
        }
        c.input();
        List<String> bad = new ArrayList<>();
        StringJoiner seen = new StringJoiner("; ");
        for (Drive drive : new Drive[] {Drive.OPEN_DRAIN, Drive.OPEN_SOURCE}) {
            if ((caps & drive.cap()) == 0) {
                continue;
            }
            int drives = drive == Drive.OPEN_DRAIN ? 0 : 1; // the level it drives; it lets go for the other
            c.setLineConfig(s, line, LineConfig.drive(drive));
            c.setValue(s, line, drives);
            c.setDirection(s, line, Direction.OUT);
            StringJoiner levels = new StringJoiner(", ");
            for (int outside : new int[] {0, 1}) {
                c.drive(line, outside);
                int driven = c.value(s, line);
                c.setValue(s, line, drives ^ 1);
                int letGo = c.value(s, line);
                c.setValue(s, line, drives);
                levels.add("outside " + outside + ": SET_VALUE(" + drives + ") reads " + driven + ", SET_VALUE("
                        + (drives ^ 1) + ") reads " + letGo);
                if (driven != drives) {
                    bad.add(drive.label() + " output driving " + drives + " read " + driven + " with the outside at "
                            + outside);
                }
                if (letGo != outside) {
                    bad.add(drive.label() + " output letting go (SET_VALUE(" + (drives ^ 1) + ")) read " + letGo
                            + ", not the outside's " + outside);
                }
            }
            seen.add(drive.label() + ": " + levels);
            c.setDirection(s, line, Direction.NONE);
            c.drive(line, 0);
        }
        return bad.isEmpty() ? pass("line " + line + ": " + seen) : fail(String.join("; ", bad));
    }

    /** The debounce period the checks use: five quiet periods (1 s by default), at most the longest allowed. */
    static int debounceMicros(Context c) {
        return (int) Math.min(LineConfig.MAX_DEBOUNCE_US, c.quiet().multipliedBy(5).toNanos() / 1000);
    }

    static Verdict debounceFilters(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        int caps = c.lineCaps(s, line);
        if ((caps & LineCaps.DEBOUNCE) == 0) {
            throw new CheckSkipped("line " + line + " cannot debounce (caps " + LineCaps.describe(caps)
                    + "; give --line a line that does)");
        }
        InputDriver input = c.input();
        int period = debounceMicros(c);
        Duration p = Duration.ofNanos(period * 1000L);
        c.setDirection(s, line, Direction.IN);
        c.setLineConfig(s, line, LineConfig.debounce(period));
        boolean irq = s.irq();
        if (irq) {
            c.setIrqType(s, line, IrqType.EDGE_BOTH);
            s.queue(line);
        }
        input.set(line, 1); // a pulse of a tenth of the period
        Context.sleep(p.dividedBy(10));
        input.set(line, 0);
        List<String> bad = new ArrayList<>();
        long end = System.nanoTime() + p.plus(c.quiet()).toNanos();
        while (System.nanoTime() < end) {
            int v = c.value(s, line);
            if (v != 0) {
                bad.add("a pulse of " + p.dividedBy(10).toMillis() + " ms (period " + p.toMillis() + " ms) read "
                        + v + " through GET_VALUE");
                break;
            }
            Context.sleep(c.quiet().dividedBy(4));
        }
        if (irq) {
            Session.Event e = s.awaitEvent(Duration.ZERO);
            if (e != null) {
                bad.add("the filtered pulse came back on the eventq: " + e);
            }
        }
        long t0 = System.nanoTime();
        input.set(line, 1);
        c.settle();
        int early = c.value(s, line);
        if (early != 0 && System.nanoTime() - t0 < p.toNanos()) {
            bad.add("a change read " + early + " after " + Duration.ofNanos(System.nanoTime() - t0).toMillis()
                    + " ms, before the period of " + p.toMillis() + " ms was over");
        }
        int late = -1;
        Session.Event event = null;
        long deadline = t0 + p.plus(c.timeout()).toNanos();
        while (System.nanoTime() < deadline && late != 1) {
            Context.sleep(c.quiet().dividedBy(4));
            late = c.value(s, line);
        }
        if (late != 1) {
            bad.add("a change that lasted the period of " + p.toMillis() + " ms still read " + late + " "
                    + c.timeout().toMillis() + " ms after it");
        }
        if (irq) {
            event = s.awaitEvent(c.timeout());
            if (event == null || !event.valid()) {
                bad.add("the change that lasted the period sent " + (event == null ? "nothing" : event.toString())
                        + " on the eventq");
            }
            c.setIrqType(s, line, IrqType.NONE);
            s.collect(Duration.ZERO);
        }
        return bad.isEmpty() ? pass("line " + line + ", debounce " + p.toMillis() + " ms: a pulse of "
                + p.dividedBy(10).toMillis() + " ms was never read" + (irq ? " nor interrupted" : "")
                + "; a lasting change read 0 after " + c.quiet().dividedBy(2).toMillis() + " ms and 1 once the period"
                + " was over" + (irq ? ", with one VALID event" : "")) : fail(String.join("; ", bad));
    }

    static Verdict directionNoneDiscards(Context c) throws IOException {
        Session s = c.sessionWithLineConfig();
        int line = c.line(s);
        int caps = c.lineCaps(s, line);
        InputDriver input = c.input();
        List<String> seen = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        if ((caps & LineCaps.DEBOUNCE) != 0) {
            int period = debounceMicros(c);
            c.setDirection(s, line, Direction.IN);
            c.setLineConfig(s, line, LineConfig.debounce(period));
            // the period shows (it holds a change back), and the line then settles at 1
            if (changeHeldBack(c, s, line, 1) && awaitLevel(c, s, line, 1, period)) {
                c.setDirection(s, line, Direction.NONE);
                c.setDirection(s, line, Direction.IN);
                Context.sleep(c.quiet()); // the line settles at its outside level, whichever way
                boolean held = changeHeldBack(c, s, line, 0);
                seen.add("debounce " + period / 1000 + " ms: a change was held back before, "
                        + (held ? "and still was" : "not") + " once released and an input again");
                if (held) {
                    bad.add("the debounce period of " + period / 1000 + " ms survived SET_DIRECTION(NONE): a change"
                            + " to 0 was still held back after " + c.quiet().dividedBy(2).toMillis() + " ms");
                }
            }
            c.setDirection(s, line, Direction.NONE);
        }
        for (Drive drive : new Drive[] {Drive.OPEN_DRAIN, Drive.OPEN_SOURCE}) {
            if ((caps & drive.cap()) == 0) {
                continue;
            }
            int letGoFor = drive == Drive.OPEN_DRAIN ? 1 : 0;
            c.setLineConfig(s, line, LineConfig.drive(drive));
            int before = outputReads(c, s, line, letGoFor);
            c.setDirection(s, line, Direction.NONE);
            if (before == letGoFor) {
                continue; // the output drove: the drive does not show on this device
            }
            int after = outputReads(c, s, line, letGoFor);
            c.setDirection(s, line, Direction.NONE);
            seen.add(drive.label() + ": SET_VALUE(" + letGoFor + ") read " + before + " (let go), after"
                    + " SET_DIRECTION(NONE) and OUT again " + after);
            if (after != letGoFor) {
                bad.add(drive.label() + " survived SET_DIRECTION(NONE): SET_VALUE(" + letGoFor + ") then"
                        + " SET_DIRECTION(OUT) read " + after + " with the outside at " + (letGoFor ^ 1));
            }
        }
        List<String> notes = pullAfter(c, s, line, caps, input, () -> {
            c.setDirection(s, line, Direction.NONE);
            c.setDirection(s, line, Direction.IN);
            return s;
        }, "SET_DIRECTION(NONE) and IN again");
        c.drive(line, 0);
        return verdict(line, caps, input, seen, bad, notes);
    }

    static Verdict resetDiscards(Context c) throws IOException {
        Session[] s = {c.sessionWithLineConfig()};
        int line = c.line(s[0]);
        int caps = c.lineCaps(s[0], line);
        InputDriver input = c.input();
        List<String> seen = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        String plainly = "a new driver that did not negotiate VIRTIO_GPIO_F_LINE_CONFIG";
        if ((caps & LineCaps.DEBOUNCE) != 0) {
            int period = debounceMicros(c);
            c.setDirection(s[0], line, Direction.IN);
            c.setLineConfig(s[0], line, LineConfig.debounce(period));
            if (changeHeldBack(c, s[0], line, 1) && awaitLevel(c, s[0], line, 1, period)) {
                Session plain = newDriver(c, s);
                c.setDirection(plain, line, Direction.IN);
                Context.sleep(c.quiet());
                boolean held = changeHeldBack(c, plain, line, 0);
                seen.add("debounce " + period / 1000 + " ms: a change was held back before, " + (held ? "and still was"
                        : "not") + " for " + plainly);
                if (held) {
                    bad.add("the debounce period of " + period / 1000 + " ms survived a device reset: for " + plainly
                            + ", a change to 0 was still held back after " + c.quiet().dividedBy(2).toMillis()
                            + " ms");
                }
                c.setDirection(plain, line, Direction.NONE);
                s[0] = extended(c, plain);
            }
            c.setDirection(s[0], line, Direction.NONE);
        }
        for (Drive drive : new Drive[] {Drive.OPEN_DRAIN, Drive.OPEN_SOURCE}) {
            if ((caps & drive.cap()) == 0) {
                continue;
            }
            int letGoFor = drive == Drive.OPEN_DRAIN ? 1 : 0;
            c.setLineConfig(s[0], line, LineConfig.drive(drive));
            int before = outputReads(c, s[0], line, letGoFor);
            if (before == letGoFor) {
                c.setDirection(s[0], line, Direction.NONE);
                continue;
            }
            Session plain = newDriver(c, s); // the line is left an open-drain or open-source output
            c.setValue(plain, line, letGoFor);
            c.setDirection(plain, line, Direction.OUT);
            int after = c.value(plain, line);
            seen.add(drive.label() + ": SET_VALUE(" + letGoFor + ") read " + before + " (let go); for " + plainly
                    + ", SET_VALUE(" + letGoFor + ") and OUT read " + after);
            if (after != letGoFor) {
                bad.add(drive.label() + " survived a device reset: for " + plainly + ", SET_VALUE(" + letGoFor
                        + ") then SET_DIRECTION(OUT) read " + after + " with the outside at " + (letGoFor ^ 1));
            }
            c.setDirection(plain, line, Direction.NONE);
            s[0] = extended(c, plain);
        }
        List<String> notes = pullAfter(c, s[0], line, caps, input, () -> {
            Session plain = newDriver(c, s);
            s[0] = plain;
            c.setDirection(plain, line, Direction.IN);
            return plain;
        }, "a device reset");
        c.drive(line, 0);
        if (!s[0].lineConfig()) {
            s[0] = extended(c, s[0]); // the lines are put back through it
        }
        return verdict(line, caps, input, seen, bad, notes);
    }

    /** Closes {@code s[0]} and opens a session without the extension: a new driver that knows nothing of it. */
    private static Session newDriver(Context c, Session[] s) throws IOException {
        s[0].close();
        return c.session();
    }

    /** Closes {@code plain} and opens a session with the extension again. */
    private static Session extended(Context c, Session plain) throws IOException {
        plain.close();
        return c.sessionWithLineConfig();
    }

    /** What comes after a pull was set: a step that should discard it, giving the session to read the line with. */
    @FunctionalInterface
    private interface Discard {
        Session run() throws IOException;
    }

    /**
     * Whether a pull goes with {@code discard}, as notes: AS_IS lets a device in front of hardware whose pull it
     * cannot remove leave the last one in place, so a pull that stays is reported, not a failure. Needs an input
     * driver that lets lines go.
     */
    private static List<String> pullAfter(Context c, Session s, int line, int caps, InputDriver input,
            Discard discard, String what) throws IOException {
        List<String> notes = new ArrayList<>();
        if (!input.canRelease()) {
            return notes;
        }
        for (Bias pull : new Bias[] {Bias.PULL_UP, Bias.PULL_DOWN}) {
            if ((caps & pull.cap()) == 0) {
                continue;
            }
            int from = pull == Bias.PULL_UP ? 0 : 1;
            c.setDirection(s, line, Direction.IN);
            int asIs = letGoFrom(c, s, input, line, from); // without a pull the line may stay there
            c.setLineConfig(s, line, LineConfig.bias(pull));
            int pulled = letGoFrom(c, s, input, line, from);
            if (pulled == asIs) {
                c.setDirection(s, line, Direction.NONE);
                continue; // the pull does not show against the line's own bias
            }
            Session after = discard.run();
            int level = letGoFrom(c, after, input, line, from);
            c.setDirection(after, line, Direction.NONE);
            notes.add(pull.label() + ": let go from " + from + ", read " + asIs + " as-is and " + pulled + " with it; "
                    + level + " after " + what + (level == asIs ? " (the pull is gone)" : " (the pull stayed, which"
                            + " AS_IS allows of a device in front of hardware whose pull it cannot remove)"));
            return notes; // one pull says it; a discard step may have replaced the session
        }
        return notes;
    }

    private static Verdict verdict(int line, int caps, InputDriver input, List<String> seen, List<String> bad,
            List<String> notes) {
        if (!bad.isEmpty()) {
            return fail(String.join("; ", bad));
        }
        if (seen.isEmpty()) {
            throw new CheckSkipped("line " + line + " (caps " + LineCaps.describe(caps) + ") takes no setting whose"
                    + " going the suite can see with " + input + " (a debounce period or an open-drain or open-source"
                    + " drive; a pull may stay by AS_IS's definition)" + (notes.isEmpty() ? "" : ": " + notes));
        }
        List<String> all = new ArrayList<>(seen);
        all.addAll(notes);
        return pass("line " + line + ": " + String.join("; ", all));
    }

    /** Holds the line at {@code level}, lets it go and reads it. */
    private static int letGoFrom(Context c, Session s, InputDriver input, int line, int level) throws IOException {
        c.drive(line, level);
        input.release(line);
        c.settle();
        return c.value(s, line);
    }

    // ---- helpers

    /** The target line and the second one ({@link Context#otherLine}), reset. */
    private static List<Integer> lines(Context c, Session s) throws IOException {
        List<Integer> lines = new ArrayList<>(List.of(c.line(s)));
        int other = c.otherLine(s);
        if (other >= 0) {
            lines.add(other);
        }
        return lines;
    }

    /** The default of a setting's parameter: as-is, push-pull or no debounce. */
    static long defaultOf(long setting) {
        return switch (LineConfig.Param.fromCode(LineConfig.param(setting))) {
            case BIAS -> AS_IS;
            case DRIVE -> PUSH_PULL;
            case DEBOUNCE -> NO_DEBOUNCE;
            case null -> throw new IllegalArgumentException("not a setting: " + setting);
        };
    }
}
