package dev.vgpio.conformance;

import static dev.vgpio.virtio.VirtioException.Reason.CLOSED;
import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.TIMED_OUT;
import static dev.vgpio.virtio.VirtioException.Reason.UNREACHABLE;

import dev.vgpio.channel.ChannelTransport;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The device under test: how to open a fresh session to it, optionally how to drive its inputs, and how patient to
 * be.
 *
 * @param description for the report, e.g. the socket path
 * @param opener      opens a new, unnegotiated transport to the device each time it is called; the suite opens one
 *                    (or more) per check and closes each
 * @param input       drives line levels from outside the device; {@code null} when there is none (the interrupt
 *                    delivery checks are then skipped)
 * @param timeout     how long any single answer or awaited event may take (the Linux driver allows 1 s)
 * @param quiet       how long to watch for something that must not happen (an event while masked, a latched level)
 * @param line        the line the suite configures (directions, values, interrupts); the checks that need a
 *                    second line also use {@code (line + 1) % ngpio}. Read-only checks cover every line.
 */
public record Target(String description, Opener opener, InputDriver input, Duration timeout, Duration quiet,
        int line) {
    /** Opens a new transport to the device (a new connection, for vhost-user). */
    @FunctionalInterface
    public interface Opener {
        VirtioTransport open() throws IOException;
    }

    /** The Linux driver's per-request timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_QUIET = Duration.ofMillis(200);
    /** Memory a vhost-user session shares with the back end: both rings, request slots and the names block. */
    static final long FRONT_END_MEMORY = 4L << 20;

    public Target {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(opener, "opener");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(quiet, "quiet");
        if (timeout.isNegative() || timeout.isZero() || quiet.isNegative() || quiet.isZero()) {
            throw new IllegalArgumentException("timeout and quiet must be positive");
        }
        if (line < 0 || line > 0xfffe) {
            throw new IllegalArgumentException("line must be 0..65534, got " + line);
        }
    }

    /** A target with the default timeout and quiet period, line 0 and no input driver. */
    public static Target of(String description, Opener opener) {
        return new Target(description, opener, null, DEFAULT_TIMEOUT, DEFAULT_QUIET, 0);
    }

    /**
     * A vhost-user-gpio back end listening on {@code socket}; each session is a new connection. A back end that
     * serves one front end at a time may not have noticed that the previous session hung up when the next connects,
     * so a connection that is refused, closed at once or left unanswered is retried for up to
     * {@code max(timeout, 2 s)}.
     */
    public static Target vhostUser(Path socket, Duration timeout) {
        Opener opener = () -> connect(socket, timeout);
        return new Target(socket.toString(), opener, null, timeout, DEFAULT_QUIET, 0);
    }

    public static Target vhostUser(Path socket) {
        return vhostUser(socket, DEFAULT_TIMEOUT);
    }

    private static VirtioTransport connect(Path socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + Math.max(timeout.toNanos(), Duration.ofSeconds(2).toNanos());
        while (true) {
            if (!Files.exists(socket)) {
                throw new VirtioException(UNREACHABLE, "no vhost-user socket at " + socket);
            }
            try {
                return VhostUserFrontend.connect(socket, timeout, FRONT_END_MEMORY);
            } catch (VirtioException e) {
                boolean turnedAway = e.reason() == CLOSED || e.reason() == UNREACHABLE || e.reason() == TIMED_OUT;
                if (!turnedAway || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new VirtioException(LOCAL_FAILURE, "interrupted while connecting to " + socket, ie);
                }
            }
        }
    }

    /**
     * A device served over vgpio's channel at {@code at} (docs/channel.md); each session is a new connection. A
     * device may not yet have seen the previous session end when the next begins, so a connection it turns away
     * (BUSY, or closed) is retried for up to {@code max(timeout, 2 s)}.
     *
     * @param token what the device asks for, or null
     */
    public static Target channel(Endpoint at, byte[] token, Duration timeout) {
        Opener opener = () -> {
            long deadline = System.nanoTime() + Math.max(timeout.toNanos(), Duration.ofSeconds(2).toNanos());
            while (true) {
                try {
                    return ChannelTransport.connect(at, token, Duration.ofSeconds(5), FRONT_END_MEMORY);
                } catch (VirtioException e) {
                    boolean busy = e.reason() == VirtioException.Reason.REFUSED && e.getMessage().contains("BUSY");
                    if (!(busy || e.reason() == CLOSED) || System.nanoTime() - deadline > 0) {
                        throw e;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new VirtioException(LOCAL_FAILURE, "interrupted while connecting to " + at.describe(),
                                ie);
                    }
                }
            }
        };
        return new Target(at.describe(), opener, null, timeout, DEFAULT_QUIET, 0);
    }

    public Target withInput(InputDriver driver) {
        return new Target(description, opener, driver, timeout, quiet, line);
    }

    public Target withTimeout(Duration t) {
        return new Target(description, opener, input, t, quiet, line);
    }

    public Target withQuiet(Duration q) {
        return new Target(description, opener, input, timeout, q, line);
    }

    public Target withLine(int l) {
        return new Target(description, opener, input, timeout, quiet, l);
    }
}
