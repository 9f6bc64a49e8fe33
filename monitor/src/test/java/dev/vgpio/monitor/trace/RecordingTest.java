package dev.vgpio.monitor.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.Stimulus;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recordings in memory of a real monitor, exported as a trace file would have them. */
class RecordingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, List<String>> NAMES = Map.of("gpio0", List.of("LED", "BUTTON", "RESET"));

    private final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET"));
    private final GpioController controller = new GpioController(chip);
    private final Monitor monitor = new Monitor();
    private final List<Activity> seen = new CopyOnWriteArrayList<>();
    private final WatchedDevice gpio0;

    @TempDir
    Path dir;

    RecordingTest() {
        controller.negotiate(GpioFeatures.IRQ);
        gpio0 = monitor.watch("gpio0", Path.of("gpio0.sock"), controller, chip, null);
    }

    @AfterEach
    void close() {
        monitor.close();
    }

    /** Some of everything: requests, line changes, drives; waits until the monitor handed it all out. */
    private void act() throws Exception {
        int before = seen.size();
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        controller.handle(MessageType.SET_VALUE.code(), 0, 1);
        gpio0.drive(1, 1);
        controller.handle(MessageType.SET_DIRECTION.code(), 2, Direction.IN.code());
        controller.handle(MessageType.SET_VALUE.code(), 0, 0);
        gpio0.drive(1, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.subList(before, seen.size()).stream()
                .filter(Activity.LineChanged.class::isInstance).count() == 6);
    }

    private static String export(Recording r, Format f) {
        StringWriter out = new StringWriter();
        try {
            r.export(f, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static List<JsonNode> jsonLines(String text) {
        return text.lines().map(l -> {
            try {
                return MAPPER.readTree(l);
            } catch (IOException e) {
                throw new AssertionError("not a JSON line: " + l, e);
            }
        }).toList();
    }

    @Test
    void anExportHasWhatATraceFileHasUpToTheStop() throws Exception {
        Recording recording = new Recording(monitor.devices());
        TraceFile vcdFile = Traces.open(dir.resolve("t.vcd"), monitor.devices());
        TraceFile jsonFile = Traces.open(dir.resolve("t.jsonl"), monitor.devices());
        AutoCloseable recordingSink = monitor.addSink(recording);
        AutoCloseable vcdSink = monitor.addSink(vcdFile);
        AutoCloseable jsonSink = monitor.addSink(jsonFile);
        monitor.addSink(seen::add);
        monitor.start();
        act();
        assertThat(recording.recording()).isTrue();
        recordingSink.close(); // the API's stop: the monitor closes it
        vcdSink.close();
        jsonSink.close();
        assertThat(recording.recording()).isFalse();
        assertThat(recording.kept()).isEqualTo(seen.size());
        assertThat(recording.lost()).isZero();

        String vcd = export(recording, Format.parse("vcd"));
        Vcd exported = Vcd.parse(vcd);
        assertThat(exported.waves()).isEqualTo(Waves.of(recording.start(), seen, NAMES));
        Vcd file = Vcd.parse(Files.readString(vcdFile.path()));
        assertThat(file.waves()).isEqualTo(Waves.of(vcdFile.start(), seen, NAMES));
        assertThat(exported.signals()).isEqualTo(file.signals());
        Path exportedFile = dir.resolve("exported.vcd");
        Files.writeString(exportedFile, vcd);
        Gtkwave.check(exportedFile, exported);

        List<JsonNode> json = jsonLines(export(recording, Format.JSONL));
        List<JsonNode> jsonOfFile = jsonLines(Files.readString(jsonFile.path()));
        assertThat(json).hasSize(3 + seen.size()).hasSameSizeAs(jsonOfFile);
        assertThat(json.subList(3, json.size())).isEqualTo(jsonOfFile.subList(3, jsonOfFile.size()));
        assertThat(json.getFirst().get("t").asLong()).isEqualTo(recording.start().nanos());

        int before = seen.size();
        controller.handle(MessageType.SET_VALUE.code(), 0, 1); // after the stop: not in the recording
        await().until(() -> seen.subList(before, seen.size()).stream()
                .anyMatch(Activity.LineChanged.class::isInstance));
        assertThat(export(recording, Format.VCD)).isEqualTo(vcd);
        assertThat(recording.kept()).isEqualTo(json.size() - 3);
    }

    @Test
    void itExportsWhileItRecords() throws Exception {
        Recording recording = new Recording(monitor.devices());
        monitor.addSink(recording);
        monitor.addSink(seen::add);
        monitor.start();
        monitor.stimuli().start(gpio0, 1, new Stimulus.Square(Duration.ofMillis(1), 0));
        int exports = 0;
        int kept = 0;
        for (long end = System.nanoTime() + Duration.ofMillis(500).toNanos(); System.nanoTime() < end; exports++) {
            Vcd vcd = Vcd.parse(export(recording, Format.VCD));
            List<String> button = Waves.values(vcd.waves(), "gpio0.BUTTON");
            for (int i = 0; i < button.size(); i++) {
                assertThat(button.get(i)).isEqualTo(i % 2 == 0 ? "0" : "1");
            }
            List<JsonNode> json = jsonLines(export(recording, Format.JSONL));
            assertThat(json.size()).isGreaterThanOrEqualTo(3 + kept);
            kept = recording.kept();
        }
        monitor.stimuli().stop(gpio0, 1);
        assertThat(exports).isGreaterThan(5);
        assertThat(kept).isGreaterThan(20);
        Path file = dir.resolve("running.vcd");
        Files.writeString(file, export(recording, Format.VCD));
        Gtkwave.check(file, Vcd.parse(Files.readString(file)));
    }

    @Test
    void aFullRecordingCountsWhatItLostAndSaysSo() throws Exception {
        Recording recording = new Recording(monitor.devices(), 5);
        monitor.addSink(recording);
        monitor.addSink(seen::add);
        monitor.start();
        act();
        monitor.close();
        assertThat(recording.kept()).isEqualTo(5);
        assertThat(recording.lost()).isEqualTo(seen.size() - 5).isPositive();
        long firstLost = seen.get(5).nanos();

        List<JsonNode> json = jsonLines(export(recording, Format.JSONL));
        assertThat(json).hasSize(3 + 5 + 1);
        assertThat(json.getLast().toString()).isEqualTo("{\"t\":" + firstLost + ",\"device\":\"gpio0\",\"kind\":"
                + "\"dropped\",\"count\":" + recording.lost() + "}");

        String text = export(recording, Format.VCD);
        Vcd vcd = Vcd.parse(text);
        assertThat(vcd.comments()).contains("the recording was full: it kept its first 5 activities and lost the "
                + recording.lost() + " after them (gpio0 " + recording.lost() + "); the lines of gpio0 are unknown"
                + " from here on");
        long lostAt = firstLost - recording.start().nanos();
        assertThat(vcd.waves().values()).allSatisfy(wave -> {
            assertThat(wave.getLast().value()).matches("x+");
            assertThat(wave.getLast().time()).isEqualTo(lostAt);
        });
        Map<String, List<Vcd.Change>> kept = Waves.of(recording.start(), seen.subList(0, 5), NAMES);
        kept.forEach((signal, wave) -> assertThat(vcd.waves().get(signal).subList(0, wave.size())).isEqualTo(wave));
        Path file = dir.resolve("full.vcd");
        Files.writeString(file, text);
        Gtkwave.check(file, vcd);
    }

    @Test
    void aRecordingKeepsAtLeastOneActivity() {
        assertThatThrownBy(() -> new Recording(monitor.devices(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a recording keeps at least 1 activity, not 0");
    }
}
