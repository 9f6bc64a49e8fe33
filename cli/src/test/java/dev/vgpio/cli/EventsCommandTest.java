package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.web.WebServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventsCommandTest {
    private final BenchFixture bench;
    private final Monitor monitor;
    private final WatchedDevice device;
    private final WebServer web;

    EventsCommandTest() throws Exception {
        bench = new BenchFixture();
        monitor = bench.monitor;
        device = bench.device;
        web = bench.web;
    }

    @AfterEach
    void stop() {
        bench.close();
    }

    @Test
    void printsTheStreamAsJsonLines() throws Exception {
        CliRun run = new CliRun();
        CompletableFuture<Integer> events = CompletableFuture.supplyAsync(() -> run.execute("events", "-u", web.url(),
                "--kinds", "driven", "-n", "2"));
        await().until(() -> web.subscribers() == 1);
        device.drive(1, 1);
        device.drive(1, 0);
        assertThat(events.get(10, TimeUnit.SECONDS)).as(run.err.toString()).isZero();
        List<String> lines = run.out.toString().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines.getFirst());
        assertThat(first.get("kind").asText()).isEqualTo("driven");
        assertThat(first.get("name").asText()).isEqualTo("BUTTON");
        assertThat(first.get("level").asInt()).isEqualTo(1);
    }

    @Test
    void aBenchThatIsNotThereGetsOneLine() {
        CliRun run = new CliRun();
        assertThat(run.execute("events", "-u", "http://127.0.0.1:1/")).isEqualTo(1);
        assertThat(run.err.toString()).isEqualTo("vgpio events: cannot reach the test bench at http://127.0.0.1:1/"
                + " (connection refused): is `vgpio serve --http` running there?\n");
        CliRun kinds = new CliRun();
        assertThat(kinds.execute("events", "-u", web.url(), "--kinds", "edges")).isEqualTo(1);
        assertThat(kinds.err.toString()).startsWith("vgpio events: no event kind \"edges\": the kinds are request,");
        CliRun url = new CliRun();
        assertThat(url.execute("events", "-u", "ftp://x/")).isEqualTo(1);
        assertThat(url.err.toString()).contains("give the http:// address");
    }
}
