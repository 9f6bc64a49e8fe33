package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.web.WebServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCommandTest {
    @TempDir
    Path dir;

    private final BenchFixture bench;
    private final Monitor monitor;
    private final WatchedDevice device;
    private final WebServer web;

    TraceCommandTest() throws Exception {
        bench = new BenchFixture();
        monitor = bench.monitor;
        device = bench.device;
        web = bench.web;
    }

    @AfterEach
    void stop() {
        bench.close();
    }

    private CliRun trace(String... args) {
        CliRun run = new CliRun();
        List<String> all = new java.util.ArrayList<>(List.of("trace"));
        all.addAll(List.of(args));
        all.addAll(List.of("-u", web.url()));
        run.execute(all.toArray(String[]::new));
        return run;
    }

    @Test
    void startStopAndExportAsVcdAndJsonLines() throws Exception {
        CliRun start = trace("start");
        assertThat(start.out.toString()).as(start.err.toString()).startsWith("recording;");
        assertThat(trace("start").err.toString()).as("one at a time").startsWith("vgpio trace start: a recording runs"
                + " already");
        device.drive(1, 1);
        device.drive(1, 0);
        assertThat(monitor.awaitHandedOver(java.time.Duration.ofSeconds(5))).isTrue();
        CliRun stop = trace("stop");
        assertThat(stop.out.toString()).as(stop.err.toString()).matches("stopped: \\d+ events recorded\\n");
        Path vcd = dir.resolve("run.vcd");
        CliRun export = trace("export", "-o", vcd.toString());
        assertThat(export.err.toString()).startsWith("wrote " + vcd);
        assertThat(Files.readString(vcd)).contains("$scope module gpio0 $end").contains(" BUTTON $end")
                .contains("$enddefinitions $end");
        CliRun jsonl = trace("export", "--format", "jsonl");
        assertThat(jsonl.out.toString().lines().filter(l -> l.contains("\"kind\":\"driven\""))).hasSize(2);
        assertThat(trace("export", "--format", "fst").err.toString()).contains("--format fst: give vcd or jsonl");
    }

    @Test
    void withNothingRecordedOrNoBenchTheErrorIsOneLine() {
        assertThat(trace("stop").err.toString()).isEqualTo("vgpio trace stop: no recording runs: start one with POST"
                + " /api/trace\n");
        CliRun none = new CliRun();
        assertThat(none.execute("trace", "start", "-u", "http://127.0.0.1:1/")).isEqualTo(1);
        assertThat(none.err.toString()).isEqualTo("vgpio trace start: cannot reach the test bench at"
                + " http://127.0.0.1:1/ (connection refused): is `vgpio serve --http` running there?\n");
    }
}
