package dev.vgpio.channel;

import dev.vgpio.sys.SocketAccess;
import dev.vgpio.sys.SocketPath;
import dev.vgpio.sys.UnixSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a channel runs: {@code unix:PATH}, {@code tcp:HOST:PORT} ({@code tcp:[ADDRESS]:PORT} for IPv6) or
 * {@code serial:DEVICE[,BAUD]}, as {@code vgpio serve --listen}, {@code --chip remote:...} and the tools'
 * {@code --connect} take it.
 */
public sealed interface Endpoint {
    /** The serial line's speed when the address gives none. */
    int DEFAULT_BAUD = 115_200;

    /** The address as written. */
    String describe();

    /** Starts listening here (a serial line is opened and served as one link that stays). */
    Listener listen() throws IOException;

    /** Connects to a server listening here (a serial line is opened). */
    Link connect() throws IOException;

    /** A Unix stream socket at {@code path}. */
    record Unix(Path path) implements Endpoint {
        public Unix {
            UnixSocket.checkPath(path);
        }

        @Override
        public String describe() {
            return "unix:" + path;
        }

        @Override
        public Listener listen() throws IOException {
            SocketPath.claim(path);
            ServerSocketChannel server = SocketPath.bindPrivately(path, SocketAccess.OWNER, at -> {
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    s.bind(UnixDomainSocketAddress.of(at));
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
                return s;
            });
            return new SocketListener(server, describe(), () -> Files.deleteIfExists(path));
        }

        @Override
        public Link connect() throws IOException {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                c.close();
                throw new IOException("cannot connect to " + describe() + ": " + why(e)
                        + (Files.exists(path) ? "" : " (there is no socket there)"), e);
            }
            return new SocketLink(c, describe());
        }
    }

    /** A TCP socket. */
    record Tcp(String host, int port) implements Endpoint {
        public Tcp {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not a TCP port (0 to 65535)");
            }
        }

        /** Whether only this machine can reach the address. */
        public boolean loopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }

        @Override
        public String describe() {
            return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public Listener listen() throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                s.close();
                throw new IOException("cannot listen on " + describe() + ": " + why(e), e);
            }
            int bound = ((InetSocketAddress) s.getLocalAddress()).getPort();
            return new SocketListener(s, new Tcp(host, bound).describe(), () -> { });
        }

        @Override
        public Link connect() throws IOException {
            SocketChannel c = SocketChannel.open();
            try {
                c.connect(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                c.close();
                throw new IOException("cannot connect to " + describe() + ": " + why(e), e);
            }
            return new SocketLink(c, describe());
        }
    }

    /** A serial line, such as {@code /dev/ttyUSB0} or a pseudo-terminal, in raw mode at {@code baud}. */
    record Serial(Path device, int baud) implements Endpoint {
        @Override
        public String describe() {
            return "serial:" + device + (baud == DEFAULT_BAUD ? "" : "," + baud);
        }

        @Override
        public Listener listen() throws IOException {
            return new SerialListener(this);
        }

        @Override
        public Link connect() throws IOException {
            return SerialLink.open(this);
        }
    }

    /**
     * Reads an address.
     *
     * @throws IllegalArgumentException with what to write instead
     */
    static Endpoint parse(String spec) {
        String usage = " (give unix:PATH, tcp:HOST:PORT or serial:DEVICE[,BAUD])";
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + spec + "' is not a channel address" + usage);
        }
        String kind = spec.substring(0, colon);
        String rest = spec.substring(colon + 1);
        switch (kind) {
            case "unix" -> {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("'" + spec + "' has no socket path" + usage);
                }
                return new Unix(Path.of(rest));
            }
            case "tcp" -> {
                String host;
                String port;
                if (rest.startsWith("[")) {
                    int end = rest.indexOf("]:");
                    if (end < 0) {
                        throw new IllegalArgumentException("'" + spec + "': write an IPv6 address as [ADDRESS]:PORT");
                    }
                    host = rest.substring(1, end);
                    port = rest.substring(end + 2);
                } else {
                    int c = rest.lastIndexOf(':');
                    if (c <= 0 || rest.indexOf(':') != c) {
                        throw new IllegalArgumentException("'" + spec + "': give tcp:HOST:PORT (an IPv6 address as"
                                + " [ADDRESS]:PORT)");
                    }
                    host = rest.substring(0, c);
                    port = rest.substring(c + 1);
                }
                return new Tcp(host, number(port, "port", spec));
            }
            case "serial" -> {
                List<String> parts = List.of(rest.split(",", -1));
                if (parts.getFirst().isEmpty() || parts.size() > 2) {
                    throw new IllegalArgumentException("'" + spec + "': give serial:DEVICE or serial:DEVICE,BAUD");
                }
                int baud = parts.size() == 2 ? number(parts.get(1), "baud rate", spec) : DEFAULT_BAUD;
                return new Serial(Path.of(parts.getFirst()), baud);
            }
            default -> throw new IllegalArgumentException("'" + kind + ":' is not a kind of channel" + usage);
        }
    }

    private static int number(String s, String what, String spec) {
        if (!s.matches("\\d{1,9}")) {
            throw new IllegalArgumentException("'" + spec + "': '" + s + "' is not a " + what);
        }
        return Integer.parseInt(s);
    }

    private static String why(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
