package dev.vgpio.web;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What every request must satisfy before it is served, as checks a test or a fuzzer can call without a server:
 * its {@code Host} is one of the server's own names (a page of another site that rebinds its DNS name to this
 * machine gets nothing), its {@code Origin}, if any, is the server's own (a hostile page open in the same browser
 * cannot drive a line), a request that changes state is a POST, PUT or DELETE whose body is JSON (a plain HTML form
 * cannot send one), and, with a token, it carries the token (an {@code Authorization: Bearer} header, or the cookie
 * the panel's login link sets).
 */
public final class HttpGuard {
    /** The cookie that carries the token for the browser (the panel, its WebSocket). */
    public static final String COOKIE = "vgpio_token";

    private final Set<String> hosts;
    private final byte[] token;

    /** A refusal: the HTTP status, the reason a program can test, and what to tell the client. */
    public record Refusal(int status, String reason, String message) {
    }

    /**
     * @param hosts the {@code Host} values this server answers to ({@code host:port}, lower case)
     * @param token the token requests must carry, or null
     */
    public HttpGuard(Set<String> hosts, String token) {
        this.hosts = Set.copyOf(hosts);
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code Host} values a server bound to {@code options}' address on {@code port} answers to. */
    public static Set<String> ownHosts(HttpOptions options, int port) throws UnknownHostException {
        Set<String> names = new LinkedHashSet<>();
        InetAddress bound = InetAddress.getByName(options.host());
        names.add(options.host());
        names.add(bound.getHostAddress());
        if (bound.isLoopbackAddress()) {
            names.add("localhost");
            names.add("127.0.0.1");
            names.add("::1");
        } else if (bound.isAnyLocalAddress()) {
            names.add("localhost");
            try {
                for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                        names.add(a.getHostAddress().replaceAll("%.*$", ""));
                    }
                }
            } catch (SocketException e) {
                // no interfaces listed: the names so far
            }
            try {
                InetAddress local = InetAddress.getLocalHost();
                names.add(local.getHostName());
                names.add(local.getCanonicalHostName());
            } catch (UnknownHostException e) {
                // the host's name does not resolve: its addresses, listed above, still are its own
            }
        }
        Set<String> hosts = new LinkedHashSet<>();
        for (String n : names) {
            String name = n.toLowerCase(Locale.ROOT);
            String h = name.contains(":") ? "[" + name + "]" : name;
            hosts.add(h + ":" + port);
            if (port == 80) {
                hosts.add(h);
            }
        }
        if (bound instanceof Inet6Address && bound.isLoopbackAddress()) {
            hosts.add("[::1]:" + port);
        }
        return hosts;
    }

    /** Whether requests need a token. */
    public boolean needsToken() {
        return token != null;
    }

    /**
     * Checks one request.
     *
     * @param method       the HTTP method
     * @param host         its {@code Host} header (null if absent)
     * @param origin       its {@code Origin} header (null if absent)
     * @param contentType  its {@code Content-Type} (null if absent)
     * @param bearer       the token of its {@code Authorization: Bearer} header, or null
     * @param cookie       the token of its cookie, or null
     * @param changesState whether the request would change anything (a drive, a stimulus, a trace)
     * @return null to serve it, else the refusal
     */
    public Refusal check(String method, String host, String origin, String contentType, String bearer,
            String cookie, boolean changesState) {
        if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
            return new Refusal(421, "FOREIGN_HOST", "Host " + (host == null ? "(none)" : "'" + host + "'") + " is not this"
                    + " server's: use one of " + String.join(", ", hosts));
        }
        if (origin != null && !origin.equals("null") && !isOwnOrigin(origin)) {
            return new Refusal(403, "FOREIGN_ORIGIN", "requests from the page at " + origin + " are refused: only this server's own"
                    + " pages may use its API");
        }
        if (origin != null && origin.equals("null")) {
            return new Refusal(403, "FOREIGN_ORIGIN", "requests from an opaque origin (a sandboxed page, a file) are refused");
        }
        if (token != null && !matches(bearer) && !matches(cookie)) {
            return new Refusal(401, "TOKEN_REQUIRED", "this server needs its token: send 'Authorization: Bearer <token>' (the"
                    + " --http-token-file's content), or open the panel once at /?token=<token>");
        }
        if (changesState) {
            if (!method.equals("POST") && !method.equals("PUT") && !method.equals("DELETE")) {
                return new Refusal(405, "METHOD_NOT_ALLOWED", method + " cannot change anything here: use POST, PUT or DELETE");
            }
            if (!method.equals("DELETE") && !isJson(contentType)) {
                return new Refusal(415, "NOT_JSON", "send the body as JSON, with 'Content-Type: application/json'");
            }
        }
        return null;
    }

    /** Whether a Content-Type is {@code application/json}, with parameters or none. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.equalsIgnoreCase("application/json");
    }

    /** The token of an {@code Authorization: Bearer} header (the scheme in any case), or null. */
    public static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        return a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).strip() : null;
    }

    private boolean isOwnOrigin(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.startsWith("http://") && hosts.contains(o.substring("http://".length()));
    }

    /** Whether {@code candidate} is the token, compared in constant time. */
    public boolean matches(String candidate) {
        return token != null && candidate != null
                && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }
}
