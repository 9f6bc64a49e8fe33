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
 * Where a channel runs: {@code unix:PATH}, {@code tcp:HOST:PORT} ({@code tcp:[ADDRESS]:PORT} for IPv6),
 * {@code tls:HOST:PORT} (TCP with TLS) or {@code serial:DEVICE[,BAUD]}, as {@code vgpio serve --listen}, {@code --chip remote:...} and the tools'
 * {@code --connect} take it.
 */
public sealed interface Endpoint {
    /** The serial line's speed when the address gives none. */
    int DEFAULT_BAUD = 115_200;
    /** How long connecting to a TCP address may take. */
    int CONNECT_TIMEOUT_MS = 5000;

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
                // a host that has gone away: give up in seconds, not the system's minutes
                c.socket().connect(new InetSocketAddress(InetAddress.getByName(host), port), CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                c.close();
                throw new IOException("cannot connect to " + describe() + ": " + why(e), e);
            }
            return new SocketLink(c, describe());
        }
    }

    /**
     * TCP with TLS (the JDK's TLS 1.3): the device proves who it is with its certificate, and the bytes are
     * encrypted. {@code context} is {@link TlsFiles#server} for listening, {@link TlsFiles#client} for connecting (null: the
     * JDK's trust store, and no listening).
     */
    record Tls(String host, int port, javax.net.ssl.SSLContext context) implements Endpoint {
        public Tls {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not a TCP port (0 to 65535)");
            }
        }

        /** The same address with {@code c}. */
        public Tls with(javax.net.ssl.SSLContext c) {
            return new Tls(host, port, c);
        }

        /** Whether only this machine can reach the address. */
        public boolean loopback() {
            return new Tcp(host, port).loopback();
        }

        @Override
        public String describe() {
            return "tls:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public Listener listen() throws IOException {
            if (context == null) {
                throw new IOException("listening on " + describe() + " needs the device's certificate and key");
            }
            javax.net.ssl.SSLServerSocket s = (javax.net.ssl.SSLServerSocket) context.getServerSocketFactory()
                    .createServerSocket();
            try {
                s.setEnabledProtocols(new String[] {"TLSv1.3"});
                s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (IOException e) {
                s.close();
                throw new IOException("cannot listen on " + describe() + ": " + why(e), e);
            }
            String where = new Tls(host, s.getLocalPort(), null).describe();
            return new Listener() {
                @Override
                public Link accept() throws IOException {
                    javax.net.ssl.SSLSocket c = (javax.net.ssl.SSLSocket) s.accept();
                    return new TlsLink(c, where + " from " + c.getRemoteSocketAddress());
                }

                @Override
                public String describe() {
                    return where;
                }

                @Override
                public void close() {
                    try {
                        s.close();
                    } catch (IOException e) {
                        // nothing to do
                    }
                }
            };
        }

        @Override
        public Link connect() throws IOException {
            javax.net.ssl.SSLContext c;
            try {
                c = context != null ? context : javax.net.ssl.SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("this JDK has no TLS", e);
            }
            javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) c.getSocketFactory().createSocket();
            try {
                socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), CONNECT_TIMEOUT_MS);
                javax.net.ssl.SSLParameters p = socket.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                p.setProtocols(new String[] {"TLSv1.3"});
                socket.setSSLParameters(p);
                socket.setSoTimeout(5000);
                socket.startHandshake();
            } catch (javax.net.ssl.SSLHandshakeException e) {
                socket.close();
                throw new IOException("cannot connect to " + describe() + ": the TLS handshake failed (" + why(e)
                        + "); does the driver trust the device's certificate (vgpio's tools: $VGPIO_CHANNEL_TLS_CA),"
                        + " and does the certificate name " + host + "?", e);
            } catch (IOException e) {
                socket.close();
                throw new IOException("cannot connect to " + describe() + ": " + why(e), e);
            }
            return new TlsLink(socket, describe());
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
        String usage = " (give unix:PATH, tcp:HOST:PORT, tls:HOST:PORT or serial:DEVICE[,BAUD])";
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
            case "tcp", "tls" -> {
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
                        throw new IllegalArgumentException("'" + spec + "': give " + kind + ":HOST:PORT (an IPv6"
                                + " address as [ADDRESS]:PORT)");
                    }
                    host = rest.substring(0, c);
                    port = rest.substring(c + 1);
                }
                int p = number(port, "port", spec);
                return kind.equals("tls") ? new Tls(host, p, null) : new Tcp(host, p);
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
