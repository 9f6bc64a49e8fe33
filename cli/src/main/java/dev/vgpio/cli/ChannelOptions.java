package dev.vgpio.cli;

import dev.vgpio.channel.ChannelServer;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.device.GpioController;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.IrqRequest;
import dev.vgpio.protocol.IrqResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the command line knows of the channel (docs/channel.md): GPIO's queue limits, addresses, tokens. */
final class ChannelOptions {
    /** Requests a driver may have in flight on the requestq. */
    static final int REQUEST_TAGS = 64;
    /** The shortest token a channel on a network address takes. */
    static final int MIN_TOKEN = 16;

    private ChannelOptions() {
    }

    /** The limits of a virtio-gpio device's two queues: what a GPIO request and response can be, nothing more. */
    static List<ChannelServer.QueueLimits> limits(GpioController controller) {
        long names = controller.config().gpioNamesSize();
        if (names > 0xfffe) {
            throw new IllegalArgumentException("the device's names block has " + names + " bytes; over the channel"
                    + " a response has at most 65535, so the names may take at most 65534 (give shorter names)");
        }
        // the eventq takes one buffer a line, up to the most requests a channel queue has in flight
        int eventTags = Math.min(Math.max(1, controller.config().ngpio()), 16_384);
        return List.of(new ChannelServer.QueueLimits(REQUEST_TAGS, GpioRequest.SIZE,
                        Math.max(GpioResponse.SIZE, 1 + (int) names)),
                new ChannelServer.QueueLimits(eventTags, IrqRequest.SIZE, IrqResponse.SIZE));
    }

    /** Whether a device argument is a channel address ({@code unix:}, {@code tcp:}, {@code tls:}, {@code serial:}). */
    static boolean isAddress(String s) {
        return s.startsWith("unix:") || s.startsWith("tcp:") || s.startsWith("tls:") || s.startsWith("serial:");
    }

    /**
     * A channel address to connect to: a {@code tls:} one trusts the PEM certificates in the file
     * {@code $VGPIO_CHANNEL_TLS_CA} names (a private CA, or the device's own certificate), else the JDK's trust store.
     *
     * @throws IllegalArgumentException for an address that is not one
     * @throws IOException if the certificates cannot be read
     */
    static Endpoint connectable(String address) throws IOException {
        Endpoint e = Endpoint.parse(address);
        if (e instanceof Endpoint.Tls t) {
            String ca = System.getenv("VGPIO_CHANNEL_TLS_CA");
            return t.with(dev.vgpio.channel.TlsFiles.client(ca == null || ca.isEmpty() ? null : Path.of(ca)));
        }
        return e;
    }

    /**
     * The control socket of a device served over the channel only: beside a Unix socket ({@code PATH.ctl}), else in
     * the working directory, named after the port or the serial device.
     */
    static Path ctlPathFor(Endpoint at) {
        return switch (at) {
            case Endpoint.Unix u -> Path.of(u.path() + ".ctl");
            case Endpoint.Tcp t -> Path.of("vgpio-tcp-" + t.port() + ".ctl");
            case Endpoint.Tls t -> Path.of("vgpio-tls-" + t.port() + ".ctl");
            case Endpoint.Serial s -> Path.of("vgpio-" + s.device().getFileName() + ".ctl");
        };
    }

    /**
     * The token in {@code file}: its first line, at least {@value #MIN_TOKEN} and at most 64 bytes.
     *
     * @throws IllegalArgumentException for a token too short or too long
     */
    static byte[] readToken(Path file, String option) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        byte[] token = text.getBytes(StandardCharsets.UTF_8);
        if (token.length < MIN_TOKEN || token.length > 64) {
            throw new IllegalArgumentException(option + " " + file + ": the token must be " + MIN_TOKEN + " to 64 bytes"
                    + " (it has " + token.length + "); make one with: head -c 24 /dev/urandom | base64 > " + file);
        }
        return token;
    }
}
