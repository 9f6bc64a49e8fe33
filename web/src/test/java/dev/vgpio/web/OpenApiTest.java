package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.Monitor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document the daemon serves ({@code /api/openapi.json}, docs/http-api.md) is OpenAPI 3.1 with what a
 * validator needs, and it describes exactly the routes the server answers: every documented operation, sent to a
 * running {@link WebServer}, gets past the router (no 404 "nothing at", no 405), and every other method on the
 * documented paths, and a few paths that are not documented, get the router's 404 or 405; and Javalin's route
 * table holds exactly the documented routes.
 */
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH");
    /**
     * Documented routes the server does not answer yet, such as "POST /api/trace" (the trace routes were, until
     * they were served). The test checks that each still gets the router's 404, so that the list is emptied as soon
     * as the server answers them; every other documented route must be answered.
     */
    private static final Set<String> PENDING = Set.of();

    private final SimulatedChip chip = new SimulatedChip("board", List.of("LED", "BUTTON", "RESET"));
    private final Monitor monitor = new Monitor();
    private WebServer server;

    @BeforeEach
    void serve() throws IOException {
        monitor.watch("gpio0", Path.of("gpio.sock"), new GpioController(chip), chip, null);
        monitor.start();
        server = WebServer.start(new HttpOptions("127.0.0.1", 0, null), monitor);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        monitor.close();
    }

    private static JsonNode document() throws IOException {
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.json")) {
            assertThat(in).as("openapi.json on the class path").isNotNull();
            return JSON.readTree(in);
        }
    }

    @Test
    void isOpenApi31WithWhatAValidatorNeeds() throws IOException {
        JsonNode doc = document();
        assertThat(doc.path("openapi").asText()).matches("3\\.1\\.\\d+");
        assertThat(doc.path("info").path("title").asText()).isNotBlank();
        assertThat(doc.path("info").path("version").asText()).isNotBlank();
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(names(schemas)).contains("Device", "Line", "Error", "Stimulus", "Event", "TraceStarted",
                "TraceStopped", "SnapshotMessage", "EventsMessage");
        for (String kind : dev.vgpio.monitor.ActivityJson.KINDS) {
            String schema = Character.toUpperCase(kind.charAt(0)) + kind.substring(1) + "Event";
            assertThat(schemas.has(schema)).as("a schema for event kind %s", kind).isTrue();
            assertThat(doc.at("/components/schemas/Event/discriminator/mapping/" + kind).asText())
                    .isEqualTo("#/components/schemas/" + schema);
        }
        assertThat(JSON.convertValue(doc.at("/components/schemas/EventKind/enum"), List.class))
                .as("the kinds the server lists").isEqualTo(dev.vgpio.monitor.ActivityJson.KINDS);
        Set<String> operationIds = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> path : fields(doc.path("paths"))) {
            assertThat(path.getKey()).startsWith("/");
            Set<String> templated = new TreeSet<>();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(path.getKey());
            while (m.find()) {
                templated.add(m.group(1));
            }
            for (Map.Entry<String, JsonNode> op : fields(path.getValue())) {
                if (op.getKey().equals("parameters")) {
                    continue;
                }
                assertThat(METHODS).as("method %s of %s", op.getKey(), path.getKey())
                        .contains(op.getKey().toUpperCase(Locale.ROOT));
                String where = op.getKey() + " " + path.getKey();
                assertThat(operationIds.add(op.getValue().path("operationId").asText()))
                        .as("%s has an operationId of its own", where).isTrue();
                assertThat(op.getValue().path("responses").size()).as("%s has responses", where).isPositive();
                for (Map.Entry<String, JsonNode> r : fields(op.getValue().path("responses"))) {
                    assertThat(r.getKey()).as("%s: a status code", where).matches("[1-5]\\d\\d");
                    JsonNode resolved = resolve(doc, r.getValue());
                    assertThat(resolved.path("description").asText()).as("%s %s: a description", where,
                            r.getKey()).isNotBlank();
                }
                Set<String> declared = new TreeSet<>();
                for (JsonNode p : concat(path.getValue().path("parameters"), op.getValue().path("parameters"))) {
                    JsonNode param = resolve(doc, p);
                    assertThat(param.path("name").asText()).isNotBlank();
                    assertThat(param.path("in").asText()).isIn("path", "query", "header", "cookie");
                    if (param.path("in").asText().equals("path")) {
                        assertThat(param.path("required").asBoolean()).as("path parameter %s is required",
                                param.path("name").asText()).isTrue();
                        declared.add(param.path("name").asText());
                    }
                }
                assertThat(declared).as("the path parameters of %s", where).isEqualTo(templated);
            }
        }
        checkRefs(doc, doc);
    }

    /** Every {@code $ref} points at something in the document. */
    private static void checkRefs(JsonNode doc, JsonNode node) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                assertThat(ref.asText()).startsWith("#/");
                assertThat(doc.at(ref.asText().substring(1)).isMissingNode()).as("%s resolves", ref.asText())
                        .isFalse();
            }
            for (Map.Entry<String, JsonNode> f : fields(node)) {
                checkRefs(doc, f.getValue());
            }
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                checkRefs(doc, n);
            }
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        JsonNode ref = node.get("$ref");
        return ref == null ? node : doc.at(ref.asText().substring(1));
    }

    @Test
    void theServerServesTheDocument() throws IOException {
        String r = raw("GET", "/api/openapi.json", null);
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(JSON.readTree(body(r))).isEqualTo(document());
    }

    @Test
    void theDocumentedRoutesAreExactlyTheOnesTheServerAnswers() throws IOException {
        JsonNode doc = document();
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : fields(doc.path("paths"))) {
            for (Map.Entry<String, JsonNode> op : fields(path.getValue())) {
                if (!op.getKey().equals("parameters")) {
                    documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        assertThat(documented).containsAll(PENDING);
        Set<String> pendingAndUnserved = new TreeSet<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : fields(doc.path("paths"))) {
            for (String method : METHODS) {
                String route = method + " " + path.getKey();
                Answer answer = request(method, path.getKey());
                boolean routed = answer.routed();
                if (documented.contains(route)) {
                    assertThat(answer.status()).as("%s passes the checks: %s", route, answer.text())
                            .isNotIn(401, 403, 415, 421, 500);
                    if (PENDING.contains(route)) {
                        if (!routed) {
                            pendingAndUnserved.add(route);
                        }
                    } else if (!routed) {
                        wrong.add(route + " is documented but the server does not answer it: "
                                + firstLine(answer.text()));
                    }
                } else if (routed) {
                    wrong.add(route + " is not documented but the server answers it: " + firstLine(answer.text()));
                }
            }
        }
        for (String path : List.of("/api/nothing", "/api/devices/gpio0/lines", "/api/devices/gpio0/lines/BUTTON/x",
                "/api/device", "/apix", "/api/devices/gpio0/stimulus", "/api/trace/now")) {
            for (String method : METHODS) {
                if (request(method, path).routed()) {
                    wrong.add(method + " " + path + " is not documented but the server answers it");
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(pendingAndUnserved).as("documented routes still pending; once the server answers them, remove"
                + " them from OpenApiTest.PENDING").isEqualTo(PENDING);
    }

    /**
     * The same from the inside: the routes in Javalin's route table (and the panel, which the static files serve)
     * are the documented ones but the pending.
     */
    @Test
    void theRouteTableHasTheDocumentedRoutes() throws Exception {
        java.lang.reflect.Field field = WebServer.class.getDeclaredField("app");
        field.setAccessible(true);
        io.javalin.Javalin app = (io.javalin.Javalin) field.get(server);
        Set<String> table = new TreeSet<>();
        table.add("GET /");
        for (io.javalin.router.ParsedEndpoint e : app.unsafe.internalRouter.allHttpHandlers()) {
            if (METHODS.contains(e.endpoint.method.name())) {
                table.add(e.endpoint.method.name() + " " + e.endpoint.path);
            }
        }
        for (io.javalin.websocket.WsHandlerEntry e : app.unsafe.internalRouter.allWsHandlers()) {
            if (e.getType() == io.javalin.websocket.WsHandlerType.WEBSOCKET) {
                table.add("GET " + e.getPath());
            }
        }
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : fields(document().path("paths"))) {
            for (Map.Entry<String, JsonNode> op : fields(path.getValue())) {
                String route = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                if (!op.getKey().equals("parameters") && !PENDING.contains(route)) {
                    documented.add(route);
                }
            }
        }
        assertThat(table).isEqualTo(documented);
    }

    /** What the server answered: the status, and whether the request got past the router. */
    private record Answer(int status, boolean routed, String text) {
    }

    /** A request that passes the server's checks, to {@code template} with its parameters filled in. */
    private Answer request(String method, String template) throws IOException {
        String path = template.replace("{device}", "gpio0").replace("{line}", "BUTTON");
        if (method.equals("GET") && path.equals("/api/events")) {
            String head = raw(method, path, null, "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13");
            return new Answer(status(head), status(head) == 101, head);
        }
        String body = switch (method) {
            case "GET", "DELETE" -> null;
            default -> path.endsWith("/level") ? "{\"level\": 1}" : path.endsWith("/stimulus")
                    ? "{\"kind\": \"pulse\", \"widthUs\": 1000}" : "{}";
        };
        if (method.equals("GET") && path.equals("/api/trace")) {
            path += "?format=vcd";
        }
        String r = raw(method, path, body);
        monitor.stimuli().stop(monitor.device("gpio0"), 1);
        int status = status(r);
        // the router's answers: 405, or 404 "nothing at" (reason NOT_FOUND); a 404 of a route (no such device or
        // stimulus) has another reason
        boolean router = status == 405 || status == 404
                && JSON.readTree(body(r)).path("reason").asText().equals("NOT_FOUND");
        return new Answer(status, !router, r);
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    private static String firstLine(String response) {
        int end = response.indexOf('\r');
        return (end < 0 ? response : response.substring(0, end)) + " " + (response.contains("\r\n\r\n")
                ? body(response) : "");
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /** One request written by hand (Connection: close), the whole response as text; a 101 stops at its head. */
    private String raw(String method, String path, String body, String... headers) throws IOException {
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            req.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        if (headers.length == 0) {
            req.append("Connection: close\r\n");
        }
        req.append("\r\n");
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            if (headers.length > 0) {
                byte[] head = new byte[12];
                int n = in.readNBytes(head, 0, head.length);
                return new String(head, 0, n, StandardCharsets.US_ASCII) + "\r\n\r\n";
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<Map.Entry<String, JsonNode>> fields(JsonNode object) {
        return new ArrayList<>(object.properties());
    }

    private static List<JsonNode> concat(JsonNode a, JsonNode b) {
        List<JsonNode> all = new ArrayList<>();
        a.forEach(all::add);
        b.forEach(all::add);
        return all;
    }
}
