package dev.vgpio.monitor.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trace files of a real monitor watching simulated devices: the guest acts through the controller, the host drives. */
class TracesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET"));
    private final GpioController controller = new GpioController(chip);
    private final Monitor monitor = new Monitor();
    private final List<Activity> seen = new CopyOnWriteArrayList<>();
    private final WatchedDevice gpio0;

    @TempDir
    Path dir;

    TracesTest() {
        controller.negotiate(GpioFeatures.IRQ);
        gpio0 = monitor.watch("gpio0", Path.of("gpio0.sock"), controller, chip, null);
    }

    @AfterEach
    void close() {
        monitor.close();
    }

    /** Starts the monitor with the trace and the test's own sink (which sees what the trace sees). */
    private TraceFile start(Path file) throws IOException {
        TraceFile trace = Traces.open(file, monitor.devices());
        monitor.addSink(trace);
        monitor.addSink(seen::add);
        monitor.start();
        return trace;
    }

    /** The guest's request, then waits until the monitor handed it out. */
    private void guest(GpioController c, MessageType type, int line, int value) {
        int before = seen.size();
        c.handle(type.code(), line, value);
        awaitSeen(before, a -> a instanceof Activity.Request);
    }

    /** The host drives a line, then waits until the monitor handed its new view out. */
    private void host(WatchedDevice d, int line, int level) throws Exception {
        int before = seen.size();
        d.drive(line, level);
        awaitSeen(before, a -> a instanceof Activity.LineChanged c && c.device().equals(d.name())
                && c.line().offset() == line);
    }

    private void awaitSeen(int before, Predicate<Activity> what) {
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.subList(before, seen.size()).stream().anyMatch(what));
    }

    @Test
    void aVcdTraceHasEveryLevelAndDirectionChangeAtItsTime() throws Exception {
        Path file = dir.resolve("trace.vcd");
        TraceFile trace = start(file);
        assertThat(trace.format()).isEqualTo(Format.VCD);
        guest(controller, MessageType.SET_DIRECTION, 0, Direction.OUT.code());
        guest(controller, MessageType.SET_VALUE, 0, 1);
        host(gpio0, 1, 1);
        guest(controller, MessageType.SET_VALUE, 0, 0);
        guest(controller, MessageType.SET_DIRECTION, 1, Direction.IN.code());
        guest(controller, MessageType.SET_IRQ_TYPE, 1, IrqType.EDGE_BOTH.code());
        guest(controller, MessageType.SET_DIRECTION, 0, Direction.NONE.code());
        host(gpio0, 1, 0);
        long closing = System.nanoTime();
        monitor.close();

        Vcd vcd = Vcd.parse(Files.readString(file));
        assertThat(vcd.timescale()).isEqualTo("1ns");
        assertThat(vcd.version()).startsWith("vgpio");
        assertThat(vcd.date()).isEqualTo(trace.start().wallClock().truncatedTo(ChronoUnit.MILLIS).toString());
        assertThat(vcd.signals()).containsExactly(Map.entry("gpio0.LED", 1), Map.entry("gpio0.LED_dir", 2),
                Map.entry("gpio0.BUTTON", 1), Map.entry("gpio0.BUTTON_dir", 2), Map.entry("gpio0.RESET", 1),
                Map.entry("gpio0.RESET_dir", 2));
        Map<String, List<Vcd.Change>> waves = vcd.waves();
        assertThat(Waves.values(waves, "gpio0.LED")).containsExactly("0", "1", "0");
        assertThat(Waves.values(waves, "gpio0.LED_dir")).as("output, then released").containsExactly("00", "01",
                "00");
        assertThat(Waves.values(waves, "gpio0.BUTTON")).containsExactly("0", "1", "0");
        assertThat(Waves.values(waves, "gpio0.BUTTON_dir")).containsExactly("00", "10");
        assertThat(Waves.values(waves, "gpio0.RESET")).containsExactly("0");
        assertThat(waves).as("each change at its time since the start")
                .isEqualTo(Waves.of(trace.start(), seen, Map.of("gpio0", List.of("LED", "BUTTON", "RESET"))));
        assertThat(vcd.end()).as("the trace ends when it was closed")
                .isBetween(waves.get("gpio0.BUTTON").getLast().time(), System.nanoTime() - trace.start().nanos())
                .isGreaterThanOrEqualTo(closing - trace.start().nanos());
        Gtkwave.check(file, vcd);
    }

    @Test
    void twoDevicesUnnamedAndOddLinesEachHaveASignalOfTheirOwn() throws Exception {
        SimulatedChip odd = new SimulatedChip("odd chip", List.of("", "BUTTON A", "3V3", "wire", "x.y[1]", "line0"));
        GpioController oddController = new GpioController(odd);
        WatchedDevice gpio1 = monitor.watch("gpio1", Path.of("gpio1.sock"), oddController, odd, null);
        Path file = dir.resolve("two.vcd");
        TraceFile trace = start(file);
        host(gpio1, 0, 1);
        guest(controller, MessageType.SET_DIRECTION, 2, Direction.OUT.code());
        host(gpio1, 1, 1);
        guest(oddController, MessageType.SET_DIRECTION, 5, Direction.IN.code());
        guest(controller, MessageType.SET_VALUE, 2, 1);
        host(gpio1, 4, 1);
        host(gpio1, 0, 0);
        guest(oddController, MessageType.SET_DIRECTION, 3, Direction.OUT.code());
        guest(oddController, MessageType.SET_VALUE, 3, 1);
        monitor.close();

        Vcd vcd = Vcd.parse(Files.readString(file));
        List<String> oddNames = List.of("line0", "BUTTON_A", "_3V3", "wire_", "x_y_1_", "line0_5");
        assertThat(vcd.signals().keySet()).containsExactly("gpio0.LED", "gpio0.LED_dir", "gpio0.BUTTON",
                "gpio0.BUTTON_dir", "gpio0.RESET", "gpio0.RESET_dir", "gpio1.line0", "gpio1.line0_dir",
                "gpio1.BUTTON_A", "gpio1.BUTTON_A_dir", "gpio1._3V3", "gpio1._3V3_dir", "gpio1.wire_",
                "gpio1.wire__dir", "gpio1.x_y_1_", "gpio1.x_y_1__dir", "gpio1.line0_5", "gpio1.line0_5_dir");
        assertThat(vcd.comments()).contains("line 0, which has no name, is line0", "line 1 \"BUTTON A\" is BUTTON_A",
                "line 5 \"line0\" is line0_5", "device \"gpio1\", the lines of \"odd chip\"");
        Map<String, List<Vcd.Change>> waves = vcd.waves();
        assertThat(Waves.values(waves, "gpio1.line0")).containsExactly("0", "1", "0");
        assertThat(Waves.values(waves, "gpio1.line0_5_dir")).containsExactly("00", "10");
        assertThat(Waves.values(waves, "gpio1.wire_")).containsExactly("0", "1");
        assertThat(Waves.values(waves, "gpio1.wire__dir")).containsExactly("00", "01");
        assertThat(Waves.values(waves, "gpio0.RESET")).containsExactly("0", "1");
        assertThat(waves).isEqualTo(Waves.of(trace.start(), seen, Map.of("gpio0", List.of("LED", "BUTTON",
                "RESET"), "gpio1", oddNames)));
        Gtkwave.check(file, vcd);
    }

    @Test
    void theFileIsACompleteVcdAfterEachBatchWhileTheDaemonRuns() throws Exception {
        Path file = dir.resolve("live.vcd");
        TraceFile trace = start(file);
        Path copy = dir.resolve("copy.vcd");
        Files.copy(file, copy);
        Vcd atStart = Vcd.parse(Files.readString(copy));
        assertThat(Waves.values(atStart.waves(), "gpio0.BUTTON")).containsExactly("0");
        Gtkwave.check(copy, atStart);

        host(gpio0, 1, 1);
        guest(controller, MessageType.SET_DIRECTION, 2, Direction.OUT.code());
        await().atMost(Duration.ofSeconds(5)).until(() -> Waves.values(Vcd.parse(Files.readString(file)).waves(),
                "gpio0.RESET_dir").equals(List.of("00", "01")));
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        Vcd running = Vcd.parse(Files.readString(copy));
        assertThat(running.waves()).as("everything so far, before the trace is closed")
                .isEqualTo(Waves.of(trace.start(), seen, Map.of("gpio0", List.of("LED", "BUTTON", "RESET"))));
        Gtkwave.check(copy, running);
    }

    @Test
    void aChangeJustBeforeTheTraceJoinedTheMonitorIsNotLost() throws Exception {
        monitor.addSink(seen::add);
        monitor.start();
        Path file = dir.resolve("late.vcd");
        TraceFile trace = Traces.open(file, monitor.devices());
        // the monitor hands these out to the others before the trace is one of its sinks
        guest(controller, MessageType.SET_DIRECTION, 0, Direction.OUT.code());
        guest(controller, MessageType.SET_VALUE, 0, 1);
        monitor.addSink(trace);
        host(gpio0, 1, 1);
        monitor.close();

        Map<String, List<Vcd.Change>> waves = Vcd.parse(Files.readString(file)).waves();
        assertThat(waves.get("gpio0.LED")).as("as it was when the trace joined")
                .containsExactly(new Vcd.Change(0, "gpio0.LED", "1"));
        assertThat(waves.get("gpio0.LED_dir")).containsExactly(new Vcd.Change(0, "gpio0.LED_dir", "01"));
        assertThat(Waves.values(waves, "gpio0.BUTTON")).containsExactly("0", "1");
        Gtkwave.check(file, Vcd.parse(Files.readString(file)));
    }

    @Test
    void aJsonLinesTraceHasEveryActivityAsTheEventStreamHasIt() throws Exception {
        Path file = dir.resolve("trace.jsonl");
        TraceFile trace = start(file);
        assertThat(trace.format()).isEqualTo(Format.JSONL);
        guest(controller, MessageType.SET_DIRECTION, 0, Direction.OUT.code());
        guest(controller, MessageType.SET_VALUE, 0, 1);
        guest(controller, MessageType.SET_DIRECTION, 1, Direction.IN.code());
        guest(controller, MessageType.SET_IRQ_TYPE, 1, IrqType.EDGE_RISING.code());
        guest(controller, MessageType.SET_VALUE, 7, 1);
        controller.unmask(1, 7);
        host(gpio0, 1, 1);
        controller.onEdge(1, true); // as the device thread would, after the chip reported it
        await().until(() -> seen.stream().anyMatch(Activity.Interrupt.class::isInstance));
        controller.disableInterrupts();
        await().until(() -> seen.stream().anyMatch(Activity.Reset.class::isInstance));
        monitor.close();

        String text = Files.readString(file);
        assertThat(text).endsWith("\n").doesNotContain("\n ");
        List<JsonNode> lines = text.lines().map(TracesTest::parse).toList();
        assertThat(lines.subList(0, 3)).as("the start: every line").allSatisfy(l -> {
            assertThat(l.get("kind").asText()).isEqualTo("line");
            assertThat(l.get("t").asLong()).isEqualTo(trace.start().nanos());
            assertThat(l.get("direction").asText()).isEqualTo("released");
        });
        assertThat(lines.subList(0, 3)).extracting(l -> l.get("name").asText()).containsExactly("LED", "BUTTON",
                "RESET");
        assertThat(lines.subList(3, lines.size())).as("then every activity, as the event stream writes it")
                .isEqualTo(seen.stream().map(TracesTest::json).toList());
        assertThat(lines).extracting(l -> l.get("kind").asText()).contains("request", "line", "unmask", "driven",
                "edge", "interrupt", "reset");
        assertThat(lines).filteredOn(l -> l.get("kind").asText().equals("request") && !l.get("ok").asBoolean())
                .singleElement().satisfies(l -> assertThat(l.get("line").asInt()).isEqualTo(7));
    }

    private static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static JsonNode json(Activity a) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            ActivityJson.write(g, a);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return parse(w.toString());
    }

    @Test
    void aTraceFileIsNamedVcdOrJsonlInAnyCase() throws Exception {
        assertThatThrownBy(() -> Traces.open(dir.resolve("trace.txt"), monitor.devices()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a trace file's name ends in .vcd (Value Change Dump) or .jsonl (JSON lines), and "
                        + dir.resolve("trace.txt") + " ends in neither");
        assertThat(dir.resolve("trace.txt")).doesNotExist();
        try (TraceFile upper = Traces.open(dir.resolve("TRACE.VCD"), monitor.devices())) {
            assertThat(upper.format()).isEqualTo(Format.VCD);
        }
        assertThat(Files.readString(dir.resolve("TRACE.VCD"))).startsWith("$date");
        try (TraceFile upper = Traces.open(dir.resolve("Trace.JsonL"), monitor.devices())) {
            assertThat(upper.format()).isEqualTo(Format.JSONL);
        }
        assertThat(Format.parse(" JSONL")).isEqualTo(Format.JSONL);
        assertThat(Format.parse("vcd")).isEqualTo(Format.VCD);
        assertThatThrownBy(() -> Format.parse("csv")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a trace format is vcd (Value Change Dump) or jsonl (JSON lines), not \"csv\"");
    }

    @Test
    void aFileThatCannotBeWrittenSaysWhy() throws Exception {
        Path missing = dir.resolve("no/such/dir/trace.vcd");
        assertThatThrownBy(() -> Traces.open(missing, monitor.devices())).isInstanceOf(IOException.class)
                .hasMessage("cannot write the trace " + missing + ": the directory " + dir.resolve("no/such/dir")
                        + " does not exist; create it first");
        Files.createDirectory(dir.resolve("sub.vcd"));
        assertThatThrownBy(() -> Traces.open(dir.resolve("sub.vcd"), monitor.devices()))
                .hasMessage("cannot write the trace " + dir.resolve("sub.vcd") + ": it is a directory; give the name"
                        + " of a file in it");
        Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> Traces.open(dir.resolve("file/trace.jsonl"), monitor.devices()))
                .hasMessage("cannot write the trace " + dir.resolve("file/trace.jsonl") + ": " + dir.resolve("file")
                        + " is not a directory");
        Path locked = readOnlyDirectory();
        assertThatThrownBy(() -> Traces.open(locked.resolve("vgpio-trace.vcd"), monitor.devices()))
                .isInstanceOf(IOException.class).hasMessage("cannot write the trace "
                        + locked.resolve("vgpio-trace.vcd") + ": permission denied: this user may not create files"
                        + " in the directory " + locked);
    }

    /** A directory this process may not create files in: one made read-only, or for root (who may), /sys. */
    private Path readOnlyDirectory() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-xr-xr-x")));
        return Files.isWritable(locked) ? Path.of("/sys") : locked;
    }

    @Test
    void anOldFileIsTruncated() throws Exception {
        Path file = dir.resolve("old.jsonl");
        Files.writeString(file, "x".repeat(10_000));
        Traces.open(file, monitor.devices()).close();
        assertThat(Files.readAllLines(file)).hasSize(3).allMatch(l -> l.startsWith("{\"t\":"));
    }
}
