package dev.vgpio.cli;

import dev.vgpio.control.LevelWords;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code vgpio set}: libgpiod v2's gpioset for a vhost-user-gpio back end. */
@Command(name = "set", sortOptions = false, versionProvider = VersionCommand.Provider.class,
        description = {"Drive lines of a virtio-gpio device served over vhost-user, like gpioset (v2): each LINE "
                + "(name or offset) is requested as an output with its VALUE, the value sent before the direction "
                + "(SET_VALUE, then SET_DIRECTION out) so the line never glitches.",
            "Like gpioset, it then HOLDS the lines until interrupted (Ctrl-C or SIGTERM; exit status 0). -p holds "
                + "them at least PERIOD; -t toggles them after each PERIOD, repeating the sequence unless its last "
                + "period is 0, which exits (-t0: set and exit; --no-hold is the same). -i reads gpioset's "
                + "interactive commands (set, toggle, get, sleep, help, exit) from standard input. Exiting releases "
                + "the lines (SET_DIRECTION none): the device then no longer drives them.",
            "-z detaches as gpioset -z does, the Java way: vgpio set runs itself again as a new process (under "
                + "setsid when it is installed), with standard input, output and error closed once the lines are "
                + "set, and exits 0 when they are; it keeps the working directory, so a relative socket path works.",
            "-b/--bias and -d/--drive are set before the direction (SET_LINE_CONFIG, vgpio's "
                + "VIRTIO_GPIO_F_LINE_CONFIG extension): the device must offer it and each line must take them "
                + "('vgpio info' shows caps=); the defaults, as-is and push-pull, send nothing. "
                + "A vhost-user back end serves one front end at a time: while set holds the lines, other tools and "
                + "VMs cannot attach to the device. If the back end goes away, set stops with an error."},
        footer = {"", "VALUE is " + LevelWords.ACCEPTED + ". " + TimeValue.HELP,
            "", "Examples:",
            "  vgpio set LED_RED=1                     (hold until Ctrl-C)",
            "  vgpio set -p 500ms -t0 LED_RED=on RELAY=0   (hold for 500 ms, then exit)",
            "  vgpio set -t 1s LED_RED=1               (blink until Ctrl-C)",
            "  vgpio set -z -c gpio0 RELAY=1           (detach, keep driving)",
            "  vgpio set -d open-drain -b pull-up -t0 I2C_SCL=1",
            "  vgpio set --no-hold -c /tmp/gpio.sock 3=1"})
final class SetCommand extends ToolCommand {
    /** What the detached child prints once the lines are set, so that the parent can exit. */
    static final String READY = "vgpio-set: lines set";
    static final String PROMPT = "gpioset> ";

    @Mixin
    ChipOption socket;

    @Mixin
    LineOptions lineOptions;

    @Mixin
    ConsumerOption consumer;

    @Option(names = {"-p", "--hold-period"}, paramLabel = "PERIOD", converter = TimeValue.Millis.class,
            description = "The minimum time to hold the lines at their values (before exiting or toggling).")
    Duration holdPeriod;

    @Option(names = {"-t", "--toggle"}, paramLabel = "PERIOD", split = ",",
            converter = TimeValue.Millis.class, description = "Toggle the lines after each PERIOD; if the last is"
                    + " 0 exit after the sequence, else repeat it.")
    List<Duration> toggles;

    @Option(names = "--no-hold", description = "Set the values and exit at once (the same as -t0).")
    boolean noHold;

    @Option(names = {"-i", "--interactive"}, description = "Set the lines, then read commands from standard input"
            + " ('help' lists them).")
    boolean interactive;

    @Option(names = {"-z", "--daemonize"}, description = "Set the values, then detach (see above).")
    boolean daemonize;

    @Option(names = "--banner", description = "Print 'Setting line ...' once the lines are set.")
    boolean banner;

    @Option(names = {"-l", "--active-low"}, description = "Treat the lines as active low.")
    boolean activeLow;

    @Option(names = {"-b", "--bias"}, paramLabel = "BIAS", description = "The lines' bias: pull-up, pull-down,"
            + " disabled or as-is (the default: leave it as it is); what an open-drain or open-source line shows"
            + " where it lets go.")
    String bias;

    @Option(names = {"-d", "--drive"}, paramLabel = "DRIVE", description = "How the lines drive: push-pull (the"
            + " default), open-drain (drives 0, lets go for 1) or open-source (drives 1, lets go for 0).")
    String drive;

    /** Set in the process that -z starts: it then signals READY instead of detaching again. */
    @Option(names = "--vgpio-detached", hidden = true)
    boolean detached;

    @Parameters(paramLabel = "LINE=VALUE", arity = "1..*", description = "A line (name or offset) and its value.")
    List<String> assignments = new ArrayList<>();

