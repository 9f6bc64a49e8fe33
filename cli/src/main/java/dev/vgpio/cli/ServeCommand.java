package dev.vgpio.cli;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.channel.ChannelServer;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.control.CtlServer;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.trace.Format;
import dev.vgpio.monitor.trace.Traces;
import dev.vgpio.web.HttpOptions;
import dev.vgpio.web.WebServer;
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
import dev.vgpio.sys.UnixSocket;
import dev.vgpio.vhostuser.ServerOptions;
import dev.vgpio.vhostuser.VhostUserLoop;
import dev.vgpio.vhostuser.VhostUserServer;
import dev.vgpio.virtio.SharedDevice;
import dev.vgpio.virtio.VirtioDevice;
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
@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "Serve virtio-gpio devices to VMs over vhost-user (QEMU's vhost-user-gpio-pci).",
            "With no options: one built-in simulated chip of 8 named lines on ./vgpio.sock. Each --socket gets a "
                    + "device; --chip options pair with --socket options in order, and one --chip applies to every "
                    + "socket. vhost-device-gpio's command line works too (-s PATH -c N -l 0:s8). Stop with Ctrl-C "
                    + "or SIGTERM (exit status 0); a restarted or reconnecting VM finds the lines as it left them.",
            ""},
        footer = {"", "Chip specs: sim (the demo chip), sim:COUNT, sim:NAME,NAME,... (empty name = unnamed line; sim:NAME "
                + "alone is one line), "
                + "each optionally followed by @LABEL; host chips and lines as gpio-aggregator's new_device takes "
                + "them (vgpio list-host shows the host's chips and lines).",
            "",
            "Examples:",
            "  vgpio serve",
            "  vgpio serve --socket /tmp/gpio.sock --chip sim:LED,BUTTON,,RESET@board",
            "  vgpio serve -s vm1.sock --chip 'gpiochip0 3,5 gpiochip1 2' --names LED,,BUTTON",
            "  vgpio serve --socket /tmp/vm2.sock --chip gpiochip2",
            "  vgpio serve --socket /tmp/gpio.sock --socket-count 2 --chip sim:16",
            "  vgpio serve --socket-path=/tmp/gpio.sock --socket-count=2 --device-list 0:s8",
            "  vgpio serve --config devices.json"})
