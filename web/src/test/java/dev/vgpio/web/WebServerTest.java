package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.PickedLines;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET"));
    private final GpioController controller = new GpioController(chip);
    private final Monitor monitor = new Monitor();
    private WebServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private WebServer serve(String token) throws IOException {
        monitor.watch("gpio0", Path.of("gpio.sock"), controller, chip, null);
        monitor.start();
        server = WebServer.start(new HttpOptions("127.0.0.1", 0, token), monitor);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        monitor.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body, String contentType)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String body) throws Exception {
        return send("PUT", path, body, "application/json");
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return JSON.readTree(r.body());
    }

    /** A request written by hand, for headers java.net.http does not let a client set (Host). */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The status line of the answer to a request written by hand (for one that keeps the connection open). */
    private String statusLine(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void listsDevicesAndLines() throws Exception {
        serve(null);
        HttpResponse<String> r = get("/api/devices");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode d = json(r).get(0);
        assertThat(d.get("name").asText()).isEqualTo("gpio0");
        assertThat(d.get("label").asText()).isEqualTo("board");
        assertThat(d.get("lines")).hasSize(3);
        JsonNode button = d.get("lines").get(1);
        assertThat(button.get("name").asText()).isEqualTo("BUTTON");
        assertThat(button.get("direction").asText()).isEqualTo("released");
        assertThat(button.get("driver").asText()).isEqualTo("nobody");
        assertThat(button.get("stimulus").isNull()).isTrue();
        assertThat(json(get("/api/devices/gpio0/lines/RESET")).get("line").asInt()).isEqualTo(2);
        assertThat(json(get("/api")).get("devices").get(0).asText()).isEqualTo("gpio0");
    }

    @Test
    void drivesASimulatedInputAndRefusesTheGuestsOutput() throws Exception {
        serve(null);
        HttpResponse<String> r = put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": 1}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(chip.drivenLevel(1)).isEqualTo(1);
        await().until(() -> json(get("/api/devices/gpio0/lines/1")).get("level").asInt() == 1);
        assertThat(json(get("/api/devices/gpio0/lines/1")).get("driver").asText()).isEqualTo("host");

        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        HttpResponse<String> out = put("/api/devices/gpio0/lines/LED/level", "{\"level\": 1}");
        assertThat(out.statusCode()).isEqualTo(409);
        assertThat(json(out).get("reason").asText()).isEqualTo("GUEST_OUTPUT");
        assertThat(json(out).get("error").asText()).contains("the guest's output");
        assertThat(chip.drivenLevel(0)).as("nothing changed").isZero();
    }

    @Test
    void aRealHostLineIsNeverDriven() throws Exception {
        SimulatedChip sims = new SimulatedChip("sims", List.of("BUTTON"));
        SimulatedChip host = new SimulatedChip("host", List.of("RELAY")); // stands for a host chip: not `sim`
        PickedLines lines = new PickedLines("mixed", List.of(new PickedLines.Pick(host, 0, "RELAY"),
                new PickedLines.Pick(sims, 0, "BUTTON")));
        monitor.watch("gpio0", Path.of("m.sock"), new GpioController(lines), sims, null);
        monitor.start();
        server = WebServer.start(new HttpOptions("127.0.0.1", 0, null), monitor);
        HttpResponse<String> r = put("/api/devices/gpio0/lines/RELAY/level", "{\"level\": 1}");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(json(r).get("reason").asText()).isEqualTo("NOT_SIMULATED");
        assertThat(host.drivenLevel(0)).isZero();
        assertThat(put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": true}").statusCode()).isEqualTo(200);
        assertThat(sims.drivenLevel(0)).isEqualTo(1);
        assertThat(json(get("/api/devices/gpio0")).get("lines").get(0).get("simulated").asBoolean()).isFalse();
    }

    @Test
    void everyBadRequestGetsA4xxWithAJsonMessageAndChangesNothing() throws Exception {
        serve(null);
        String level = "/api/devices/gpio0/lines/BUTTON/level";
        record Bad(String method, String path, String body, String type, int status, String says) {
        }
        for (Bad b : List.of(
                new Bad("PUT", level, "{\"level\": 2}", "application/json", 400, "0 or 1"),
                new Bad("PUT", level, "{\"level\": 1, \"x\": 0}", "application/json", 400, "unknown field \"x\""),
                new Bad("PUT", level, "{\"level\": 1", "application/json", 400, "not JSON"),
                new Bad("PUT", level, "[1]", "application/json", 400, "JSON object"),
                new Bad("PUT", level, "{\"level\": 1, \"level\": 0}", "application/json", 400, "not JSON"),
                new Bad("PUT", level, "level=1", "application/x-www-form-urlencoded", 415, "JSON"),
                new Bad("PUT", level, "{\"level\": 1}", null, 415, "Content-Type"),
                new Bad("PUT", "/api/devices/gpio9/lines/0/level", "{\"level\": 1}", "application/json", 404,
                        "no device named \"gpio9\""),
                new Bad("PUT", "/api/devices/gpio0/lines/SWITCH/level", "{\"level\": 1}", "application/json", 404,
                        "no line named \"SWITCH\""),
                new Bad("PUT", "/api/devices/gpio0/lines/7/level", "{\"level\": 1}", "application/json", 404,
                        "does not exist"),
                new Bad("POST", "/api/devices/gpio0/lines/1/stimulus", "{\"kind\": \"saw\"}", "application/json",
                        400, "unknown stimulus kind"),
                new Bad("POST", "/api/devices/gpio0/lines/1/stimulus", "{\"kind\": \"pulse\", \"widthUs\": 1}",
                        "application/json", 400, "width must be from 100 us"),
                new Bad("POST", "/api/devices/gpio0/lines/1/stimulus", "{\"kind\": \"toggle\"}",
                        "application/json", 400, "give \"count\""),
                new Bad("DELETE", "/api/devices/gpio0/lines/1/stimulus", null, null, 404, "no stimulus runs"),
                new Bad("PUT", level, "{\"level\": 1, \"pad\": \"" + "x".repeat(20_000) + "\"}",
                        "application/json", 413, ""),
                new Bad("GET", "/api/nothing", null, null, 404, "nothing at /api/nothing"),
                new Bad("POST", "/api/devices", "{}", "application/json", 405, "not allowed"))) {
            HttpResponse<String> r = send(b.method(), b.path(), b.body(), b.type());
            assertThat(r.statusCode()).as("%s %s %s: %s", b.method(), b.path(), b.body(), r.body())
                    .isEqualTo(b.status());
            assertThat(json(r).get("error").asText()).as(b.toString()).contains(b.says());
        }
        for (int i = 0; i < 3; i++) {
            assertThat(chip.drivenLevel(i)).as("line %d unchanged", i).isZero();
        }
    }

    @Test
    void eachRefusalHasAReasonAProgramCanTest() throws Exception {
        serve(null);
        assertThat(json(get("/api/devices/gpio9")).get("reason").asText()).isEqualTo("NO_SUCH_DEVICE");
        assertThat(json(get("/api/devices/gpio0/lines/9")).get("reason").asText()).isEqualTo("NO_SUCH_LINE");
        assertThat(json(send("DELETE", "/api/devices/gpio0/lines/1/stimulus", null, null)).get("reason").asText())
                .isEqualTo("NO_STIMULUS");
        assertThat(json(get("/api/trace")).get("reason").asText()).isEqualTo("NO_RECORDING");
        HttpResponse<String> notJson = send("PUT", "/api/devices/gpio0/lines/1/level", "{\"level\": 1}",
                "application/jsonx");
        assertThat(notJson.statusCode()).isEqualTo(415);
        assertThat(json(notJson).get("reason").asText()).isEqualTo("NOT_JSON");
        HttpResponse<String> big = send("PUT", "/api/devices/gpio0/lines/1/level", "{\"level\": 1, \"p\": \""
                + "x".repeat(20_000) + "\"}", "application/json");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(json(big).get("reason").asText()).isEqualTo("TOO_LARGE");
        HttpResponse<String> plain = get("/api/events");
        assertThat(plain.statusCode()).isEqualTo(426);
        assertThat(json(plain).get("error").asText()).contains("is a WebSocket");
        HttpResponse<String> trace = send("POST", "/api/trace", "{\"x\": 1}", "application/json");
        assertThat(json(trace).get("error").asText()).isEqualTo("unknown field \"x\": this request takes no"
                + " fields: send {}");
    }

    @Test
    void aMalformedCharsetOrAnUnknownStreamFilterIsA4xxNotA500() throws Exception {
        serve(null);
        String bogus = raw("GET /api HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type:"
                + " application/json; charset=bogus\r\nConnection: close\r\n\r\n");
        assertThat(bogus).startsWith("HTTP/1.1 200");
        String empty = raw("PUT /api/devices/gpio0/lines/1/level?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nContent-Type: application/json; charset\r\nContent-Length: 11\r\nConnection: close"
                + "\r\n\r\n{\"level\":1}");
        assertThat(empty).doesNotStartWith("HTTP/1.1 500");
        String foreign = raw("GET /api HTTP/1.1\r\nHost: evil.example\r\nContent-Type: text/plain; charset=x\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(foreign).startsWith("HTTP/1.1 421");
        String kinds = statusLine("GET /api/events?kinds=edges HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(kinds).startsWith("HTTP/1.1 400");
        // a '%' at the end of a path reaches the routes, whose decoder failed (a 500); Jetty refuses "%zz" itself
        String trailing = raw("GET /api/devices/gpio0/lines/%20RESET;%20%2 HTTP/1.1\r\nHost: 127.0.0.1:"
                + server.port() + "\r\nConnection: close\r\n\r\n");
        assertThat(trailing).startsWith("HTTP/1.1 400").contains("\"MALFORMED\"").contains("\\\"%2\\\" is not");
        assertThat(raw("GET /api/devices/gpio%zz/lines/1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void aDriveAnswersWithTheNewLevel() throws Exception {
        serve(null);
        for (int level : new int[] {1, 0, 1, 0}) {
            HttpResponse<String> r = put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": " + level + "}");
            assertThat(json(r).get("level").asInt()).isEqualTo(level);
        }
    }

    @Test
    void stimuliStartAndStop() throws Exception {
        serve(null);
        String path = "/api/devices/gpio0/lines/BUTTON/stimulus";
        HttpResponse<String> r = send("POST", path, "{\"kind\": \"square\", \"periodUs\": 2000}",
                "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(json(r).get("stimulus").asText()).isEqualTo("square");
        HttpResponse<String> busy = put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": 1}");
        assertThat(busy.statusCode()).isEqualTo(409);
        assertThat(json(busy).get("reason").asText()).isEqualTo("BUSY");
        HttpResponse<String> stopped = send("DELETE", path, null, null);
        assertThat(stopped.statusCode()).isEqualTo(200);
        assertThat(json(stopped).get("stopped").asText()).isEqualTo("square");
        assertThat(send("POST", path, "{\"kind\": \"pulse\", \"widthUs\": 5000}", "application/json").statusCode())
                .isEqualTo(202);
    }

    @Test
    void aForeignHostOrOriginIsRefused() throws Exception {
        serve(null);
        String evil = raw("GET /api/devices HTTP/1.1\r\nHost: evil.example:" + server.port()
                + "\r\nConnection: close\r\n\r\n");
        assertThat(evil).startsWith("HTTP/1.1 421").contains("is not this server's");
        String rebinding = raw("PUT /api/devices/gpio0/lines/BUTTON/level HTTP/1.1\r\nHost: 127.0.0.1:"
                + server.port() + "\r\nOrigin: http://evil.example\r\nContent-Type: application/json\r\n"
                + "Content-Length: 11\r\nConnection: close\r\n\r\n{\"level\":1}");
        assertThat(rebinding).startsWith("HTTP/1.1 403").contains("only this server's own pages");
        assertThat(chip.drivenLevel(1)).isZero();
        String own = raw("PUT /api/devices/gpio0/lines/BUTTON/level HTTP/1.1\r\nHost: localhost:" + server.port()
                + "\r\nOrigin: http://localhost:" + server.port() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 11\r\nConnection: close\r\n\r\n{\"level\":1}");
        assertThat(own).startsWith("HTTP/1.1 200");
        assertThat(chip.drivenLevel(1)).isEqualTo(1);
    }

    @Test
    void aBase64TokenWithAPlusLogsInByItsLinkAndOtherQueryPartsStay() throws Exception {
        String token = "ab+cd/ef=gh-ij_kl~mn";
        serve(token);
        HttpResponse<String> login = get("/index.html?token=" + token + "&theme=dark");
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location").orElse("")).endsWith("/index.html?theme=dark");
        assertThat(login.headers().firstValue("Set-Cookie").orElse("")).startsWith(HttpGuard.COOKIE + "=" + token
                + ";");
        assertThatThrownBy(() -> HttpOptions.parse("8080", Files.writeString(dir.resolve("t"), "semi;colon-token-x")))
                .hasMessageContaining("A-Z a-z 0-9");
    }

    @Test
    void withATokenEveryRequestNeedsIt() throws Exception {
        String token = "s3cret-token-for-tests";
        serve(token);
        assertThat(get("/api/devices").statusCode()).isEqualTo(401);
        assertThat(get("/").statusCode()).as("the panel too").isEqualTo(401);
        HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(uri("/api/devices"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bearer.statusCode()).isEqualTo(200);
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri("/api/devices"))
                .header("Authorization", "Bearer " + token + "x").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> login = get("/?token=" + token);
        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        HttpResponse<String> panel = http.send(HttpRequest.newBuilder(uri("/"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(panel.statusCode()).isEqualTo(200);
        assertThat(get("/?token=nope").statusCode()).isEqualTo(401);
        HttpResponse<String> lower = http.send(HttpRequest.newBuilder(uri("/api/devices"))
                .header("Authorization", "bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lower.statusCode()).as("the scheme in any case (RFC 9110)").isEqualTo(200);
    }

    @Test
    void theEventStreamSendsASnapshotThenTheGuestsRequestsAndLineChanges() throws Exception {
        serve(null);
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port()
                + "/api/events"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                messages.add(JSON.readTree(text.toString()));
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                            text.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        await().until(() -> !messages.isEmpty());
        assertThat(messages.getFirst().get("type").asText()).isEqualTo("snapshot");
        assertThat(messages.getFirst().get("devices").get(0).get("lines")).hasSize(3);
        await().until(() -> server.stream().subscribers() == 1);
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        controller.handle(MessageType.SET_VALUE.code(), 0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> messages.stream().skip(1)
                .flatMap(m -> java.util.stream.StreamSupport.stream(m.get("events").spliterator(), false))
                .filter(e -> e.get("kind").asText().equals("line") && e.get("level").asInt() == 1).count() == 1);
        List<JsonNode> events = messages.stream().skip(1)
                .flatMap(m -> java.util.stream.StreamSupport.stream(m.get("events").spliterator(), false)).toList();
        JsonNode request = events.stream().filter(e -> e.get("kind").asText().equals("request")).findFirst()
                .orElseThrow();
        assertThat(request.get("type").asText()).isEqualTo("SET_DIRECTION");
        assertThat(request.get("name").asText()).isEqualTo("LED");
        assertThat(request.get("ok").asBoolean()).isTrue();
        assertThat(request.get("t").asLong()).isPositive();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
        await().until(() -> server.stream().subscribers() == 0);
    }

    @Test
    void aStreamCanBeFilteredByKind() throws Exception {
        serve(null);
        List<String> texts = new CopyOnWriteArrayList<>();
        http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port()
                + "/api/events?kinds=driven"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        texts.add(data.toString());
                        w.request(1);
                        return null;
                    }
                }).join();
        await().until(() -> server.stream().subscribers() == 1);
        controller.handle(MessageType.GET_VALUE.code(), 1, 0);
        put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": 1}");
        await().until(() -> texts.size() >= 2);
        assertThat(texts.get(1)).contains("\"kind\":\"driven\"").doesNotContain("\"request\"")
                .doesNotContain("\"kind\":\"line\"");
    }

    @Test
    void aRecordingStartsStopsAndExportsAsVcdOrJsonLines() throws Exception {
        serve(null);
        assertThat(get("/api/trace").statusCode()).as("nothing recorded yet").isEqualTo(404);
        assertThat(send("DELETE", "/api/trace", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> start = send("POST", "/api/trace", "{}", "application/json");
        assertThat(start.statusCode()).as(start.body()).isEqualTo(201);
        assertThat(json(start).get("recording").asBoolean()).isTrue();
        HttpResponse<String> again = send("POST", "/api/trace", "{}", "application/json");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(send("POST", "/api/trace", "{\"x\": 1}", "application/json").statusCode()).isEqualTo(400);
        controller.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        controller.handle(MessageType.SET_VALUE.code(), 0, 1);
        put("/api/devices/gpio0/lines/BUTTON/level", "{\"level\": 1}");
        await().until(() -> get("/api/trace?format=jsonl").body().contains("\"kind\":\"driven\""));
        HttpResponse<String> stop = send("DELETE", "/api/trace", null, null);
        assertThat(stop.statusCode()).isEqualTo(200);
        assertThat(json(stop).get("activities").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(json(stop).get("lost").asLong()).isZero();
        HttpResponse<String> vcd = get("/api/trace");
        assertThat(vcd.statusCode()).isEqualTo(200);
        assertThat(vcd.headers().firstValue("Content-Disposition").orElse("")).contains("vgpio-trace.vcd");
        assertThat(vcd.body()).contains("$timescale").contains("$scope module gpio0 $end").contains(" LED $end")
                .contains("$enddefinitions");
        HttpResponse<String> lines = get("/api/trace?format=jsonl");
        for (String line : lines.body().lines().toList()) {
            assertThat(JSON.readTree(line).get("kind")).as(line).isNotNull();
        }
        assertThat(lines.body()).contains("\"type\":\"SET_VALUE\"");
        HttpResponse<String> bad = get("/api/trace?format=fst");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).contains("vcd").contains("jsonl");
        controller.handle(MessageType.SET_VALUE.code(), 0, 0);
        Thread.sleep(50);
        assertThat(get("/api/trace?format=jsonl").body()).as("stopped: no later activity")
                .isEqualTo(lines.body());
    }

    @Test
    void optionsRefuseAnOpenAddressWithoutAToken() throws Exception {
        assertThatThrownBy(() -> HttpOptions.parse("0.0.0.0:8080", null)).hasMessageContaining("--http-token-file");
        assertThat(HttpOptions.parse("8080", null)).isEqualTo(new HttpOptions("127.0.0.1", 8080, null));
        assertThat(HttpOptions.parse("[::1]:81", null).host()).isEqualTo("::1");
        assertThatThrownBy(() -> HttpOptions.parse("localhost:http", null)).hasMessageContaining("not a port");
        Path token = dir.resolve("token");
        Files.writeString(token, "short\n");
        assertThatThrownBy(() -> HttpOptions.parse("0.0.0.0:8080", token)).hasMessageContaining("at least 16");
        Files.writeString(token, "a-long-enough-secret\n");
        assertThat(HttpOptions.parse("0.0.0.0:8080", token).token()).isEqualTo("a-long-enough-secret");
        assertThatThrownBy(() -> HttpOptions.parse("8080", dir.resolve("none"))).hasMessageContaining("no such file");
    }
}
