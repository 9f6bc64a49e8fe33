package dev.vgpio.cli;

import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.web.HttpOptions;
import dev.vgpio.web.WebServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A test bench for the commands that talk to one: a device {@code gpio0} (LED, BUTTON), watched and served over HTTP. */
final class BenchFixture implements AutoCloseable {
    final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON"));
    final Monitor monitor = new Monitor();
    final WatchedDevice device = monitor.watch("gpio0", Path.of("g.sock"), new GpioController(chip), chip, null);
    final WebServer web;

    BenchFixture() throws IOException {
        monitor.start();
        web = WebServer.start(new HttpOptions("127.0.0.1", 0, null), monitor);
    }

    @Override
    public void close() {
        web.close();
        monitor.close();
    }
}
