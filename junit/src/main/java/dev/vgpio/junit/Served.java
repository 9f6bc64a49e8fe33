package dev.vgpio.junit;

import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A device while it runs for a test: a simulated chip served on a vhost-user socket, as {@code vgpio serve} serves
 * one, and watched by a monitor whose {@link Hub} the test's handles read.
 */
final class Served implements AutoCloseable {
    final String name;
    final Path socket;
    final SimulatedChip chip;
    final HostControl control;
    final Monitor monitor;
    final WatchedDevice device;
    final Hub hub;
    private final VhostUserServer server;
    /** The directory made for the socket, removed at the end; null for a socket the test chose. */
    private final Path tempDir;
    private volatile Throwable fatal;

    /**
     * What to serve.
     *
     * @param name    the device's name ({@code gpio0}): the serving thread's, the trace's and the messages'
     * @param label   the chip's label, as the guest's gpiodetect shows it
     * @param names   the line names ({@code ""} for an unnamed line)
     * @param socket  the socket's path, or null for one in a new temporary directory
     * @param initial levels the host drives from the start, by offset
     */
    record Settings(String name, String label, List<String> names, Path socket, Map<Integer, Integer> initial) {
    }

    private Served(Settings s, Path socket, Path tempDir, SimulatedChip chip, HostControl control, Monitor monitor,
            WatchedDevice device, Hub hub, VhostUserServer server) {
        this.name = s.name();
        this.socket = socket;
        this.tempDir = tempDir;
        this.chip = chip;
        this.control = control;
        this.monitor = monitor;
        this.device = device;
        this.hub = hub;
        this.server = server;
    }

    /** Creates the device and serves it; on failure, whatever was started is stopped again. */
    static Served start(Settings s) throws IOException {
        Path tempDir = null;
        Monitor monitor = null;
        VhostUserServer server = null;
        try {
            Path socket = s.socket();
            if (socket == null) {
                tempDir = Files.createTempDirectory("vgpio-junit-");
                socket = tempDir.resolve(s.name() + ".sock");
            }
            SimulatedChip chip = new SimulatedChip(s.label(), s.names());
            HostControl control = new HostControl(chip);
            for (Map.Entry<Integer, Integer> e : s.initial().entrySet()) {
                control.set(e.getKey(), e.getValue()); // before the monitor watches: a starting level, no edge
            }
            GpioController controller = new GpioController(chip);
            VirtioGpioDevice virtio = new VirtioGpioDevice(controller);
            monitor = new Monitor();
            WatchedDevice device = monitor.watch(s.name(), socket, controller, chip, control);
            Hub hub = new Hub(device);
            monitor.addSink(hub);
            monitor.start();
            server = new VhostUserServer(socket, virtio, s.name());
            Served served = new Served(s, socket, tempDir, chip, control, monitor, device, hub, server);
            server.onFatal(t -> served.fatal = t).start();
            return served;
        } catch (IOException | RuntimeException e) {
            stop(server, monitor, tempDir);
            throw e;
        } catch (LineException e) {
            stop(server, monitor, tempDir);
            throw new IllegalStateException(e);
        }
    }

    /** Whether a front end (QEMU, the Java driver) has connected at all, and is connected now. */
    String frontEnd() {
        if (fatal != null) {
            return "the device's serving thread died: " + fatal;
        }
        if (server.connections() == 0) {
            return "no front end has connected to " + socket + " yet";
        }
        return server.isConnected() ? "" : "the front end has disconnected";
    }

    /** The error that stopped the serving thread, or null. */
    Throwable fatal() {
        return fatal;
    }

    /**
     * Stops serving (the front end's connection is closed, the socket file removed), then the monitor (after it has
     * handed the sinks the device's last activity, and closed them), and removes the socket's directory if it made
     * one. The lines are released.
     */
    @Override
    public void close() throws IOException {
        stop(server, monitor, tempDir);
        chip.close();
    }

    private static void stop(VhostUserServer server, Monitor monitor, Path tempDir) throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                if (monitor != null) {
                    monitor.close();
                }
            } finally {
                if (tempDir != null) {
                    try (var left = Files.list(tempDir)) {
                        for (Path p : left.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(tempDir);
                }
            }
        }
    }
}
