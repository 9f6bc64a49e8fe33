package dev.vgpio.vhostuser;

import dev.vgpio.sys.SocketAccess;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link VhostUserServer} treats its front ends.
 *
 * @param messageTimeout   how long a front end may take to send the rest of a message it started, and to take a
 *                         reply; past it the connection is closed
 * @param handshakeTimeout how long a new connection may stay silent before its first complete message
 * @param access           who may connect to the socket the server creates (ignored when it connects)
 */
public record ServerOptions(Duration messageTimeout, Duration handshakeTimeout, SocketAccess access) {
    /** Ten seconds for a message and for the first one, owner-only socket. */
    public static final ServerOptions DEFAULTS =
            new ServerOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), SocketAccess.OWNER);

    public ServerOptions {
        positive(messageTimeout, "message timeout");
        positive(handshakeTimeout, "handshake timeout");
        Objects.requireNonNull(access, "access");
    }

    public ServerOptions withMessageTimeout(Duration d) {
        return new ServerOptions(d, handshakeTimeout, access);
    }

    public ServerOptions withHandshakeTimeout(Duration d) {
        return new ServerOptions(messageTimeout, d, access);
    }

    public ServerOptions withAccess(SocketAccess a) {
        return new ServerOptions(messageTimeout, handshakeTimeout, a);
    }

    /** A duration as a person writes it: {@code 10 s}, {@code 500 ms}. */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("the " + what + " must be more than 0 and at most a day, not " + d);
        }
    }
}
