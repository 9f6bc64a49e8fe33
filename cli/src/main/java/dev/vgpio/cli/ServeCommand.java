package dev.vgpio.cli;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.sys.SocketAccess;
import dev.vgpio.vhostuser.ServerOptions;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
            "each optionally followed by @LABEL. Examples:",
            "  vgpio serve",
            "  vgpio serve --socket /tmp/gpio.sock --chip sim:LED,BUTTON,,RESET@board",
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

    @Option(names = {"-c", "--chip"}, paramLabel = "SPEC", description = "Chip to serve (repeatable; default sim).")
    List<String> chips = new ArrayList<>();

    @Option(names = "--socket-count", paramLabel = "N", defaultValue = "1",
            description = "Serve N devices on PATH0 .. PATH<N-1> (one --socket PATH; as vhost-device-gpio does).")
    int socketCount;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file listing the devices (see README).")
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
                SimulatedChip chip = d.chip().create();
                StateFile state = stateDir == null ? null
                        : StateFile.open(stateDir.resolve(StateFile.nameFor(d.socket())), chip);
                if (state != null) {
                    running.add(state);
                }
                VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(chip));
                String name = "gpio" + i;
                running.add(new CtlServer(CtlServer.pathFor(d.socket()), new HostControl(chip)));
                VhostUserServer server = connect ? VhostUserServer.connecting(d.socket(), device, name, options)
                        : new VhostUserServer(d.socket(), device, name, options);
                running.add(server.onFatal(ServeCommand::fatal).start());
                if (state != null) {
                    state.watch();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            closeAll(running);
            throw e;
        }
        printAttachHelp(out, devices);
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

    List<DeviceSpec> devices() throws IOException {
        List<DeviceSpec> result;
        if (config != null) {
            if (!sockets.isEmpty() || !chips.isEmpty() || socketCount != 1) {
                throw new ParameterException(spec.commandLine(),
                        "--config describes every device; do not combine it with --socket, --chip or --socket-count");
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
        List<DeviceSpec> result = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            String chip = chips.isEmpty() ? "sim" : chips.get(chips.size() == 1 ? 0 : i);
            try {
                result.add(new DeviceSpec(paths.get(i), dev.vgpio.lines.pick.LineSpec.parse(chip), List.of()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return result;
    }

    private void printAttachHelp(PrintWriter out, List<DeviceSpec> devices) {
        out.printf("vgpio: serving %d device%s. Stop with Ctrl-C.%n", devices.size(), devices.size() == 1 ? "" : "s");
        for (int i = 0; i < devices.size(); i++) {
            DeviceSpec d = devices.get(i);
            out.printf("  gpio%d: %d lines of \"%s\" on %s (control: vgpio ctl --socket %s list)%n", i,
                    d.chip().names().size(), d.chip().label(), d.socket().toAbsolutePath(), d.socket());
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
