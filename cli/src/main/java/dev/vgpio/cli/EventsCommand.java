package dev.vgpio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vgpio events}: the test bench's event stream as JSON lines, for scripts and for a look at the activity. */
@Command(name = "events", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Print what the guest and the host do on the devices of a test bench, as it happens.",
            "Reads the event stream of 'vgpio serve --http' (its WebSocket /api/events) and prints each event as one"
                + " JSON object per line: every guest request with its answer, every interrupt and edge, every level"
                + " the host drives, and each line's new view when it changes (docs/http-api.md lists the fields;"
                + " t is the daemon's CLOCK_MONOTONIC in nanoseconds). Runs until interrupted, or for -n events."},
        footer = {"", "Examples:", "  vgpio events", "  vgpio events --kinds line,driven -n 10",
            "  vgpio events -u http://127.0.0.1:8080/ --devices gpio0 | jq .kind"})
final class EventsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    BenchUrl bench;

    @Option(names = {"-k", "--kinds"}, paramLabel = "KIND,...", description = "Only these kinds: request, interrupt,"
            + " unmask, edge, driven, reset, detached, stimulus, line, dropped (default all).")
    String kinds;

    @Option(names = {"-d", "--devices"}, paramLabel = "NAME,...", description = "Only these devices (gpio0, ...).")
    String devices;

    @Option(names = {"-n", "--num-events"}, paramLabel = "N", description = "Exit after N events.")
    Integer count;

    @Option(names = "--snapshot", description = "Print the devices' state first, as the stream's first message has"
            + " it (one JSON object).")
    boolean snapshot;

    @Override
    public Integer call() throws Exception {
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--num-events must be 1 or more");
        }
        StringBuilder query = new StringBuilder("api/events");
        char sep = '?';
        for (String[] p : new String[][] {{"kinds", kinds}, {"devices", devices}}) {
            if (p[1] != null) {
                query.append(sep).append(p[0]).append('=').append(java.net.URLEncoder.encode(p[1],
                        java.nio.charset.StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        AtomicReference<String> closed = new AtomicReference<>();
        WebSocket ws;
        try {
            WebSocket.Builder b = BenchUrl.client().newWebSocketBuilder();
            String token = bench.token();
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            ws = b.buildAsync(bench.websocket(query.toString()), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        messages.add(text.toString());
                        text.setLength(0); // the next message is asked for once this one is printed
                    } else {
                        w.request(1);
                    }
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                    closed.set("the bench closed the stream (" + status + (reason.isEmpty() ? "" : ": " + reason)
                            + ")");
                    messages.add("");
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public void onError(WebSocket w, Throwable error) {
                    closed.set("the stream failed: " + error);
                    messages.add("");
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException) {
                return fail(refusal(query.toString()));
            }
            return fail(bench.unreachable(e.getCause() instanceof Exception c ? c : e));
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            return fail(bench.unreachable(e));
        }
        int printed = 0;
        try (StopSignals stop = StopSignals.install()) {
            while (count == null || printed < count) {
                String m = messages.poll(StopSignals.SLICE.toMillis(), TimeUnit.MILLISECONDS);
                if (m == null) {
                    if (stop.stopped()) {
                        break;
                    }
                    continue;
                }
                if (m.isEmpty()) {
                    return fail(closed.get());
                }
                ws.request(1); // backpressure: a stalled stdout stops the reading, and the bench drops us
                JsonNode node = JSON.readTree(m);
                if ("snapshot".equals(node.path("type").asText())) {
                    if (snapshot) {
                        out.println(m);
                    }
                } else {
                    for (JsonNode e : node.path("events")) {
                        out.println(JSON.writeValueAsString(e));
                        if (count != null && ++printed >= count) {
                            break;
                        }
                    }
                }
                out.flush();
            }
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(2, TimeUnit.SECONDS).exceptionally(t -> null);
        }
        return 0;
    }

    /**
     * Why the bench refused the stream's upgrade: a refused upgrade has no body, so the same address is asked
     * again without one, which gets the JSON error.
     */
    private String refusal(String path) {
        try {
            var r = BenchUrl.client().send(bench.request(path).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            return BenchUrl.errorOf(r.body(), "the bench refused the stream (HTTP " + r.statusCode() + ")");
        } catch (IOException e) {
            return "the bench refused the stream: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the bench refused the stream";
        }
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("vgpio events: " + message);
        spec.commandLine().getErr().flush();
        return 1;
    }
}
