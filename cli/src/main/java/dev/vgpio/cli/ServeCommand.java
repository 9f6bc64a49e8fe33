package dev.vgpio.cli;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.lines.pick.HostChipDirectory;
import dev.vgpio.lines.pick.LinePicker;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.LineSpecException;
import dev.vgpio.lines.pick.Origin;
import dev.vgpio.lines.pick.PickedDevice;
import dev.vgpio.sys.SocketAccess;
import dev.vgpio.vhostuser.ServerOptions;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vgpio serve}: runs virtio-gpio devices as vhost-user back ends until stopped (Ctrl-C, SIGTERM). */
@Command(name = "serve", sortOptions = false,
        description = {
            "Serve virtio-gpio devices to VMs over vhost-user (QEMU's vhost-user-gpio-pci).",
            "With no options: one built-in simulated chip of 8 named lines on ./vgpio.sock.",
            "Each --socket gets a device; --chip options pair with --socket options in order, and one --chip",
            "applies to every socket. Stop with Ctrl-C or SIGTERM; a restarted or reconnecting VM finds the",
            "lines as it left them."},
        footer = {"", "Chip specs: sim (the demo chip), sim:COUNT, sim:NAME,NAME,... (empty name = unnamed line),",
            "each optionally followed by @LABEL; host chips and lines as gpio-aggregator's new_device takes them",
            "(vgpio list-host shows the host's chips and lines). Examples:",
            "  vgpio serve",
            "  vgpio serve --socket /tmp/gpio.sock --chip sim:LED,BUTTON,,RESET@board",
            "  vgpio serve --socket /tmp/vm1.sock --chip 'gpiochip0 3,5 gpiochip1 2' --names LED,,BUTTON",
            "  vgpio serve --socket /tmp/vm2.sock --chip gpiochip2",
            "  vgpio serve --socket /tmp/gpio.sock --socket-count 2 --chip sim:16",
            "  vgpio serve --config devices.json"})
