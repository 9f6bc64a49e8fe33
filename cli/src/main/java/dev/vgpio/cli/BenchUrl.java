package dev.vgpio.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code -u/--url URL} and {@code --token-file FILE}: the test bench ({@code vgpio serve --http}) a command talks to
 * over HTTP, and the secret it asks for.
 */
final class BenchUrl {
    static final String DEFAULT = "http://127.0.0.1:8080/";

    @Option(names = {"-u", "--url"}, paramLabel = "URL", defaultValue = DEFAULT, order = 90, scope = ScopeType.INHERIT,
            description = "The test bench's address, as 'vgpio serve --http' prints it (default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE", order = 91, scope = ScopeType.INHERIT,
            description = "The file with the bench's secret, if it was started with --http-token-file.")
    Path tokenFile;

    /** {@code path} (such as {@code api/trace}) under the bench's address. */
    URI resolve(String path) {
        String base = url.endsWith("/") ? url : url + "/";
        URI uri;
        try {
            uri = URI.create(base).resolve(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url " + url + " is not an address: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--url " + url + ": give the http:// address 'vgpio serve --http'"
                    + " printed, such as " + DEFAULT);
        }
        return uri;
    }

    /** The same address with ws:// for the event stream. */
    URI websocket(String path) {
        URI http = resolve(path);
        return URI.create("ws" + http.toString().substring("http".length()));
    }

    /** A request to {@code path}, with the token if there is one. */
    HttpRequest.Builder request(String path) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofSeconds(30));
        String token = token();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    String token() throws IOException {
        if (tokenFile == null) {
            return null;
        }
        try {
            return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("--token-file " + tokenFile + ": no such file");
        }
    }

    static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The {@code error} of a refusal's JSON body, or {@code otherwise} if the body has none or is not JSON. */
    static String errorOf(byte[] body, String otherwise) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("error").asText(otherwise);
        } catch (IOException e) {
            return otherwise;
        }
    }

    /** What to tell a user whose request could not reach the bench. */
    String unreachable(Exception e) {
        String why = e instanceof java.net.ConnectException ? "connection refused"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "cannot reach the test bench at " + url + " (" + why + "): is `vgpio serve --http` running there?";
    }
}
