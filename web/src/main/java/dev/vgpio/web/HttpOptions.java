package dev.vgpio.web;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where the HTTP server listens and the token it asks for: {@code --http [HOST:]PORT} and {@code --http-token-file}.
 * An address other than loopback needs a token.
 *
 * @param host  the address to bind, as given ({@code 127.0.0.1}, {@code ::1}, {@code 0.0.0.0}, a name)
 * @param port  the port (0: any free one)
 * @param token the token every request must carry, or {@code null} for none
 */
public record HttpOptions(String host, int port, String token) {
    /** The fewest characters a token may have. */
    public static final int MIN_TOKEN = 16;
    /** The characters a token may have: base64's and URL-safe base64's. */
    static final String TOKEN_CHARACTERS = "[A-Za-z0-9._~+/=-]+";

    public HttpOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port (0 to 65535)");
        }
    }

    /** The socket address to bind. */
    public InetSocketAddress address() throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Whether the address is a loopback one (only this machine can reach it). */
    public boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Reads {@code --http SPEC} ({@code PORT}, {@code HOST:PORT}, {@code [V6]:PORT}) and the token file.
     *
     * @throws IllegalArgumentException for a malformed address, a non-loopback one without a token, a short token
     * @throws IOException if the token file cannot be read
     */
    public static HttpOptions parse(String spec, Path tokenFile) throws IOException {
        String host = "127.0.0.1";
        String port = spec.trim();
        if (port.startsWith("[")) {
            int close = port.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("--http " + spec + ": write an IPv6 address as [ADDRESS]:PORT");
            }
            host = port.substring(1, close);
            port = port.substring(close + 2);
        } else if (port.contains(":")) {
            int colon = port.lastIndexOf(':');
            host = port.substring(0, colon);
            port = port.substring(colon + 1);
            if (host.isEmpty() || host.contains(":")) {
                throw new IllegalArgumentException("--http " + spec + ": give HOST:PORT (an IPv6 address as"
                        + " [ADDRESS]:PORT)");
            }
        }
        if (!port.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("--http " + spec + ": '" + port + "' is not a port; give PORT or"
                    + " HOST:PORT, such as 8080 or 127.0.0.1:8080");
        }
        String token = tokenFile == null ? null : readToken(tokenFile);
        HttpOptions options = new HttpOptions(host, Integer.parseInt(port), token);
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--http " + spec + ": unknown host " + host);
        }
        if (token == null && !options.loopback()) {
            throw new IllegalArgumentException("--http " + spec + " is not a loopback address: anyone who can reach"
                    + " it could drive the lines, so give --http-token-file FILE (a secret of at least " + MIN_TOKEN
                    + " characters) or serve on 127.0.0.1");
        }
        return options;
    }

    private static String readToken(Path file) throws IOException {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("--http-token-file " + file + ": no such file");
        }
        if (token.length() < MIN_TOKEN || !token.matches(TOKEN_CHARACTERS)) {
            throw new IllegalArgumentException("--http-token-file " + file + ": the token must be at least "
                    + MIN_TOKEN + " characters of A-Z a-z 0-9 . _ ~ + / = - (which a header, a cookie and a link"
                    + " all carry as they are), for example: head -c 24 /dev/urandom | base64 -w0 | tr +/ -_ > "
                    + file);
        }
        return token;
    }
}