    /** Where -i reads its commands; standard input unless a test sets it. */
    BufferedReader input;

    /** While holding, check this often that the back end is still there. */
    private static final Duration PROBE = Duration.ofSeconds(1);

    private volatile StopSignals signals;

    /** One requested line: what was typed for it, its offset, request and logical value. */
    private static final class Line {
        final String id;
        final int offset;
        LineRequest request;
        int value;

        Line(String id, int offset, int value) {
            this.id = id;
            this.offset = offset;
            this.value = value;
        }
    }

    @Override
    int run() throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        List<Integer> values = new ArrayList<>();
        for (String a : assignments) {
            String[] lv = parseAssignment(a);
            if (lv == null) {
                throw new ParameterException(spec.commandLine(), "expected LINE=VALUE, not '" + a + "'");
            }
            Integer v = parseValue(lv[1]);
            if (v == null) {
                throw new ParameterException(spec.commandLine(), String.format("invalid value '%s' for line %s:"
                        + " use " + LevelWords.ACCEPTED, lv[1], lv[0]));
            }
            ids.add(lv[0]);
            values.add(v);
        }
        checkOptions();
        LineSettings settings = LineSettings.output(0).withDrive(drive(drive)).withBias(bias(bias));
        if (daemonize && !detached) {
            return detach();
        }
        List<Duration> periods = noHold ? List.of(Duration.ZERO) : toggles;
        try (StopSignals stop = StopSignals.install()) {
            signals = stop;
            try (GpioChip chip = open(socket.path(), false)) {
                int[] offsets = resolve(chip, ids, lineOptions);
                List<Line> lines = new ArrayList<>();
                try {
                    for (int i = 0; i < offsets.length; i++) {
                        Line l = new Line(ids.get(i), offsets[i], values.get(i));
                        l.request = chip.requestLines(settings.withOutputValue(physical(l.value)), offsets[i]);
                        lines.add(l);
                    }
                    if (banner) {
                        out().println(banner(ids));
                        out().flush();
                    }
                    if (detached) {
                        out().println(READY);
                        out().flush();
                        System.out.close();
                        System.err.close();
                    }
                    drive(chip, lines, stop, periods);
                } finally {
                    for (Line l : lines.reversed()) {
                        l.request.close();
                    }
                }
            }
        } finally {
            signals = null;
        }
        return 0;
    }

    private void checkOptions() {
        if (noHold && toggles != null && !toggles.equals(List.of(Duration.ZERO))) {
            throw new ParameterException(spec.commandLine(), "--no-hold contradicts --toggle");
        }
        if (interactive && (toggles != null || noHold)) {
            throw new ParameterException(spec.commandLine(), "can't combine interactive with toggle");
        }
        if (interactive && daemonize) {
            throw new ParameterException(spec.commandLine(), "can't combine interactive with daemonize: a detached"
                    + " vgpio set has no standard input");
        }
    }

    /** After the lines are set: toggles, the hold period, then commands or holding until stopped, as gpioset. */
    private void drive(GpioChip chip, List<Line> lines, StopSignals stop, List<Duration> periods)
            throws IOException, InterruptedException {
        Duration hold = holdPeriod == null ? Duration.ZERO : holdPeriod;
        if (periods != null) {
            List<Duration> p = new ArrayList<>(periods);
            for (int i = 0; i < p.size(); i++) {
                boolean finalZero = i == p.size() - 1 && p.get(i).isZero();
                if (!finalZero && hold.compareTo(p.get(i)) > 0) {
                    p.set(i, hold);
                }
            }
            if (toggleSequence(chip, lines, stop, p)) {
                return;
            }
        }
        if (!hold.isZero() && hold(chip, lines.getFirst().offset, stop, hold)) {
            return;
        }
        if (interactive) {
            interact(chip, lines, stop);
        } else if (periods == null) {
            hold(chip, lines.getFirst().offset, stop, null);
        }
    }

    /** gpioset's toggle sequence; true if stopped on the way. */
    private boolean toggleSequence(GpioChip chip, List<Line> lines, StopSignals stop, List<Duration> periods)
            throws IOException, InterruptedException {
        if (periods.size() == 1 && periods.getFirst().isZero()) {
            return false;
        }
        for (int i = 0;;) {
            if (hold(chip, lines.getFirst().offset, stop, periods.get(i))) {
                return true;
            }
            for (Line l : lines) {
                l.value ^= 1;
            }
            apply(lines);
            i++;
            if (i == periods.size() - 1 && periods.get(i).isZero()) {
                return false;
            }
            if (i == periods.size()) {
                i = 0;
            }
        }
    }

    private void apply(List<Line> lines) throws IOException {
        for (Line l : lines) {
            l.request.setValue(l.offset, physical(l.value));
        }
    }

    private int physical(int value) {
        return activeLow ? value ^ 1 : value;
    }

    /**
     * Waits until stopped (true) or {@code hold} (null: forever) has passed (false). Every second it checks that the
     * back end is still there (GET_DIRECTION, which changes nothing): a lost back end ends the wait with a
     * VirtioException.
     */
    private static boolean hold(GpioChip chip, int line, StopSignals stop, Duration hold)
            throws IOException, InterruptedException {
        long end = hold == null ? 0 : System.nanoTime() + hold.toNanos();
        while (true) {
            long slice = PROBE.toNanos();
            if (hold != null) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                slice = Math.min(slice, left);
            }
            if (stop.await(Duration.ofNanos(slice))) {
                return true;
            }
            chip.getDirection(line);
        }
    }

    /** gpioset's interactive mode: commands from {@link #input} until exit, end of input or a stop. */
    private void interact(GpioChip chip, List<Line> lines, StopSignals stop) throws IOException,
            InterruptedException {
        BufferedReader in = input != null ? input
                : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BlockingQueue<Optional<String>> commands = new LinkedBlockingQueue<>(); // empty: the end of input
        Thread reader = Thread.ofPlatform().daemon().name("vgpio-set-input").start(() -> {
            try {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    commands.add(Optional.of(l));
                }
            } catch (IOException e) {
                // the end of input, as for EOF
            }
            commands.add(Optional.empty());
        });
        PrintWriter out = out();
        try {
            while (true) {
                out.print(PROMPT);
                out.flush();
                Optional<String> command = null;
                long lastProbe = System.nanoTime();
                while (command == null) {
                    if (stop.stopped()) {
                        return;
                    }
                    command = commands.poll(100, TimeUnit.MILLISECONDS);
                    if (command == null && System.nanoTime() - lastProbe >= PROBE.toNanos()) {
                        chip.getDirection(lines.getFirst().offset);
                        lastProbe = System.nanoTime();
                    }
                }
                if (command.isEmpty()) {
                    out.println();
                    return;
                }
                if (!command(command.get().strip(), lines, stop, out)) {
                    return;
                }
            }
        } finally {
            out.flush();
            reader.interrupt();
        }
    }

    /** Runs one interactive command; false for exit. */
    private boolean command(String command, List<Line> lines, StopSignals stop, PrintWriter out)
            throws IOException, InterruptedException {
        if (command.isEmpty()) {
            return true;
        }
        List<String> words = splitWords(command);
        String verb = words.getFirst();
        List<String> args = words.subList(1, words.size());
        switch (verb) {
            case "get" -> {
                List<Line> which = args.isEmpty() ? lines : known(lines, unquoteAll(args, out), out);
                if (which != null) {
                    List<String> shown = new ArrayList<>();
                    for (Line l : which) {
                        shown.add(quote(l.id, lineOptions.unquoted) + "=" + (l.value == 1 ? "active" : "inactive"));
                    }
                    out.println(String.join(" ", shown));
                }
            }
            case "set" -> {
                if (args.isEmpty()) {
                    out.println("at least one GPIO line value must be specified");
                    return true;
                }
                List<String> ids = new ArrayList<>();
                List<Integer> values = new ArrayList<>();
                for (String a : args) {
                    String[] lv = parseAssignment(a);
                    if (lv == null) {
                        out.println("invalid line value: '" + a + "'");
                        return true;
                    }
                    Integer v = parseValue(lv[1]);
                    if (v == null) {
                        out.println("invalid line value: '" + lv[1] + "'");
                        return true;
                    }
                    ids.add(lv[0]);
                    values.add(v);
                }
                List<Line> which = known(lines, ids, out);
                if (which != null) {
                    for (int i = 0; i < which.size(); i++) {
                        which.get(i).value = values.get(i);
                    }
                    apply(lines);
                }
            }
            case "toggle" -> {
                List<Line> which = args.isEmpty() ? lines : known(lines, unquoteAll(args, out), out);
                if (which != null) {
                    for (Line l : which) {
                        l.value ^= 1;
                    }
                }
                apply(lines);
            }
            case "sleep" -> {
                if (args.size() != 1) {
                    out.println(args.isEmpty() ? "a period must be specified" : "only one period can be specified");
                    return true;
                }
                Duration d;
                try {
                    d = TimeValue.parse(args.getFirst(), "ms");
                } catch (IllegalArgumentException e) {
                    out.println("invalid period: '" + args.getFirst() + "'");
                    return true;
                }
                out.flush();
                return !stop.await(d);
            }
            case "exit", "quit" -> {
                return false;
            }
            case "help" -> out.print(INTERACTIVE_HELP);
            default -> {
                out.println("unknown command: '" + verb + "'");
                out.println("Try the 'help' command");
            }
        }
        return true;
    }

    static final String INTERACTIVE_HELP = String.join(System.lineSeparator(), "COMMANDS:", "",
            "    exit (or quit)", "        Exit the program",
            "    get [line]...", "        Display the output values of the given requested lines", "",
            "        If no lines are specified then all requested lines are displayed", "",
            "    help", "        Print this help", "",
            "    set <line=value>...", "        Update the output values of the given requested lines", "",
            "    sleep <period>", "        Sleep for the specified period", "",
            "    toggle [line]...", "        Toggle the output values of the given requested lines", "",
            "        If no lines are specified then all requested lines are toggled", "", "");

    /** The requested lines {@code ids} name, in order; null (and 'unknown line' printed) if one is not requested. */
    private static List<Line> known(List<Line> lines, List<String> ids, PrintWriter out) {
        if (ids == null) {
            return null;
        }
        List<Line> found = new ArrayList<>();
        boolean ok = true;
        for (String id : ids) {
            Line match = lines.stream().filter(l -> l.id.equals(id)).findFirst().orElse(null);
            if (match == null) {
                out.println("unknown line: '" + id + "'");
                ok = false;
            } else {
                found.add(match);
            }
        }
        return ok ? found : null;
    }

    /** Line ids without their double quotes; null (and 'invalid line id' printed) for an unbalanced quote. */
    private static List<String> unquoteAll(List<String> words, PrintWriter out) {
        List<String> ids = new ArrayList<>();
        for (String w : words) {
            if (w.startsWith("\"")) {
                if (w.length() < 2 || !w.endsWith("\"")) {
                    out.println("invalid line id: '" + w + "'");
                    return null;
                }
                w = w.substring(1, w.length() - 1);
            }
            ids.add(w);
        }
        return ids;
    }

    /** Words split at white space, a double-quoted part kept whole. */
    static List<String> splitWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (word == null) {
                if (Character.isWhitespace(c)) {
                    continue;
                }
                word = new StringBuilder();
                quoted = c == '"';
                word.append(c);
            } else if (quoted) {
                word.append(c);
                quoted = c != '"';
            } else if (Character.isWhitespace(c)) {
                words.add(word.toString());
                word = null;
            } else {
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /** {@code line=value} or {@code "line"=value} as {line, value}; null if it is neither. */
    static String[] parseAssignment(String a) {
        if (a.startsWith("\"")) {
            int end = a.indexOf("\"=", 1);
            return end < 0 ? null : new String[] {a.substring(1, end), a.substring(end + 2)};
        }
        int eq = a.lastIndexOf('=');
        return eq <= 0 ? null : new String[] {a.substring(0, eq), a.substring(eq + 1)};
    }

    /** 1 or 0 for a value word (the same words as {@code vgpio ctl set}, {@link LevelWords}); null if it is none. */
    static Integer parseValue(String value) {
        try {
            return LevelWords.parse(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String banner(List<String> ids) {
        if (ids.size() == 1) {
            return "Setting line '" + ids.getFirst() + "'...";
        }
        StringBuilder b = new StringBuilder("Setting lines ");
        for (int i = 0; i < ids.size() - 1; i++) {
            b.append('\'').append(ids.get(i)).append("', ");
        }
        return b.append("and '").append(ids.getLast()).append("'...").toString();
    }

    /**
     * -z: runs this command again as a new process with the same arguments (and --vgpio-detached), relays what it
     * prints until it says the lines are set, and exits 0 then; if it ends before, its errors and exit status.
     */
    private int detach() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        Path setsid = findOnPath("setsid");
        if (setsid != null) {
            command.add(setsid.toString());
        }
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "set"));
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        if (spec.parent() != null) { // run as 'vgpio set ...': the arguments after the subcommand's name
            args = args.subList(args.indexOf(spec.name()) + 1, args.size());
        }
        command.addAll(args);
        command.add("--vgpio-detached");
        Process child = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try (BufferedReader childOut = child.inputReader(StandardCharsets.UTF_8)) {
            for (String l = childOut.readLine(); l != null; l = childOut.readLine()) {
                if (l.equals(READY)) {
                    out().flush();
                    return 0;
                }
                out().println(l);
            }
        }
        int status = child.waitFor();
        String errors = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        err().print(errors);
        err().flush();
        out().flush();
        return status == 0 ? fail("the detached process ended before it set the lines") : status;
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        return Arrays.stream(path.split(File.pathSeparator)).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** Stops holding, as Ctrl-C does (for tests and embedding). */
    void stop() {
        StopSignals s = signals;
        if (s != null) {
            s.stop();
        }
    }
}