final class ServeCommand implements Callable<Integer> {
    static final Path DEFAULT_SOCKET = Path.of(SocketOption.DEFAULT);
    /** The exit status when a serving thread dies (sysexits.h's EX_SOFTWARE). */
    static final int EXIT_FATAL = 70;
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--socket", "--socket-path"}, paramLabel = "PATH",
            description = "vhost-user socket to create (repeatable; default ./vgpio.sock).")
    List<Path> sockets = new ArrayList<>();

    @Option(names = {"-c", "--chip"}, paramLabel = "SPEC", description = {
        "The lines a device serves (repeatable; default sim): a host chip (gpiochip1, /dev/gpiochip1 or a",
        "label), lines in gpio-aggregator's new_device syntax ('gpiochip0 3,5-7 gpiochip1 2', a host line",
        "name alone), simulated chips (sim, sim:COUNT, sim:NAME,NAME,...[@LABEL]), or a mix."})
    List<String> chips = new ArrayList<>();

    @Option(names = "--names", paramLabel = "NAME,...", description = {
        "The names the guest sees, in line order; an empty entry keeps the line's own name",
        "(--names LED,,BUTTON). Pairs with --chip options in order."})
    List<String> names = new ArrayList<>();

    @Option(names = "--socket-count", paramLabel = "N", defaultValue = "1",
            description = "Serve N devices on PATH0 .. PATH<N-1> (one --socket PATH; as vhost-device-gpio does).")
    int socketCount;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A JSON, YAML (.yaml, .yml) or TOML (.toml) file listing the devices (docs/config.md).")
    Path config;

    @Option(names = "--connect", description = {
        "Connect to sockets the front end listens on (QEMU: -chardev socket,...,server=on) instead of",
        "creating them, and reconnect whenever the connection drops; QEMU then resumes the device."})
    boolean connect;

    @Option(names = "--socket-group", paramLabel = "GROUP", description = {
        "Let the members of GROUP connect too (socket mode 0660 instead of 0600), for a QEMU that runs",
        "as another user. The socket appears with its final mode and group."})
    String socketGroup;

    @Option(names = "--message-timeout", paramLabel = "TIME", defaultValue = "10s",
            converter = TimeValue.Seconds.class, description = {
                "How long a front end may take to send the rest of a message, or to take a reply, before",
                "its connection is closed (default ${DEFAULT-VALUE}; units us, ms, s, m, h)."})
    Duration messageTimeout;

    @Option(names = "--handshake-timeout", paramLabel = "TIME", defaultValue = "10s",
            converter = TimeValue.Seconds.class,
            description = "How long a new connection may stay silent before it is closed (default ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--state-dir", paramLabel = "DIR", description = {
        "Keep each device's line state (directions, output levels, driven inputs) in DIR/<socket name>.state",
        "so that a restarted daemon starts where the last one stopped (a runtime directory such as /run/vgpio)."})
    Path stateDir;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "512M",
            description = "Guest memory size shown in the printed QEMU options (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--print-capabilities", description = "Print the back end's capabilities as JSON and exit.")
    boolean printCapabilities;

    @Option(names = {"-v", "--verbose"}, description = "Log every vhost-user message and request error.")
    boolean verbose;

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (printCapabilities) {
            out.println("{\"type\": \"gpio\"}");
            out.flush();
            return 0;
        }
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        List<DeviceSpec> devices = devices();
        List<PickedDevice> picked = pick(devices, HostChipDirectory.system());
        ServerOptions options;
        try {
            options = new ServerOptions(messageTimeout, handshakeTimeout,
                    socketGroup == null ? SocketAccess.OWNER : SocketAccess.group(socketGroup));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (stateDir != null && !java.nio.file.Files.isDirectory(stateDir)) {
            throw new ParameterException(spec.commandLine(), "--state-dir " + stateDir + " is not a directory");
        }
        List<AutoCloseable> running = new java.util.concurrent.CopyOnWriteArrayList<>();
        // registered before anything starts: a serving thread that dies during start-up (exit 70) still stops the rest
        Thread hook = new Thread(() -> {
            closeAll(running);
            stopped.countDown();
        }, "vgpio-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (int i = 0; i < devices.size(); i++) {
                DeviceSpec d = devices.get(i);
                String name = "gpio" + i;
                DeviceLines lines = DeviceLines.open(picked.get(i), d.lines(), name);
                var serving = new java.util.concurrent.atomic.AtomicReference<VhostUserServer>();
                running.add(() -> { // after its server, which is added later and so closed first
                    VhostUserServer s = serving.get();
                    if (s != null && s.isRunning()) {
                        LOG.warn("{}: the serving thread has not stopped; its lines stay as they are until the"
                                + " process exits", name);
                    } else {
                        lines.close();
                    }
                });
                SimulatedChip chip = lines.onlySimulated();
                StateFile state = null;
                if (chip != null && stateDir != null) {
                    state = StateFile.open(stateDir.resolve(StateFile.nameFor(d.socket())), chip);
                    running.add(state);
                } else if (stateDir != null) {
                    LOG.info("{}: --state-dir keeps the state of simulated devices only; the host lines of"
                            + " \"{}\" start released", name, lines.lines().label());
                }
                VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(lines.lines()));
                if (lines.simulated() != null) {
                    // a mixed device's simulated lines too, by name (its offsets are those of its simulated lines)
                    running.add(new CtlServer(CtlServer.pathFor(d.socket()), new HostControl(lines.simulated())));
                }
                VhostUserServer server = connect ? VhostUserServer.connecting(d.socket(), device, name, options)
                        : new VhostUserServer(d.socket(), device, name, options);
                serving.set(server);
                running.add(server.onFatal(ServeCommand::fatal).start());
                if (state != null) {
                    state.watch();
                }
            }
        } catch (IOException | IllegalArgumentException | LineException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            closeAll(running);
            throw e;
        }
        printAttachHelp(out, devices, picked);
        stopped.await();
        return 0;
    }

    /**
     * A serving thread died: the daemon exits with status 70 (EX_SOFTWARE), so that a supervisor restarts it
     * instead of keeping a live process whose device nobody can reach. The shutdown hook stops the other devices.
     */
    private static void fatal(Throwable t) {
        LOG.error("a serving thread stopped ({}); exiting with status {}", t, EXIT_FATAL);
        System.exit(EXIT_FATAL);
    }

    private static void closeAll(List<AutoCloseable> running) {
        for (AutoCloseable c : running.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("vgpio: while stopping: " + e.getMessage());
            }
        }
    }

    /**
     * Looks every device's lines up on the host (one scan of its chips for all devices) and checks that no two
     * devices share a host line.
     */
    List<PickedDevice> pick(List<DeviceSpec> devices, HostChipDirectory host) {
        try {
            List<PickedDevice> picked = new ArrayList<>();
            for (DeviceSpec d : devices) {
                picked.add(d.pick(host));
            }
            LinePicker.checkDisjoint(picked, devices.stream().map(d -> "the device on " + d.socket()).toList());
            return picked;
        } catch (LineSpecException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    List<DeviceSpec> devices() throws IOException {
        List<DeviceSpec> result;
        if (config != null) {
            if (!sockets.isEmpty() || !chips.isEmpty() || !names.isEmpty() || socketCount != 1) {
                throw new ParameterException(spec.commandLine(), "--config describes every device; do not combine it"
                        + " with --socket, --chip, --names or --socket-count");
            }
            result = ServeConfig.load(config);
        } else {
            result = fromOptions();
        }
        Set<Path> seen = new HashSet<>();
        for (DeviceSpec d : result) {
            if (!seen.add(d.socket().toAbsolutePath().normalize())) {
                throw new ParameterException(spec.commandLine(), "socket " + d.socket() + " is given twice");
            }
        }
        return result;
    }

    private List<DeviceSpec> fromOptions() {
        List<Path> paths = new ArrayList<>(sockets.isEmpty() ? List.of(DEFAULT_SOCKET) : sockets);
        if (socketCount < 1) {
            throw new ParameterException(spec.commandLine(), "--socket-count must be at least 1");
        }
        if (socketCount > 1) {
            if (paths.size() != 1) {
                throw new ParameterException(spec.commandLine(), "--socket-count needs exactly one --socket PATH");
            }
            Path base = paths.getFirst();
            paths.clear();
            for (int i = 0; i < socketCount; i++) {
                paths.add(Path.of(base + Integer.toString(i)));
            }
        }
        if (chips.size() > 1 && chips.size() != paths.size()) {
            throw new ParameterException(spec.commandLine(), chips.size() + " --chip options for " + paths.size()
                    + " sockets: give one --chip for all, or one per socket");
        }
        if (!names.isEmpty() && names.size() != Math.max(1, chips.size())) {
            throw new ParameterException(spec.commandLine(), names.size() + " --names options for " + chips.size()
                    + " --chip options: give one --names per --chip, in the same order");
        }
        List<DeviceSpec> result = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            int which = chips.size() <= 1 ? 0 : i;
            String chip = chips.isEmpty() ? "sim" : chips.get(which);
            List<String> renames = names.isEmpty() ? List.of() : Arrays.asList(names.get(which).split(",", -1));
            try {
                result.add(new DeviceSpec(paths.get(i), LineSpec.parse(chip), renames));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return result;
    }

    private void printAttachHelp(PrintWriter out, List<DeviceSpec> devices, List<PickedDevice> picked) {
        out.printf("vgpio: serving %d device%s. Stop with Ctrl-C.%n", devices.size(), devices.size() == 1 ? "" : "s");
        for (int i = 0; i < devices.size(); i++) {
            DeviceSpec d = devices.get(i);
            PickedDevice p = picked.get(i);
            boolean sims = p.lines().stream().anyMatch(l -> !(l.origin() instanceof Origin.HostOrigin));
            out.printf("  gpio%d: %d lines of \"%s\" on %s (%s%s)%n", i, p.lines().size(), p.label(),
                    d.socket().toAbsolutePath(), p.hasHostLines()
                            ? "host lines used by " + DeviceLines.consumer("gpio" + i) + (sims ? "; " : "") : "",
                    sims ? "control: vgpio ctl --socket " + d.socket() + " list" : "");
        }
        out.println();
        out.println("Attach a QEMU VM (QEMU 9 or newer for interrupts) with these options:");
        out.printf("  -m %s -object memory-backend-memfd,id=mem,size=%s,share=on -machine memory-backend=mem \\%n",
                memory, memory);
        for (int i = 0; i < devices.size(); i++) {
            out.printf("  -chardev socket,id=vgpio%d,path=%s%s -device vhost-user-gpio-pci,chardev=vgpio%d,id=gpio%d%s%n",
                    i, devices.get(i).socket().toAbsolutePath(), connect ? ",server=on,wait=on" : "", i, i,
                    i + 1 < devices.size() ? " \\" : "");
        }
        out.println();
        out.flush();
    }
}
