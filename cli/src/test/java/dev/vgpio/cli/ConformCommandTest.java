package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.virtio.VirtioDevice;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.virtqueue.DeviceQueue;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConformCommandTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new ConformCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void vgpiosOwnBackEndPassesWithItsControlSocketFoundBesideTheDeviceSocket() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("LED", "BUTTON"));
        Path socket = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(socket, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start();
                CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(sim))) {
            assertThat(run("--socket", socket.toString())).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("vgpio conform: " + server.path() + " (inputs driven through "
                    + ctl.path() + ")");
        }
        assertThat(out.toString())
                .containsPattern("irq.edge-latched +PASS")
                .containsPattern("line-config.direction-none-discards +PASS")
                .contains("49 checks: 49 PASS, 0 FAIL, 0 SKIP");
    }

    @Test
    void withoutAControlSocketTheDeliveryChecksAreSkipped() throws Exception {
        SimulatedChip sim = SimulatedChip.withLines("sim", 2, "L");
        Path socket = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(socket, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start();
                CtlServer ctl = new CtlServer(CtlServer.pathFor(socket), new HostControl(sim))) {
            assertThat(run("--socket", socket.toString(), "--no-ctl", "--line", "1", "--timeout", "2000")).isZero();
            assertThat(server.isRunning()).isTrue();
            assertThat(out.toString()).doesNotContain(ctl.path().toString());
        }
        assertThat(out.toString()).contains("no control socket: the interrupt delivery checks and those of what line"
                + " settings do are skipped")
                .containsPattern("irq.edge-latched +SKIP")
                .contains("49 checks: 37 PASS, 0 FAIL, 12 SKIP");
    }

    @Test
    void aFailingCheckMakesTheExitStatusOne() throws Exception {
        SimulatedChip sim = SimulatedChip.withLines("sim", 2, "L");
        Path socket = dir.resolve("gpio.sock");
        VirtioDevice dirtyPadding = new DirtyPadding(new VirtioGpioDevice(new GpioController(sim)));
        try (VhostUserServer server = new VhostUserServer(socket, dirtyPadding, "t").start()) {
            assertThat(run("-c", socket.toString())).isEqualTo(1);
            assertThat(server.isRunning()).isTrue();
        }
        assertThat(out.toString()).containsPattern("config.padding +FAIL")
                .contains("padding bytes are 5a 00")
                .contains("49 checks: 36 PASS, 1 FAIL, 12 SKIP");
    }

    @Test
    void explainsAMissingBackEnd() {
        assertThat(run("--socket", dir.resolve("none.sock").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("vgpio conform: no vhost-user socket at " + dir.resolve("none.sock"));
        assertThat(run("--socket", dir.resolve("none.sock").toString(), "--ctl", dir.resolve("x.ctl").toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("vgpio conform: no control socket at " + dir.resolve("x.ctl"));
    }

    @Test
    void usageErrors() {
        assertThat(run("--ctl", "a", "--no-ctl")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
        assertThat(run("--timeout", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--timeout must be a positive number of ms");
    }

    /** vgpio's device, except that the configuration's first padding byte reads 0x5a. */
    record DirtyPadding(VirtioDevice d) implements VirtioDevice {
        public int deviceId() {
            return d.deviceId();
        }

        public int queueCount() {
            return d.queueCount();
        }

        public long deviceFeatures() {
            return d.deviceFeatures();
        }

        public void negotiate(long features) {
            d.negotiate(features);
        }

        public boolean queueAvailable(int index) {
            return d.queueAvailable(index);
        }

        public int configSize() {
            return d.configSize();
        }

        public void readConfig(int offset, MemorySegment dst, int length) {
            d.readConfig(offset, dst, length);
            if (offset <= 2 && offset + length > 2) {
                dst.set(ValueLayout.JAVA_BYTE, 2 - offset, (byte) 0x5a);
            }
        }

        public void startQueue(int index, DeviceQueue queue, Notifier used, Notifier error) {
            d.startQueue(index, queue, used, error);
        }

        public void stopQueue(int index) {
            d.stopQueue(index);
        }

        public void queueNotified(int index) {
            d.queueNotified(index);
        }

        public void setWakeup(Runnable wakeup) {
            d.setWakeup(wakeup);
        }

        public void onWakeup() {
            d.onWakeup();
        }
    }
}
