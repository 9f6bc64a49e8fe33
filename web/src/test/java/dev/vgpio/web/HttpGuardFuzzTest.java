package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.monitor.DriveException;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.WatchedDevice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes what decides whether a request is served: {@link HttpGuard#check} with any strings, and the same request
 * sent to two running {@link WebServer}s (one without a token, one with), plus the line a path names
 * ({@link WatchedDevice#resolve}). The input is UTF-8 text, one {@code field: value} a line: {@code bench}
 * ({@code open}, the default, or {@code token}), {@code method}, {@code path}, {@code query}, {@code host},
 * {@code origin}, {@code content-type}, {@code authorization}, {@code cookie} and {@code body}, and {@code line},
 * a line as a path names it, resolved directly; a header whose line is absent is not sent. In every value
 * {@code {port}} stands for the bench's port and {@code {token}} for its token.
 * The seeds are such text files: what the panel, curl and hostile pages send.
 *
 * <p>Invariants, for {@code check} called directly (the fields as they are, against both servers' guards and a
 * guard of {@code [::1]:80} with a token): the result is a refusal exactly when the Host is not one of the server's
 * names (421), else the Origin is present and not {@code http://} one of them (403), else the server has a token and
 * neither the bearer nor the cookie is it (401), else the request would change state and is not a POST, PUT or
 * DELETE (405), or is a POST or PUT whose content type is not {@code application/json} (415); the server's names
 * are exactly its loopback names with its port. For the running servers (CR, LF and the spaces around header values
 * removed, the path and query percent-encoded where they must be): no answer is a 500; a request is served (2xx or
 * 3xx) only if its Host is one of the server's, its Origin is absent or the server's, with a token it carries the
 * token (in the Authorization header, the cookie, or the login link's query), and, if its method changes state,
 * it is a DELETE or a POST or PUT of JSON; only the login link sets the cookie; a request that is not served
 * drives no line and starts no stimulus; a line served at {@code /api/devices/gpio0/lines/X} is the line whose offset
 * or name X is. {@code resolve} throws only a NO_SUCH_LINE {@link DriveException}, and what it resolves is the line
 * of that offset or name.
 */
class HttpGuardFuzzTest {
    private static final String TOKEN = "fuzz-token-0123456789";
    private static final List<String> NAMES = List.of("LED", "BUTTON", "RESET", "12");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINE_PATH = Pattern.compile("/api/devices/gpio0/lines/([^/?]+)/?");

    private static SimulatedChip chip;
    private static Monitor monitor;
    private static WatchedDevice device;
    private static WebServer open;
    private static WebServer locked;
    private static HttpGuard v6;

    @BeforeAll
    static void serve() throws IOException {
        chip = new SimulatedChip("board", NAMES);
        monitor = new Monitor();
        monitor.watch("gpio0", Path.of("gpio.sock"), new GpioController(chip), chip, null);
        monitor.start();
        device = monitor.device("gpio0");
        open = WebServer.start(new HttpOptions("127.0.0.1", 0, null), monitor);
        locked = WebServer.start(new HttpOptions("127.0.0.1", 0, TOKEN), monitor);
        assertThat(HttpGuard.ownHosts(new HttpOptions("::1", 80, TOKEN), 80)).isEqualTo(names("::1", 80));
        v6 = new HttpGuard(names("::1", 80), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (locked != null) {
            locked.close();
        }
        if (open != null) {
            open.close();
        }
        monitor.close();
    }

    /** The Host values a server bound to loopback address {@code bound} on {@code port} answers to, written out. */
    private static Set<String> names(String bound, int port) {
        List<String> all = bound.equals("::1")
                ? List.of("[::1]", "[0:0:0:0:0:0:0:1]", "localhost", "127.0.0.1")
                : List.of("127.0.0.1", "localhost", "[::1]");
        Set<String> hosts = new java.util.HashSet<>();
        for (String h : all) {
            hosts.add(h + ":" + port);
            if (port == 80) {
                hosts.add(h);
            }
        }
        return hosts;
    }

    /** libFuzzer's escape for a newline ({@code \x0a}) starts each field: an entry is one line of its dictionary. */
    @DictionaryEntries({"\\x0amethod: ", "\\x0apath: ", "\\x0aquery: ", "\\x0ahost: ", "\\x0aorigin: ",
        "\\x0acontent-type: ", "\\x0aauthorization: ", "\\x0acookie: ", "\\x0abody: ", "\\x0abench: token",
        "{port}", "{token}", "127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "http://", "https://", "null",
        "Bearer ", "bearer ", "vgpio_token=", "token=", "; ", "application/json", "text/plain", "GET", "PUT",
        "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "/api", "/api/devices", "/api/devices/gpio0",
        "/api/devices/gpio0/lines/", "/level", "/stimulus", "/api/events", "/api/openapi.json", "LED", "BUTTON",
        "{\"level\": 1}", "{\"kind\": \"pulse\"}", "%20", "%2F", "%00", "+"})
    @FuzzTest
    void requests(byte[] bytes) throws Exception {
        Map<String, String> f = parse(new String(bytes, StandardCharsets.UTF_8));
        checkDirect(f, open.port(), names("127.0.0.1", open.port()), null, new HttpGuard(
                names("127.0.0.1", open.port()), null));
        checkDirect(f, locked.port(), names("127.0.0.1", locked.port()), TOKEN, new HttpGuard(
                names("127.0.0.1", locked.port()), TOKEN));
        checkDirect(f, 80, names("::1", 80), TOKEN, v6);
        if (f.containsKey("line")) {
            checkResolve(f.get("line"));
        }
        WebServer server = "token".equals(f.get("bench")) ? locked : open;
        // Jazzer reports any connection as server-side request forgery; these go to the bench under test only
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections(
                (host, port) -> Set.of("127.0.0.1", "localhost").contains(host) && port == server.port())) {
            checkServer(f, server);
        }
    }

    /** The fields of the input; a later line of the same field wins. */
    private static Map<String, String> parse(String text) {
        Map<String, String> f = new HashMap<>();
        for (String l : text.split("\n", -1)) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                String value = l.substring(colon + 1);
                f.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), value.startsWith(" ")
                        ? value.substring(1) : value);
            }
        }
        return f;
    }

    private static String fill(String value, int port) {
        return value == null ? null : value.replace("{port}", Integer.toString(port)).replace("{token}", TOKEN);
    }

    private static boolean changesState(String method) {
        return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
    }

    /** The model's JSON: the media type before any parameters is application/json, in any case. */
    private static boolean json(String type) {
        return type != null && type.split(";", 2)[0].strip().equalsIgnoreCase("application/json");
    }

    private static void checkDirect(Map<String, String> f, int port, Set<String> hosts, String token, HttpGuard g) {
        String method = fill(f.getOrDefault("method", "GET"), port);
        String host = fill(f.get("host"), port);
        String origin = fill(f.get("origin"), port);
        String type = fill(f.get("content-type"), port);
        String auth = fill(f.get("authorization"), port);
        String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip() : null;
        String cookie = cookie(fill(f.get("cookie"), port));
        boolean changes = changesState(method);
        HttpGuard.Refusal r = g.check(method, host, origin, type, bearer, cookie, changes);
        boolean hostOk = host != null && hosts.contains(host.toLowerCase(Locale.ROOT));
        boolean originOk = origin == null || ownOrigin(origin, hosts);
        boolean tokenOk = token == null || token.equals(bearer) || token.equals(cookie);
        boolean methodOk = !changes || Set.of("POST", "PUT", "DELETE").contains(method);
        boolean jsonOk = !changes || method.equals("DELETE") || json(type);
        Integer expected = !hostOk ? Integer.valueOf(421) : !originOk ? Integer.valueOf(403) : !tokenOk
                ? Integer.valueOf(401) : !methodOk ? Integer.valueOf(405) : !jsonOk ? Integer.valueOf(415) : null;
        assertThat(r == null ? null : r.status()).as("%s %s, Host %s, Origin %s, type %s, bearer %s, cookie %s: %s",
                method, changes ? "(changes)" : "", host, origin, type, bearer, cookie, r).isEqualTo(expected);
        if (r != null) {
            assertThat(r.message()).isNotBlank();
        }
        assertThat(g.needsToken()).isEqualTo(token != null);
    }

    private static boolean ownOrigin(String origin, Set<String> hosts) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.startsWith("http://") && hosts.contains(o.substring("http://".length()));
    }

    /** The value of the vgpio_token cookie in a Cookie header, or null. */
    private static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String pair : header.split(";")) {
            String p = pair.strip();
            if (p.startsWith(HttpGuard.COOKIE + "=")) {
                return p.substring(HttpGuard.COOKIE.length() + 1);
            }
        }
        return null;
    }

    private static void checkResolve(String line) {
        int offset;
        try {
            offset = device.resolve(line);
        } catch (DriveException e) {
            assertThat(e.reason()).isEqualTo(DriveException.Reason.NO_SUCH_LINE);
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(isNamed(line, offset)).as("line %d is what \"%s\" names", offset, line).isTrue();
    }

    /**
     * Whether {@code given} names line {@code offset}: its offset in decimal, or else its name, with spaces and
     * control characters around it ignored ({@link String#trim}).
     */
    private static boolean isNamed(String given, int offset) {
        String s = given.trim();
        return s.matches("\\d{1,5}") ? Integer.parseInt(s) == offset : NAMES.get(offset).equals(s);
    }

    private static void checkServer(Map<String, String> f, WebServer server) throws Exception {
        int port = server.port();
        boolean withToken = server == locked;
        String method = clean(fill(f.getOrDefault("method", "GET"), port)).replaceAll("[\\s]", "");
        if (method.isEmpty()) {
            method = "GET";
        }
        // Jetty's parser reads ":GET" (HTTP/2's pseudo-header spelling) as GET: the server then serves a GET, so the
        // model's rules apply to the method Jetty saw, leading colons gone (seeds crash-colon-get-is-served-as-get,
        // crash-colons-get-is-served-as-get, crash-colon-head-has-no-body)
        String seen = method.replaceFirst("^:+", "");
        String path = encode(fill(f.getOrDefault("path", "/api"), port));
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        String query = f.containsKey("query") ? encode(fill(f.get("query"), port)) : null;
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (String h : List.of("host", "origin", "content-type", "authorization", "cookie")) {
            if (f.containsKey(h)) {
                headers.put(h, clean(fill(f.get(h), port)));
            }
        }
        String body = f.containsKey("body") ? fill(f.get("body"), port) : null;

        Answer a = send(port, method, path + (query == null ? "" : "?" + query), headers, body);
        String type = headers.get("content-type");
        // a charset Java does not know, or none after "charset", once made this a 500 (seeds crash-*-charset-*)
        assertThat(a.status()).as("%s %s: %s", method, path, a.text()).isNotEqualTo(500);
        Set<String> hosts = names("127.0.0.1", port);
        boolean served = a.status() >= 200 && a.status() < 400;
        if (served) {
            String host = headers.get("host");
            assertThat(host != null && hosts.contains(host.toLowerCase(Locale.ROOT))).as("served with Host %s: %s",
                    host, a.text()).isTrue();
            String origin = headers.get("origin");
            assertThat(origin == null || ownOrigin(origin, hosts)).as("served with Origin %s", origin).isTrue();
            if (withToken) {
                boolean carries = contains(headers.get("authorization")) || contains(headers.get("cookie"))
                        || seen.equals("GET") && query != null && (query.contains(TOKEN)
                        || decoded(query).contains(TOKEN));
                assertThat(carries).as("served with a token: %s", a.text()).isTrue();
            }
            if (changesState(seen)) {
                assertThat(seen.equals("DELETE") || Set.of("POST", "PUT").contains(seen) && json(type))
                        .as("%s with Content-Type %s served", method, type).isTrue();
            }
        }
        if (a.head().toLowerCase(Locale.ROOT).contains("\r\nset-cookie: " + HttpGuard.COOKIE + "=")) {
            assertThat(withToken && a.status() == 303 && seen.equals("GET")).as("only the login link sets the"
                    + " cookie: %s", a.text()).isTrue();
            assertThat(a.head()).contains(HttpGuard.COOKIE + "=" + TOKEN + ";");
        }
        if (List.of(401, 403, 415, 421).contains(a.status()) && !seen.equals("HEAD")) {
            JsonNode error = JSON.readTree(a.body());
            assertThat(error.path("error").asText()).as("the refusal %s", a.text()).isNotBlank();
        }
        if (a.status() == 200 && seen.equals("GET")) {
            Matcher m = LINE_PATH.matcher(path);
            if (m.matches()) {
                String given = pathDecoded(m.group(1));
                checkResolve(given);
                int offset = JSON.readTree(a.body()).path("line").asInt(-1);
                assertThat(offset >= 0 && (isNamed(given, offset) || isNamed(given.replace('+', ' '), offset)))
                        .as("GET %s answered line %d", path, offset).isTrue();
            }
        }
        boolean changed = false;
        for (int i = 0; i < NAMES.size(); i++) {
            if (monitor.stimuli().stop(device, i)) {
                changed = true;
            }
            if (chip.drivenLevel(i) != 0) {
                changed = true;
                device.drive(i, 0);
            }
        }
        if (!(a.status() >= 200 && a.status() < 300)) {
            assertThat(changed).as("%s %s answered %d drove nothing: %s", method, path, a.status(), a.text())
                    .isFalse();
        }
    }

    private static boolean contains(String value) {
        return value != null && value.contains(TOKEN);
    }

    private static String decoded(String query) {
        try {
            return URLDecoder.decode(query, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String pathDecoded(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    /** A header value as it can be sent: no CR or LF, no spaces or tabs around it. */
    private static String clean(String value) {
        return value.replace("\r", "").replace("\n", "").replaceAll("^[ \t]+|[ \t]+$", "");
    }

    /** Percent-encodes what may not stand in a request target as it is (a '%' stays: escapes pass through). */
    private static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c > 0x20 && c < 0x7f && "\"<>\\^`{|}#".indexOf(c) < 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }

    /** What the server answered: its status (0 for none), its head and its body. */
    private record Answer(int status, String head, String body) {
        String text() {
            return head.lines().findFirst().orElse("(no answer)") + " " + body;
        }
    }

    private static Answer send(int port, String method, String target, Map<String, String> headers, String body)
            throws IOException {
        StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
        headers.forEach((name, value) -> req.append(name).append(": ").append(value).append("\r\n"));
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            req.append("Content-Length: ").append(content.length).append("\r\n");
        }
        req.append("Connection: close\r\n\r\n");
        byte[] response;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.write(content);
            out.flush();
            InputStream in = s.getInputStream();
            try {
                response = in.readAllBytes();
            } catch (java.net.SocketException e) {
                response = new byte[0]; // reset by the server, which refused the request as it came
            }
        }
        String text = new String(response, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String rest = end < 0 ? "" : text.substring(end + 4);
        int status = head.matches("(?s)HTTP/1\\.[01] \\d{3}.*") ? Integer.parseInt(head.substring(9, 12)) : 0;
        return new Answer(status, head, rest);
    }
}
