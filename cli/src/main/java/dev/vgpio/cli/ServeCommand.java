package dev.vgpio.cli;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
        List<AutoCloseable> running = new ArrayList<>();
        try {
            for (int i = 0; i < devices.size(); i++) {
                DeviceSpec d = devices.get(i);
                SimulatedChip chip = d.chip().create();
                VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(chip));
                String name = "gpio" + i;
                running.add(new CtlServer(CtlServer.pathFor(d.socket()), new HostControl(chip)));
                running.add((connect ? VhostUserServer.connecting(d.socket(), device, name)
                        : new VhostUserServer(d.socket(), device, name)).start());
            }
        } catch (IOException | IllegalArgumentException e) {
            closeAll(running);
            throw e;
        }
        printAttachHelp(out, devices);
        Thread hook = new Thread(() -> {
            closeAll(running);
            stopped.countDown();
        }, "vgpio-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
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
                result.add(new DeviceSpec(paths.get(i), ChipSpec.parse(chip)));
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
