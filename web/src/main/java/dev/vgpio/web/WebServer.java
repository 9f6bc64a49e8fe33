package dev.vgpio.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.monitor.ActivityJson;
import dev.vgpio.monitor.DriveException;
import dev.vgpio.monitor.LineView;
import dev.vgpio.monitor.Monitor;
import dev.vgpio.monitor.Stimulus;
import dev.vgpio.monitor.WatchedDevice;
import dev.vgpio.monitor.trace.Format;
import dev.vgpio.monitor.trace.Recording;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP server: the REST API over the monitor's devices ({@code /api/...}, docs/http-api.md), the
 * WebSocket event stream ({@code /api/events}) and the web panel ({@code /}). Every request passes the
 * {@link HttpGuard} first; every bad one gets a 4xx with {@code {"error": "...", "reason": "..."}} and changes
 * nothing.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final Monitor monitor;
    private final EventStream stream = new EventStream();
    private final AtomicReference<HttpGuard> guard = new AtomicReference<>();
    private final Javalin app;
    private final AutoCloseable streamSink;
    private final HttpOptions options;
    private final Object traceLock = new Object();
    /** The running or last recording the API started, or null. */
    private volatile Recording recording;
    private AutoCloseable recordingSink;

    private WebServer(HttpOptions options, Monitor monitor) {
        this.options = options;
        this.monitor = monitor;
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = ApiRequests.MAX_BODY;
            config.http.prefer405over404 = true;
            config.concurrency.useVirtualThreads = true;
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/web";
                files.location = Location.CLASSPATH;
                files.headers = java.util.Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff",
                        "Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:");
            });
            config.routes.before(this::check);
            config.routes.wsBeforeUpgrade(this::check);
            config.routes.get("/api", this::root);
            config.routes.get("/api/devices", ctx -> json(ctx, 200, g -> {
                g.writeStartArray();
                for (WatchedDevice d : monitor.devices()) {
                    writeDevice(g, d);
                }
                g.writeEndArray();
            }));
            config.routes.get("/api/devices/{device}", ctx -> {
                WatchedDevice d = device(ctx);
                json(ctx, 200, g -> writeDevice(g, d));
            });
            config.routes.get("/api/devices/{device}/lines/{line}", ctx -> {
                WatchedDevice d = device(ctx);
                int line = line(ctx, d);
                json(ctx, 200, g -> writeLine(g, d, d.line(line)));
            });
            config.routes.put("/api/devices/{device}/lines/{line}/level", this::putLevel);
            config.routes.post("/api/devices/{device}/lines/{line}/stimulus", this::postStimulus);
            config.routes.delete("/api/devices/{device}/lines/{line}/stimulus", this::deleteStimulus);
            config.routes.post("/api/trace", this::startTrace);
            config.routes.delete("/api/trace", this::stopTrace);
            config.routes.get("/api/trace", this::exportTrace);
            config.routes.get("/api/openapi.json", ctx -> {
                try (var in = WebServer.class.getResourceAsStream("/openapi.json")) {
                    if (in == null) {
                        throw new BadRequest(404, "NOT_FOUND", "this build has no OpenAPI document");
                    }
                    ctx.contentType("application/json").result(in.readAllBytes());
                }
            });
            config.routes.get("/api/events", ctx -> {
                filter(ctx); // a refused upgrade has no body: a plain GET tells why the filter is refused
                throw new BadRequest(426, "WEBSOCKET", "/api/events is a WebSocket: connect to ws://" + ctx.host()
                        + "/api/events (for example with 'vgpio events')");
            });
            config.routes.wsBeforeUpgrade("/api/events", this::filter);
            config.routes.ws("/api/events", ws -> {
                ws.onConnect(ctx -> {
                    ctx.session.setIdleTimeout(java.time.Duration.ZERO);
                    EventStream.Filter filter = filter(ctx.queryString());
                    // on the monitor's thread, between two passes: the snapshot and the first batch after it
                    // neither overlap nor leave a gap
                    monitor.execute(() -> stream.subscribe(ctx.session, filter, snapshot()));
                });
                ws.onClose(ctx -> stream.unsubscribe(ctx.session));
                ws.onError(ctx -> stream.unsubscribe(ctx.session));
            });
            config.routes.exception(BadRequest.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.reason()));
            config.routes.exception(DriveException.class, (e, ctx) -> error(ctx, switch (e.reason()) {
                case NO_SUCH_LINE -> 404;
                case INVALID -> 400;
                case NOT_SIMULATED, GUEST_OUTPUT, BUSY -> 409;
            }, e.getMessage(), e.reason().name()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.warn("HTTP {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "the server failed: " + e, "INTERNAL");
            });
            config.routes.error(404, ctx -> unlessAnswered(ctx, 404, "nothing at " + ctx.path() + "; the API is"
                    + " under /api (GET /api lists it)", "NOT_FOUND"));
            config.routes.error(405, ctx -> unlessAnswered(ctx, 405, ctx.method() + " is not allowed on "
                    + ctx.path(), "METHOD_NOT_ALLOWED"));
            config.routes.error(413, ctx -> unlessAnswered(ctx, 413, "the body is too large: the API reads at most "
                    + ApiRequests.MAX_BODY + " bytes", "TOO_LARGE"));
        });
        this.streamSink = monitor.addSink(stream);
    }

    /**
     * Starts a server on {@code options}' address for {@code monitor}'s devices.
     *
     * @throws IOException if the address cannot be bound (in use, not this machine's)
     */
    public static WebServer start(HttpOptions options, Monitor monitor) throws IOException {
        WebServer server = new WebServer(options, monitor);
        try {
            server.app.start(options.host(), options.port());
        } catch (RuntimeException e) {
            server.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot serve HTTP on " + options.host() + ":" + options.port() + ": "
                    + cause.getMessage(), e);
        }
        try {
            server.guard.set(new HttpGuard(HttpGuard.ownHosts(options, server.port()), options.token()));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot list this machine's names for the Host check: " + e.getMessage(), e);
        }
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    /** The panel's address, such as {@code http://127.0.0.1:8080/}. */
    public String url() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + h + ":" + port() + "/";
    }

    /** The event stream, for its subscriber count. */
    EventStream stream() {
        return stream;
    }

    /** How many clients the event stream feeds now. */
    public int subscribers() {
        return stream.subscribers();
    }

    /**
     * The guard, before every request and WebSocket upgrade. It reads the raw headers and query string only (a
     * request's own charset may be malformed), and takes anything it cannot read for a malformed request.
     */
    private void check(Context ctx) throws BadRequest {
        HttpGuard g = guard.get();
        if (g == null) {
            throw new BadRequest(503, "STARTING", "the server is starting");
        }
        String method = ctx.method().name();
        String host;
        String cookie;
        String query;
        try {
            host = ctx.header("Host");
            cookie = cookie(ctx.header("Cookie"));
            query = ctx.req().getQueryString();
        } catch (RuntimeException e) {
            throw new BadRequest(400, "MALFORMED", "the request's headers cannot be read: " + e.getMessage());
        }
        String origin = ctx.header("Origin");
        String login;
        try {
            login = queryValue(query, "token");
        } catch (BadRequest e) {
            login = null; // not a login link: the checks decide
        }
        if (login != null && ctx.method() == HandlerType.GET && g.matches(login)
                && g.check(method, host, origin, null, login, null, false) == null) {
            // the panel's login link: the token goes into a cookie only this site's requests carry
            ctx.header("Set-Cookie", HttpGuard.COOKIE + "=" + login + "; Path=/; HttpOnly; SameSite=Strict");
            String rest = withoutToken(query);
            ctx.redirect(ctx.path() + (rest.isEmpty() ? "" : "?" + rest), HttpStatus.SEE_OTHER);
            ctx.skipRemainingHandlers();
            return;
        }
        boolean changes = !(ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD
                || ctx.method() == HandlerType.OPTIONS);
        HttpGuard.Refusal r = g.check(method, host, origin, ctx.header("Content-Type"),
                HttpGuard.bearer(ctx.header("Authorization")), cookie, changes);
        if (r != null) {
            throw new BadRequest(r.status(), r.reason(), r.message());
        }
        String bad = badEscape(ctx.req().getRequestURI());
        if (bad != null) {
            // Javalin decodes path parameters before any route runs, and its decoder's exception was a 500
            throw new BadRequest(400, "MALFORMED", "the path is not percent-encoded: \"" + bad + "\" is not '%'"
                    + " and two hex digits (write a '%' as %25)");
        }
    }

    /** The first {@code %} escape in a raw path that is not {@code %} and two hex digits, or null. */
    static String badEscape(String path) {
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            if (i + 2 >= path.length() || !hex(path.charAt(i + 1)) || !hex(path.charAt(i + 2))) {
                return path.substring(i, Math.min(path.length(), i + 3));
            }
        }
        return null;
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** The value of the token cookie in a {@code Cookie} header, or null. */
    static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(HttpGuard.COOKIE + "=")) {
                return p.substring(HttpGuard.COOKIE.length() + 1);
            }
        }
        return null;
    }

    /**
     * The value of {@code name} in a raw query string, percent-decoded as UTF-8 but with {@code +} kept (a base64
     * token has it), or null.
     */
    static String queryValue(String query, String name) throws BadRequest {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                try {
                    return java.net.URLDecoder.decode(pair.substring(name.length() + 1).replace("+", "%2B"),
                            java.nio.charset.StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new BadRequest(400, "MALFORMED", "the query's " + name + " is not percent-encoded"
                            + " right: " + e.getMessage());
                }
            }
        }
        return null;
    }

    private static String withoutToken(String query) {
        return String.join("&", Arrays.stream(query.split("&")).filter(p -> !p.startsWith("token=")).toList());
    }

    private static void unlessAnswered(Context ctx, int status, String message, String reason) {
        String type = ctx.res().getContentType();
        if (!ctx.res().isCommitted() && (type == null || !type.startsWith("application/json"))) {
            error(ctx, status, message, reason);
        }
    }

    private void root(Context ctx) throws IOException {
        json(ctx, 200, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("devices");
            for (WatchedDevice d : monitor.devices()) {
                g.writeString(d.name());
            }
            g.writeEndArray();
            g.writeStringField("devicesUrl", "/api/devices");
            g.writeStringField("events", "/api/events");
            g.writeStringField("openapi", "/api/openapi.json");
            g.writeArrayFieldStart("kinds");
            for (String k : ActivityJson.KINDS) {
                g.writeString(k);
            }
            g.writeEndArray();
            g.writeNumberField("now", System.nanoTime());
            g.writeEndObject();
        });
    }

    private void putLevel(Context ctx) throws Exception {
        WatchedDevice d = device(ctx);
        int line = line(ctx, d);
        int level = ApiRequests.level(ctx.bodyAsBytes());
        Optional<Stimulus> running = monitor.stimuli().running(d, line);
        if (running.isPresent()) {
            throw new DriveException(DriveException.Reason.BUSY, "a " + running.get().kind() + " drives "
                    + "line " + line + " of " + d.name() + "; stop it first (DELETE .../stimulus)");
        }
        d.drive(line, level);
        monitor.awaitHandedOver(java.time.Duration.ofSeconds(1)); // so that the view answered has the new level
        json(ctx, 200, g -> writeLine(g, d, d.line(line)));
    }

    private void postStimulus(Context ctx) throws Exception {
        WatchedDevice d = device(ctx);
        int line = line(ctx, d);
        Stimulus s = ApiRequests.stimulus(ctx.bodyAsBytes());
        monitor.stimuli().start(d, line, s);
        json(ctx, 202, g -> writeLine(g, d, d.line(line)));
    }

    private void deleteStimulus(Context ctx) throws Exception {
        WatchedDevice d = device(ctx);
        int line = line(ctx, d);
        Optional<Stimulus> running = monitor.stimuli().running(d, line);
        if (running.isEmpty() || !monitor.stimuli().stop(d, line)) {
            throw new BadRequest(404, "NO_STIMULUS", "no stimulus runs on line " + line + " of " + d.name());
        }
        json(ctx, 200, g -> {
            g.writeStartObject();
            g.writeStringField("stopped", running.get().kind());
            g.writeEndObject();
        });
    }

    private void startTrace(Context ctx) throws Exception {
        ApiRequests.only(ApiRequests.object(ctx.bodyAsBytes()), List.of());
        Recording r;
        synchronized (traceLock) {
            if (recording != null && recording.recording()) {
                throw new DriveException(DriveException.Reason.BUSY, "a recording runs already (since "
                        + recording.start().nanos() + "); stop it first (DELETE /api/trace)");
            }
            // made and added on the monitor's thread, between two passes: its start and its first activity meet
            java.util.concurrent.CompletableFuture<Recording> made = new java.util.concurrent.CompletableFuture<>();
            monitor.execute(() -> {
                try {
                    Recording started = new Recording(monitor.devices());
                    recordingSink = monitor.addSink(started);
                    made.complete(started);
                } catch (RuntimeException e) {
                    made.completeExceptionally(e);
                }
            });
            r = made.get(5, java.util.concurrent.TimeUnit.SECONDS);
            recording = r;
        }
        json(ctx, 201, g -> {
            g.writeStartObject();
            g.writeBooleanField("recording", true);
            g.writeNumberField("since", r.start().nanos());
            g.writeEndObject();
        });
    }

    private void stopTrace(Context ctx) throws Exception {
        Recording r;
        synchronized (traceLock) {
            r = recording;
            if (r == null || !r.recording()) {
                throw new BadRequest(404, "NO_RECORDING", "no recording runs: start one with POST /api/trace");
            }
            recordingSink.close(); // removes it from the monitor and stops it; it stays for export
        }
        json(ctx, 200, g -> {
            g.writeStartObject();
            g.writeNumberField("activities", r.kept());
            g.writeNumberField("lost", r.lost());
            g.writeEndObject();
        });
    }

    private void exportTrace(Context ctx) throws Exception {
        Recording r = recording;
        if (r == null) {
            throw new BadRequest(404, "NO_RECORDING", "there is no recording: start one with POST /api/trace");
        }
        Format format;
        try {
            String f = queryValue(ctx.req().getQueryString(), "format");
            format = Format.parse(f == null ? "vcd" : f);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        ctx.status(200).contentType(format == Format.VCD ? "text/plain; charset=utf-8" : "application/x-ndjson")
                .header("Content-Disposition", "attachment; filename=\"vgpio-trace" + format.extension() + "\"");
        try (var w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(ctx.outputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            r.export(format, w);
        }
    }

    private WatchedDevice device(Context ctx) throws BadRequest {
        String name = ctx.pathParam("device");
        WatchedDevice d = monitor.device(name);
        if (d == null) {
            throw new BadRequest(404, "NO_SUCH_DEVICE", "no device named \"" + name + "\" (devices: " + String.join(", ",
                    monitor.devices().stream().map(WatchedDevice::name).toList()) + ")");
        }
        return d;
    }

    private static int line(Context ctx, WatchedDevice d) throws DriveException {
        return d.resolve(ctx.pathParam("line"));
    }

    /**
     * The stream filter of {@code ?kinds=...&devices=...}.
     *
     * @throws BadRequest naming a kind or device that does not exist
     */
    private void filter(Context ctx) throws BadRequest {
        filter(ctx.req().getQueryString());
    }

    /** The filter of a raw query string (read without the request's charset, which may be malformed). */
    private EventStream.Filter filter(String query) throws BadRequest {
        Set<String> k = set(queryValue(query, "kinds"));
        Set<String> d = set(queryValue(query, "devices"));
        for (String kind : k == null ? Set.<String>of() : k) {
            if (!ActivityJson.KINDS.contains(kind)) {
                throw new BadRequest(400, "BAD_FILTER", "no event kind \"" + kind + "\": the kinds are "
                        + String.join(", ", ActivityJson.KINDS));
            }
        }
        for (String name : d == null ? Set.<String>of() : d) {
            if (monitor.device(name) == null) {
                throw new BadRequest(400, "BAD_FILTER", "no device named \"" + name + "\" (devices: "
                        + String.join(", ", monitor.devices().stream().map(WatchedDevice::name).toList()) + ")");
            }
        }
        return new EventStream.Filter(k, d);
    }

    private static Set<String> set(String csv) {
        if (csv == null || csv.isBlank()) {
            return null;
        }
        return new LinkedHashSet<>(Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .toList());
    }

    private String snapshot() {
        try {
            return text(g -> {
                g.writeStartObject();
                g.writeStringField("type", "snapshot");
                g.writeNumberField("t", System.nanoTime());
                g.writeArrayFieldStart("devices");
                for (WatchedDevice d : monitor.devices()) {
                    writeDevice(g, d);
                }
                g.writeEndArray();
                g.writeEndObject();
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeDevice(JsonGenerator g, WatchedDevice d) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", d.name());
        g.writeStringField("socket", d.socket().toAbsolutePath().toString());
        g.writeStringField("label", d.label());
        g.writeNumberField("dropped", d.dropped());
        g.writeArrayFieldStart("lines");
        List<LineView> lines = d.lines();
        for (LineView v : lines) {
            writeLine(g, d, v);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void writeLine(JsonGenerator g, WatchedDevice d, LineView v) throws IOException {
        g.writeStartObject();
        ActivityJson.fields(g, v);
        Optional<Stimulus> s = monitor.stimuli().running(d, v.offset());
        if (s.isPresent()) {
            g.writeStringField("stimulus", s.get().kind());
        } else {
            g.writeNullField("stimulus");
        }
        g.writeEndObject();
    }

    /** Writes JSON with a generator. */
    @FunctionalInterface
    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static String text(Writer body) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            body.write(g);
        }
        return w.toString();
    }

    private static void json(Context ctx, int status, Writer body) throws IOException {
        ctx.status(status).contentType("application/json").result(text(body));
    }

    private static void error(Context ctx, int status, String message, String reason) {
        try {
            json(ctx, status, g -> {
                g.writeStartObject();
                g.writeStringField("error", message);
                g.writeStringField("reason", reason);
                g.writeEndObject();
            });
        } catch (IOException e) {
            ctx.status(status).result(message);
        }
    }

    @Override
    public void close() {
        try {
            streamSink.close();
        } catch (Exception e) {
            LOG.debug("closing the event stream: {}", e.toString());
        }
        app.stop();
    }
}
