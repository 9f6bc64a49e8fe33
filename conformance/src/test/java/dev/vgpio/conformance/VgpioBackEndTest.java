package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlServer;
import dev.vgpio.control.HostControl;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite against vgpio's own device: everything passes, or is skipped with a reason. */
class VgpioBackEndTest {
    @TempDir
    Path dir;

    /** Drives and lets go of the simulated chip's lines directly, as its control socket would. */
    static InputDriver driving(SimulatedChip sim) {
        return new InputDriver() {
            @Override
            public void set(int line, int level) throws IOException {
                try {
                    sim.drive(line, level);
                } catch (LineException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public boolean canRelease() {
                return true;
            }

            @Override
            public void release(int line) throws IOException {
                try {
                    sim.release(line);
                } catch (LineException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return "the simulated chip";
            }
        };
    }

    static void assertAllPass(List<Result> results) {
        assertThat(results).extracting(Result::id).containsExactlyElementsOf(ConformanceSuite.statements().keySet());
        assertThat(results).allSatisfy(r -> assertThat(r.outcome()).as("%s: %s", r.id(), r.detail())
                .isEqualTo(Result.Outcome.PASS));
    }

    static void save(String name, List<Result> results) throws IOException {
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.writeString(out, new ConformanceReport(results).render());
    }

    @Test
    void everyCheckPassesAgainstTheVhostUserBackEnd() throws Exception {
        SimulatedChip sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"));
        Path path = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start()) {
            List<Result> results = ConformanceSuite.run(Target.vhostUser(path).withInput(driving(sim)));
            save("conformance-vgpio.txt", results);
            assertAllPass(results);
            assertThat(server.connections()).as("a session per check, at least").isGreaterThan(results.size() - 5);
        }
        for (int line = 0; line < 4; line++) {
            assertThat(sim.getDirection(line)).as("line %d is put back", line).isEqualTo(Direction.NONE);
            assertThat(sim.drivenLevel(line)).isZero();
        }
    }

    @Test
    void throughTheControlSocketAsVgpioConformDoes() throws Exception {
        SimulatedChip sim = SimulatedChip.withLines("sim", 2, "L");
        Path path = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t")
                .start();
                CtlServer ctl = new CtlServer(CtlServer.pathFor(path), new HostControl(sim))) {
            List<Result> results = ConformanceSuite.run(Target.vhostUser(path).withInput(InputDriver.ctl(ctl.path()))
                    .withLine(1));
            assertAllPass(results);
            assertThat(server.isConnected()).as("every session is closed").isFalse();
            assertThat(results).filteredOn(r -> r.id().equals("irq.masked-no-event")).singleElement()
                    .satisfies(r -> assertThat(r.detail()).contains("line 0's queued pair stayed"));
        }
    }

    @Test
    void withoutInterruptsNamesOrInputTheirChecksAreSkippedWithTheReason() {
        VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(new NoEdges(3)));
        Target target = Target.of("in-process, no IRQ", () -> new InProcessTransport(device, 4 << 20))
                .withQuiet(Duration.ofMillis(50));
        List<Result> results = ConformanceSuite.run(target);
        Map<String, Result> byId = new java.util.LinkedHashMap<>();
        results.forEach(r -> byId.put(r.id(), r));
        assertThat(byId.get("names.answer").outcome()).isEqualTo(Result.Outcome.SKIP);
        assertThat(byId.get("names.answer").detail()).contains("gpio_names_size is 0");
        assertThat(byId.get("config.names-size").outcome()).isEqualTo(Result.Outcome.PASS);
        assertThat(byId.get("eventq.disable-returns").detail()).contains("does not offer VIRTIO_GPIO_F_IRQ");
        assertThat(byId.get("irq.edge-latched").outcome()).isEqualTo(Result.Outcome.SKIP);
        assertThat(byId.get("irq.without-feature").outcome()).isEqualTo(Result.Outcome.PASS);
        assertThat(byId.get("irq.without-feature").detail()).contains("does not offer");
        assertThat(byId.get("eventq.used-length").outcome()).isEqualTo(Result.Outcome.SKIP);
        assertThat(results).noneMatch(Result::failed);
        assertThat(results).filteredOn(r -> r.outcome() == Result.Outcome.SKIP)
                .allSatisfy(r -> assertThat(r.detail()).isNotBlank());
    }

    @Test
    void withoutAnInputDriverTheDeliveryChecksAreSkipped() {
        VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("sim", 2, "L")));
        List<Result> results = ConformanceSuite.run(Target.of("in-process",
                () -> new InProcessTransport(device, 4 << 20)).withQuiet(Duration.ofMillis(50)));
        assertThat(results).noneMatch(Result::failed);
        assertThat(results).filteredOn(r -> r.outcome() == Result.Outcome.SKIP).extracting(Result::id)
                .containsExactlyInAnyOrder("irq.edge-delivered", "irq.edge-latched", "irq.masked-no-event",
                        "irq.disable-discards-latched", "irq.level-not-latched", "irq.level-active-on-unmask",
                        "irq.disabled-no-event", "line-config.bias-level", "line-config.drive-levels",
                        "line-config.debounce-filters", "line-config.direction-none-discards",
                        "line-config.reset-discards")
                .allSatisfy(id -> assertThat(results.stream().filter(r -> r.id().equals(id)).findFirst()
                        .orElseThrow().detail()).contains("no input driver"));
    }

    /** A simulated chip of unnamed lines that cannot report edges, so the device does not offer interrupts. */
    static final class NoEdges implements GpioLines {
        private final SimulatedChip sim;

        NoEdges(int lines) {
            this.sim = new SimulatedChip("noedges", java.util.Collections.nCopies(lines, ""));
        }

        public String label() {
            return sim.label();
        }

        public int lineCount() {
            return sim.lineCount();
        }

        public List<String> lineNames() {
            return sim.lineNames();
        }

        public Direction getDirection(int offset) throws LineException {
            return sim.getDirection(offset);
        }

        public void setDirection(int offset, Direction d, int outputValue) throws LineException {
            sim.setDirection(offset, d, outputValue);
        }

        public int getValue(int offset) throws LineException {
            return sim.getValue(offset);
        }

        public void setValue(int offset, int value) throws LineException {
            sim.setValue(offset, value);
        }

        public boolean supportsEdgeEvents() {
            return false;
        }

        public void setEdgeDetection(int offset, Edge edge) throws LineException {
            throw new LineException("no edge detection");
        }

        public void setEventListener(LineEventListener listener) {
        }

        public void close() {
            sim.close();
        }
    }
}