final class ServeCommand implements Callable<Integer> {
    static final Path DEFAULT_SOCKET = Path.of(ChipOption.DEFAULT);
    /** The exit status when a serving thread dies (sysexits.h's EX_SOFTWARE). */
    static final int EXIT_FATAL = 70;
    /** The levels {@code --log-level} takes, quietest first (slf4j-simple's names). */
    static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");
    /** The size of {@code sockaddr_un.sun_path}, including the terminating NUL. */
    static final int SUN_PATH = 108;
    /** What {@link CtlServer#pathFor} appends to a device socket's path. */
    static final String CTL_SUFFIX = ".ctl";
    private static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--socket-path", "--socket"}, paramLabel = "PATH",
            description = "A vhost-user socket to create, one device each (repeatable). The default is "
                    + "./vgpio.sock.")
    List<Path> sockets = new ArrayList<>();

    @Option(names = "--fd", paramLabel = "N", description = "Serve a device on the listening Unix socket this process "
            + "was given as descriptor N (repeatable), as QEMU's back-end programs take it; the device's socket is "
            + "the path it is bound to. Without --fd, the sockets of systemd's socket activation (LISTEN_FDS) are "
            + "served the same way: systemd-socket-activate -l PATH vgpio serve. The daemon never removes a socket "
            + "it was given, so that the next one serves the same socket.")
    List<Integer> fds = new ArrayList<>();

    @Option(names = "--chip", paramLabel = "SPEC", description = "The lines a device serves (repeatable; default "
            + "sim): simulated chips (sim, sim:COUNT, sim:NAME,NAME,...[@LABEL]), a host chip (gpiochip1, "
            + "/dev/gpiochip1 or a label), lines in gpio-aggregator's new_device syntax ('gpiochip0 3,5-7 gpiochip1 "
            + "2', or a host line's name alone), a device over vgpio's channel (remote:tcp:HOST:PORT, remote:unix:PATH "
            + "or remote:serial:DEVICE, whole or followed by offsets), or a mix.")
    List<String> chips = new ArrayList<>();

    @Option(names = "--names", paramLabel = "NAME,...", description = "The names the guest sees, in line order "
            + "(--names LED,,BUTTON); an empty entry keeps the line's own name. Pairs with --chip options in order.")
    List<String> names = new ArrayList<>();

    @Option(names = {"-c", "--socket-count"}, paramLabel = "N", description = "Serve N devices on PATH0 .. "
            + "PATH<N-1> (one --socket PATH), as vhost-device-gpio does; -c 1 serves PATH0. Without it, PATH "
            + "itself.")
    Integer socketCount;

    @Option(names = {"-l", "--device-list"}, paramLabel = "LIST", description = "vhost-device-gpio's device list: "
            + "one entry per socket, separated by colons; N serves /dev/gpiochipN whole, sN a simulated chip of N "
            + "lines (-c 2 -l 0:s8). Sockets are PATH0 .. PATH<N-1>, and the count must match --socket-count.")
    String deviceList;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A JSON, YAML (.yaml, .yml) or TOML (.toml) file listing the devices (docs/config.md).")
    Path config;

    @Option(names = "--connect", description = "Connect to sockets the front end listens on (QEMU: -chardev "
            + "socket,...,server=on) instead of creating them, and reconnect whenever the connection drops; QEMU "
            + "then resumes the device.")
    boolean connect;

    @Option(names = "--socket-group", paramLabel = "GROUP", description = "Let the members of GROUP connect too "
            + "(socket mode 0660 instead of 0600), for a QEMU that runs as another user. The socket appears with "
            + "its final mode and group.")
    String socketGroup;

    @Option(names = "--message-timeout", paramLabel = "TIME", defaultValue = "10s",
            converter = TimeValue.Seconds.class, description = "How long a front end may take to send the rest of "
                    + "a message, or to take a reply, before its connection is closed (default ${DEFAULT-VALUE}; "
                    + "units us, ms, s, m, h).")
    Duration messageTimeout;

    @Option(names = "--handshake-timeout", paramLabel = "TIME", defaultValue = "10s",
            converter = TimeValue.Seconds.class,
            description = "How long a new connection may stay silent before it is closed (default ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Keep each device's line state (directions, "
            + "output levels, driven inputs) in a file in DIR named after the socket, so that a restarted daemon "
            + "starts where the last one stopped (a runtime directory such as /run/vgpio).")
    Path stateDir;

    @Option(names = "--sim-caps", paramLabel = "CAPS", defaultValue = "all", converter = SimCaps.class,
            description = "The settings every simulated line takes (docs/line-config.md): all (the default), none (the "
                    + "device then does not offer VIRTIO_GPIO_F_LINE_CONFIG, as a plain virtio-gpio device), or a "
                    + "list of bias-disabled, pull-up, pull-down, open-drain, open-source, debounce.")
    int simCaps;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "512M", description = "Guest memory size shown "
            + "in the printed QEMU options, as QEMU's -m takes it: a number with an optional K, M, G or T suffix "
            + "(default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--listen", paramLabel = "ADDRESS", description = "Serve the device over vgpio's channel too "
            + "(docs/channel.md), for a driver in another process, on another machine or a board: unix:PATH, "
            + "tcp:HOST:PORT, tls:HOST:PORT or serial:DEVICE[,BAUD] (repeatable: one per device, in order). "
            + "Without --socket the device is served over the channel only. One driver at a time uses the device, "
            + "through either.")
    List<String> listens = new ArrayList<>();

    @Option(names = "--listen-tls-cert", paramLabel = "FILE", description = "The device's certificate chain (PEM, "
            + "its own first) for a --listen tls:HOST:PORT (TCP with TLS 1.3).")
    Path listenTlsCert;

    @Option(names = "--listen-tls-key", paramLabel = "FILE", description = "The private key (PEM PKCS#8, as openssl "
            + "genpkey writes it) of --listen-tls-cert.")
    Path listenTlsKey;

    @Option(names = "--listen-token-file", paramLabel = "FILE", description = "A file holding the token a "
            + "channel driver's HELLO must carry (16 to 64 bytes); needed for a TCP address other than loopback.")
    Path listenTokenFile;

    @Option(names = "--http", paramLabel = "[HOST:]PORT", description = "Serve the test bench over HTTP as well: "
            + "the REST API, its event stream and the web panel (docs/http-api.md), on 127.0.0.1 unless HOST is "
            + "given; a HOST other than loopback needs --http-token-file.")
    String http;

    @Option(names = "--http-token-file", paramLabel = "FILE", description = "A file holding the secret every HTTP "
            + "request must carry (Authorization: Bearer, or the panel's /?token= link); needed for an address "
            + "other than loopback.")
    Path httpTokenFile;

    @Option(names = "--trace", paramLabel = "FILE", description = "Record what the devices do into FILE as it goes: "
            + "every line change as a VCD waveform (FILE ending in .vcd), or every request and change as JSON lines "
            + "(.jsonl); docs/traces.md. SIGTERM leaves a complete file.")
    Path trace;

    @Option(names = "--print-capabilities", description = "Print the back end's capabilities as JSON and exit.")
    boolean printCapabilities;

    @Option(names = {"-v", "--verbose"}, description = "Log every vhost-user message, and every guest request with "
            + "its line, type, value and result (the same as --log-level debug).")
    boolean verbose;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "Log at LEVEL and above: error, warn, info "
            + "(the default), debug or trace.")
    String logLevel;

    @Option(names = {"-q", "--quiet"}, description = "Log warnings and errors only, and print no banner.")
    boolean quiet;

    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The listening sockets given to the process ({@code --fd}, {@code LISTEN_FDS}) that no device took yet. */
    private InheritedSockets inherited = InheritedSockets.none();
    /** Each device's given socket, in order ({@code null} for a device that makes its own). */
    private List<UnixSocket> given = List.of();
    /** Whether the process was given sockets at all (the set above empties as devices take them). */
    private boolean wasGiven;
    /** The one thread that serves every device's vhost-user socket. */
    private VhostUserLoop loop;
    /** Each device's channel address ({@code --listen}), in order; fewer than the devices when some have none. */
    private List<Endpoint> channels = List.of();
    /** The remote devices the specs name ({@code remote:ADDRESS}), connected before the lines are picked. */
    private RemoteChips remotes = new RemoteChips();
    private byte[] channelToken;
    /** What watches the devices for the HTTP server and traces, or null when neither is asked for. */
    private Monitor monitor;
    /** The test bench's address, once it serves. */
    private String benchUrl;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (printCapabilities) {
            out.println("{\"type\": \"gpio\"}");
            out.flush();
            return 0;
        }
        String level = logLevel();
        if (level != null) {
            // before the first logger: slf4j-simple reads its default level once, when it starts
            System.setProperty(LOG_LEVEL_PROPERTY, level);
        }
        // the HTTP server's own libraries: their start-up chatter only when asked for more than info
        String libraries = level == null ? "warn" : switch (level) {
            case "error" -> "error";
            case "debug", "trace" -> "info";
            default -> "warn";
        };
        for (String library : List.of("org.eclipse.jetty", "io.javalin")) {
            System.setProperty("org.slf4j.simpleLogger.log." + library, libraries);
        }
        memorySize(memory);
        inherited = inherited();
        wasGiven = !inherited.isEmpty();
        try {
            return serve(out);
        } finally {
            inherited.close(); // what no device took (a device's own is closed with its server)
            for (UnixSocket s : given) {
                if (s != null) {
                    s.close(); // taken by a device that did not start
                }
            }
        }
    }

    /** {@code --fd}, or systemd's {@code LISTEN_FDS}: the listening sockets this process was given. */
    InheritedSockets inherited() {
        InheritedSockets result;
        try {
            result = InheritedSockets.take(fds, System.getenv(), ProcessHandle.current().pid());
        } catch (IllegalArgumentException | IOException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!result.isEmpty() && connect) {
            result.close();
            throw new ParameterException(spec.commandLine(), "--connect connects to sockets the front end listens"
                    + " on, but " + result.source() + " gives this process listening sockets: give one of them");
        }
        return result;
    }

    /**
     * Each device's given socket: the one bound to its socket's path. A given socket that no device has is refused,
     * since no front end could be served on it.
     */
    List<UnixSocket> given(List<DeviceSpec> devices) {
        if (inherited.isEmpty()) {
            return List.of();
        }
        List<UnixSocket> result = new ArrayList<>();
        for (DeviceSpec d : devices) {
            result.add(inherited.claim(d.socket()));
        }
        if (!inherited.isEmpty()) {
            result.stream().filter(java.util.Objects::nonNull).forEach(UnixSocket::close);
            throw new ParameterException(spec.commandLine(), inherited.source() + " gives " + (inherited.paths()
                    .size() == 1 ? "a socket" : "sockets") + " on " + inherited.paths().stream().map(Path::toString)
                    .collect(java.util.stream.Collectors.joining(", ")) + " but no device has "
                    + (inherited.paths().size() == 1 ? "that socket" : "those sockets") + (config != null
                    ? ": give the device in " + config + " that socket" : ": name it with --socket, or leave out"
                    + " --socket to serve one device on each given socket"));
        }
        if (socketGroup != null) {
            log().info("--socket-group does not change a socket the daemon was given: its parent set its mode");
        }
        return result;
    }

    private Integer serve(PrintWriter out) throws Exception {
        List<DeviceSpec> devices = devices();
        given = given(devices);
        channels = channels(devices.size(), devices.stream().map(DeviceSpec::listen).toList());
        try {
            remotes = RemoteChips.connect(devices.stream().map(DeviceSpec::lines).toList(), ToolCommand.channelToken());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<PickedDevice> picked;
        try {
            picked = pick(devices, remotes.directory(HostChipDirectory.system()));
        } catch (RuntimeException e) {
            remotes.close();
            throw e;
        }
        for (int i = 0; i < devices.size(); i++) {
            if (vhostUser()) {
                checkSocketPath(devices.get(i).socket(), hasSimulated(picked.get(i)));
            }
        }
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
        HttpOptions httpOptions = httpOptions();
        if (trace != null) {
            try {
                Format.of(trace);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--trace: " + e.getMessage());
            }
        }
        if (httpOptions != null || trace != null) {
            monitor = new Monitor();
        }
        List<AutoCloseable> running = new java.util.concurrent.CopyOnWriteArrayList<>();
        running.add(remotes); // closed last of all: the devices whose lines they are go first
        // registered before anything starts: a serving thread that dies during start-up (exit 70) still stops the
        // rest; Ctrl-C and SIGTERM do not run it (StopSignals), so that the daemon stops with status 0
        Thread hook = new Thread(() -> {
            closeAll(running);
            stopped.countDown();
        }, "vgpio-shutdown");
        try (StopSignals signals = StopSignals.install()) {
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (monitor != null) {
                    running.add(monitor); // closed last: after the devices, it reads what they did last
                }
                start(devices, picked, options, running);
                if (trace != null) {
                    // the monitor closes it after its last pass over the devices' rings
                    monitor.addSink(Traces.open(trace, monitor.devices()));
                    log().info("recording a {} trace into {}", Format.of(trace).word(), trace.toAbsolutePath());
                }
                if (monitor != null) {
                    monitor.start();
                }
                if (httpOptions != null) {
                    WebServer web = WebServer.start(httpOptions, monitor);
                    running.add(web);
                    benchUrl = web.url();
                    log().info("test bench on {} (API {}api, events {}api/events)", benchUrl, benchUrl,
                            benchUrl.replaceFirst("^http", "ws"));
                }
            } catch (IOException | IllegalArgumentException | LineException e) {
                Runtime.getRuntime().removeShutdownHook(hook);
                closeAll(running);
                throw e;
            }
            if (!quiet) {
                out.print(banner(devices, picked));
                out.flush();
            }
            while (!signals.await(Duration.ofDays(1))) {
                // serving until a signal
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is going down for another reason (a serving thread died: exit 70): the hook stops all
                stopped.await();
                return EXIT_FATAL;
            }
            log().info("stopping on a signal");
            closeAll(running);
        }
        return 0;
    }

    /** Whether the devices have vhost-user sockets: unless {@code --listen} is given without any socket option. */
    boolean vhostUser() {
        return listens.isEmpty() || !sockets.isEmpty() || config != null || socketCount != null
                || deviceList != null || wasGiven;
    }

    /** {@code --listen}: the channel address of each device that has one, in order. */
    List<Endpoint> channels(int deviceCount) throws IOException {
        return channels(deviceCount, List.of());
    }

    /**
     * The channel address of each device ({@code null} for none), from {@code --listen} in order, or from the
     * config file's {@code listen} keys ({@code fromConfig}).
     */
    List<Endpoint> channels(int deviceCount, List<String> fromConfig) throws IOException {
        if (config != null && !listens.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--config describes every device: give each its"
                    + " \"listen\" there, not --listen");
        }
        List<String> wanted = config != null ? fromConfig : listens;
        if (!vhostUser() && (connect || socketGroup != null)) {
            throw new ParameterException(spec.commandLine(), (connect ? "--connect" : "--socket-group") + " is for"
                    + " vhost-user sockets, and --listen without --socket serves the channel only: give --socket too");
        }
        if (listens.size() > deviceCount) {
            throw new ParameterException(spec.commandLine(), listens.size() + " --listen options for "
                    + deviceCount + " device" + (deviceCount == 1 ? "" : "s") + ": give at most one per device");
        }
        if (listenTokenFile != null && wanted.stream().allMatch(java.util.Objects::isNull)) {
            throw new ParameterException(spec.commandLine(), "--listen-token-file needs --listen");
        }
        try {
            channelToken = listenTokenFile == null ? null
                    : ChannelOptions.readToken(listenTokenFile, "--listen-token-file");
            if ((listenTlsCert == null) != (listenTlsKey == null)) {
                throw new IllegalArgumentException("give --listen-tls-cert and --listen-tls-key together");
            }
            List<Endpoint> result = new ArrayList<>();
            javax.net.ssl.SSLContext tls = null;
            for (String l : wanted) {
                if (l == null) {
                    result.add(null);
                    continue;
                }
                Endpoint e = Endpoint.parse(l);
                boolean network = e instanceof Endpoint.Tcp tcp && !tcp.loopback()
                        || e instanceof Endpoint.Tls secure && !secure.loopback();
                if (network && channelToken == null) {
                    throw new IllegalArgumentException("--listen " + l + " is not a loopback address: anyone who"
                            + " can reach it could drive the lines; give --listen-token-file too");
                }
                if (e instanceof Endpoint.Tls t) {
                    if (listenTlsCert == null) {
                        throw new IllegalArgumentException("--listen " + l + " needs the device's certificate and"
                                + " key: give --listen-tls-cert and --listen-tls-key");
                    }
                    if (tls == null) {
                        tls = dev.vgpio.channel.TlsFiles.server(listenTlsCert, listenTlsKey);
                    }
                    e = t.with(tls);
                }
                result.add(e);
            }
            if (listenTlsCert != null && result.stream().noneMatch(e -> e instanceof Endpoint.Tls)) {
                throw new IllegalArgumentException("--listen-tls-cert is for a --listen tls:HOST:PORT");
            }
            return new ArrayList<>(result); // start() puts in the port a port 0 got
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** {@code --http} and its token, checked; null without {@code --http}. */
    HttpOptions httpOptions() {
        if (http == null) {
            if (httpTokenFile != null) {
                throw new ParameterException(spec.commandLine(), "--http-token-file needs --http");
            }
            return null;
        }
        try {
            return HttpOptions.parse(http, httpTokenFile);
        } catch (IllegalArgumentException | IOException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The level {@code --log-level}, {@code -v} and {@code -q} ask for, or null for the default (info). */
    String logLevel() {
        int given = (logLevel != null ? 1 : 0) + (verbose ? 1 : 0) + (quiet ? 1 : 0);
        if (given > 1) {
            throw new ParameterException(spec.commandLine(), "give one of --log-level, --verbose and --quiet");
        }
        if (logLevel != null) {
            String l = logLevel.toLowerCase(java.util.Locale.ROOT);
            if (!LOG_LEVELS.contains(l)) {
                throw new ParameterException(spec.commandLine(), "--log-level " + logLevel + " is not a level: give "
                        + String.join(", ", LOG_LEVELS));
            }
            return l;
        }
        return verbose ? "debug" : quiet ? "warn" : null;
    }

    private void start(List<DeviceSpec> devices, List<PickedDevice> picked, ServerOptions options,
            List<AutoCloseable> running) throws IOException, LineException {
        for (int i = 0; i < devices.size(); i++) {
            DeviceSpec d = devices.get(i);
            String name = "gpio" + i;
            DeviceLines lines = DeviceLines.open(picked.get(i), d.lines(), name,
                    d.simCaps() != null ? d.simCaps() : simCaps, remotes);
            var serving = new java.util.concurrent.atomic.AtomicReference<VhostUserServer>();
            running.add(() -> { // after its server, which is added later and so closed first
                VhostUserServer s = serving.get();
                if (s != null && s.isRunning()) {
                    log().warn("{}: the serving thread has not stopped; its lines stay as they are until the"
                            + " process exits", name);
                } else {
                    lines.close();
                }
            });
            SimulatedChip chip = lines.onlySimulated();
            StateFile state = null;
            if (chip != null && stateDir != null) {
                // named after what the device is reached by: a channel-only device has no socket of its own
                state = StateFile.open(stateDir.resolve(StateFile.nameFor(vhostUser() ? d.socket()
                        : ChannelOptions.ctlPathFor(channels.get(i)).toAbsolutePath())), chip);
                running.add(state);
            } else if (stateDir != null) {
                log().info("{}: --state-dir keeps the state of simulated devices only; the host lines of"
                        + " \"{}\" start released", name, lines.lines().label());
            }
            GpioController controller = new GpioController(lines.lines(), name);
            VirtioGpioDevice device = new VirtioGpioDevice(controller);
            Endpoint channel = i < channels.size() ? channels.get(i) : null;
            boolean vhost = vhostUser();
            VirtioDevice forVhost = device;
            VirtioDevice forChannel = device;
            if (vhost && channel != null) {
                // one driver at a time, through either
                SharedDevice shared = new SharedDevice(device);
                forVhost = shared.port("vhost-user socket " + d.socket());
                forChannel = shared.port("channel " + channel.describe());
            }
            HostControl control = lines.simulated() == null ? null : new HostControl(lines.simulated());
            if (monitor != null) {
                monitor.watch(name, vhost ? d.socket() : Path.of(channel.describe()), controller, lines.simulated(),
                        control);
            }
            VhostUserServer server = null;
            VhostUserLoop servedBy = null;
            if (vhost) {
                if (hasRemoteLines(picked.get(i))) {
                    // a remote device's lines answer over a network, which may take seconds: this device gets a
                    // thread of its own, so that it never holds up the others
                    servedBy = VhostUserLoop.create("serve-" + name);
                    running.add(servedBy); // closed after its server
                } else {
                    if (loop == null) {
                        loop = VhostUserLoop.create("serve");
                        running.add(loop); // closed after every device's server
                    }
                    servedBy = loop;
                }
                // the device socket first: a socket another daemon serves is refused by the name the user gave
                UnixSocket mine = i < given.size() ? given.get(i) : null;
                server = mine != null ? VhostUserServer.inherited(servedBy, mine, forVhost, name, options)
                        : VhostUserServer.in(servedBy, d.socket(), forVhost, name, options, connect);
                if (mine != null) {
                    given.set(i, null); // the server closes it now
                }
                serving.set(server);
                running.add(server);
            }
            if (channel != null) {
                ChannelServer.Options o = ChannelServer.Options.of(name, ChannelOptions.limits(controller));
                ChannelServer cs = new ChannelServer(forChannel, channel.listen(), channelToken == null ? o
                        : o.withToken(channelToken)).start();
                running.add(cs);
                if (channel instanceof Endpoint.Tcp || channel instanceof Endpoint.Tls) {
                    // port 0 asked for any free port: name the one it got, in the banner and the control socket
                    Endpoint bound = Endpoint.parse(cs.address());
                    channel = bound instanceof Endpoint.Tls t && channel instanceof Endpoint.Tls given
                            ? t.with(given.context()) : bound;
                    channels.set(i, channel);
                }
            }
            Path ctl = vhost ? CtlServer.pathFor(d.socket()) : ChannelOptions.ctlPathFor(channel);
            if (lines.simulated() != null) {
                // a mixed device's simulated lines too, by name (its offsets are those of its simulated lines)
                running.add(new CtlServer(ctl, control));
            }
            if (server != null) {
                server.onFatal(ServeCommand::fatal).start();
                if (servedBy == loop) {
                    log().debug("{}: served by the daemon's one serving thread with {} other device(s)", name,
                            loop.servers() - 1);
                } else {
                    log().debug("{}: served by a thread of its own, since its lines are remote", name);
                }
            }
            if (state != null) {
                state.watch();
            }
        }
    }

    /** The logger, created only when first used: after {@link #call} has set the level. */
    private static Logger log() {
        return LoggerFactory.getLogger(ServeCommand.class);
    }

    /**
     * A serving thread died: the daemon exits with status 70 (EX_SOFTWARE), so that a supervisor restarts it
     * instead of keeping a live process whose device nobody can reach. The shutdown hook stops the other devices.
     */
    private static void fatal(Throwable t) {
        log().error("a serving thread stopped ({}); exiting with status {}", t, EXIT_FATAL);
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
            if (!sockets.isEmpty() || !chips.isEmpty() || !names.isEmpty() || socketCount != null
                    || deviceList != null) {
                throw new ParameterException(spec.commandLine(), "--config describes every device; do not combine it"
                        + " with --socket, --chip, --names, --socket-count or --device-list");
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
        List<Path> paths = new ArrayList<>(!sockets.isEmpty() ? sockets
                : inherited.isEmpty() || socketCount != null || deviceList != null ? List.of(DEFAULT_SOCKET)
                : inherited.paths());
        List<String> chips = this.chips;
        if (socketCount != null && socketCount < 1) {
            throw new ParameterException(spec.commandLine(), "--socket-count must be at least 1");
        }
        if (deviceList != null) {
            if (!chips.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--device-list and --chip both choose the lines:"
                        + " give one of them");
            }
            chips = deviceList(deviceList);
            int count = socketCount == null ? 1 : socketCount;
            if (chips.size() != count) {
                throw new ParameterException(spec.commandLine(), "--device-list " + deviceList + " lists "
                        + chips.size() + " device" + (chips.size() == 1 ? "" : "s") + " but --socket-count is "
                        + count + (socketCount == null ? " (its default)" : "") + ": give one device per socket");
            }
        }
        if (socketCount != null || deviceList != null) {
            if (paths.size() != 1) {
                throw new ParameterException(spec.commandLine(), (socketCount != null ? "--socket-count"
                        : "--device-list") + " needs exactly one --socket PATH (the sockets are PATH0, PATH1, ...)");
            }
            Path base = paths.getFirst();
            paths.clear();
            for (int i = 0; i < (socketCount == null ? 1 : socketCount); i++) {
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

    /**
     * vhost-device-gpio's {@code --device-list}: colon-separated entries, {@code N} for {@code /dev/gpiochipN}
     * (whole) and {@code sN} for a simulated chip of N lines; a host chip may appear once. The chip specs, in order.
     */
    List<String> deviceList(String list) {
        List<String> result = new ArrayList<>();
        Set<Integer> hostChips = new HashSet<>();
        for (String entry : list.split(":", -1)) {
            boolean simulated = entry.startsWith("s");
            String digits = simulated ? entry.substring(1) : entry;
            int n;
            try {
                if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new NumberFormatException();
                }
                n = Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--device-list " + list + ": \"" + entry + "\" is"
                        + " neither a host chip number (0 for /dev/gpiochip0) nor sN (a simulated chip of N lines)");
            }
            if (simulated) {
                if (n < 1) {
                    throw new ParameterException(spec.commandLine(), "--device-list " + list + ": \"" + entry
                            + "\": a simulated chip needs at least 1 line");
                }
                result.add("sim:" + n);
            } else {
                if (!hostChips.add(n)) {
                    throw new ParameterException(spec.commandLine(), "--device-list " + list + ": /dev/gpiochip" + n
                            + " is listed twice (a host chip can be given to one device only)");
                }
                result.add("/dev/gpiochip" + n);
            }
        }
        return result;
    }

    /** Whether some of the device's lines are this host's own (not a remote device's). */
    private static boolean hasOwnHostLines(PickedDevice p) {
        return p.lines().stream().anyMatch(l -> l.origin() instanceof Origin.HostOrigin h
                && !RemoteChips.isRemote(h.chip().name()));
    }

    /** Whether some of the device's lines are a remote device's, reached over a channel. */
    static boolean hasRemoteLines(PickedDevice p) {
        return p.lines().stream().anyMatch(l -> l.origin() instanceof Origin.HostOrigin h
                && RemoteChips.isRemote(h.chip().name()));
    }

    private static boolean hasSimulated(PickedDevice p) {
        return p.lines().stream().anyMatch(l -> !(l.origin() instanceof Origin.HostOrigin));
    }

    /**
     * Refuses a socket path too long for {@code sockaddr_un} (108 bytes with the terminating NUL), counting the
     * {@code .ctl} that the control socket of a device with simulated lines appends, and naming the user's path.
     */
    void checkSocketPath(Path socket, boolean withCtl) {
        int max = SUN_PATH - 1 - (withCtl ? CTL_SUFFIX.length() : 0);
        int length = socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (length > max) {
            throw new ParameterException(spec.commandLine(), "socket path " + socket + " is " + length + " bytes"
                    + " long, too long for a Unix socket: a path may have at most " + (SUN_PATH - 1) + " bytes ("
                    + SUN_PATH + " with its terminating NUL)" + (withCtl ? ", and vgpio appends " + CTL_SUFFIX
                    + " to it for the control socket, so the socket path may have at most " + max : "")
                    + "; choose a shorter path (a relative one, or a shorter directory)");
        }
    }

    /**
     * What the daemon prints once every device is listening: the devices and the QEMU options that attach them,
     * built whole so that it goes out in one write that no log line (on stderr) can split.
     */
    String banner(List<DeviceSpec> devices, List<PickedDevice> picked) {
        String size = memorySize(memory);
        StringBuilder b = new StringBuilder();
        String nl = System.lineSeparator();
        b.append("vgpio: serving ").append(plural(devices.size(), "device")).append(". Stop with Ctrl-C.").append(nl);
        for (int i = 0; i < devices.size(); i++) {
            DeviceSpec d = devices.get(i);
            PickedDevice p = picked.get(i);
            boolean sims = hasSimulated(p);
            Endpoint channel = i < channels.size() ? channels.get(i) : null;
            String where = vhostUser() ? d.socket().toAbsolutePath().toString() : channel.describe();
            b.append(String.format("  gpio%d: %s of \"%s\" on %s%s", i, plural(p.lines().size(), "line"),
                    p.label(), where, hasOwnHostLines(p)
                            ? " (host lines used by " + DeviceLines.consumer("gpio" + i) + ")" : "")).append(nl);
            if (vhostUser() && channel != null) {
                b.append("    and over the channel at ").append(channel.describe()).append(nl);
            }
            // gpio0 is QEMU's id for the device; the tools and ctl name it by its socket
            List<String> uses = new ArrayList<>();
            if (vhostUser() && !connect) {
                uses.add("vgpio info -c " + d.socket() + " (while no VM is attached)");
            }
            if (channel != null) {
                uses.add("vgpio info --connect " + channel.describe());
            }
            if (sims) {
                uses.add("vgpio ctl " + (vhostUser() ? "-c " + d.socket() : "--ctl "
                        + ChannelOptions.ctlPathFor(channel)) + " list (its simulated lines, any time)");
            }
            if (!uses.isEmpty()) {
                b.append("    ").append(String.join("; ", uses)).append(nl);
            }
        }
        if (benchUrl != null) {
            b.append("  test bench: ").append(benchUrl).append(" (the panel; REST API under /api)").append(nl);
        }
        if (!vhostUser()) {
            return b.append(nl).toString();
        }
        b.append(nl).append("Attach a QEMU VM (QEMU 9 or newer for interrupts) with these options:").append(nl);
        b.append(String.format("  -m %s -object memory-backend-memfd,id=mem,size=%s,share=on -machine"
                + " memory-backend=mem \\", size, size)).append(nl);
        for (int i = 0; i < devices.size(); i++) {
            b.append(String.format("  -chardev socket,id=vgpio%d,path=%s%s -device vhost-user-gpio-pci,"
                    + "chardev=vgpio%d,id=gpio%d%s", i, devices.get(i).socket().toAbsolutePath(),
                    connect ? ",server=on,wait=on" : "", i, i, i + 1 < devices.size() ? " \\" : "")).append(nl);
        }
        return b.append(nl).toString();
    }

    private static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    /**
     * A guest memory size as QEMU takes it ({@code -m}, {@code size=}): a whole number of bytes with an optional
     * K, M, G or T suffix (either case; none means M, as {@code -m} reads it). The size with its suffix, for both.
     *
     * @throws ParameterException if it is not one
     */
    String memorySize(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})([KMGTkmgt]?)").matcher(value);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ParameterException(spec.commandLine(), "--memory " + value + " is not a memory size: give a"
                    + " number with an optional K, M, G or T suffix, as QEMU's -m takes it (512M, 2G)");
        }
        return m.group(1) + (m.group(2).isEmpty() ? "M" : m.group(2).toUpperCase(java.util.Locale.ROOT));
    }
}
