package dev.vgpio.control;

import dev.vgpio.lines.LineException;
import dev.vgpio.sys.SocketAccess;
import dev.vgpio.sys.SocketPath;
import dev.vgpio.sys.UnixSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket of one device ({@code <device socket>.ctl} by default, mode 0600 from the moment it appears,
 * {@link SocketPath#bindPrivately}): a line-based text protocol
 * over a Unix stream socket, one command per line, each answered by {@code ok} or {@code err MESSAGE} followed by
 * detail lines and an empty line. Commands: {@code list}, {@code get LINE}, {@code set LINE LEVEL},
 * {@code pulse LINE [WIDTH_MS]}, {@code toggle LINE COUNT INTERVAL_MS}, {@code watch [LINE...]}, {@code help}; LINE
 * is an offset or a name, LEVEL one of {@link LevelWords}. {@code watch} is the one streaming command: after its
 * {@code ok} comes one {@link LineChange} line per change the guest makes, until the client closes the connection
 * (the daemon ends the stream with an empty line when it stops, or with an {@code err} line if the client reads too
 * slowly); it is the last command on its connection.
 * Works with {@code vgpio ctl} and with {@code socat - UNIX-CONNECT:PATH}. Bad commands never affect the lines.
 */
public final class CtlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CtlServer.class);
    private static final int MAX_LINE = 1024;
    static final String HELP = """
            commands (LINE is an offset or a line name):
              list                          every line: level, direction, who drives it, edge detection, settings
              get LINE                      one line
              set LINE LEVEL                drive the level the line senses as an input (1|active|on|true|high,
                                            0|inactive|off|false|low)
              release LINE                  stop driving the line: it reads its pull (the guest's bias)
              pulse LINE [WIDTH_MS]         invert the driven level for WIDTH_MS (default 100), then restore
              toggle LINE COUNT INTERVAL_MS invert the driven level COUNT times, every INTERVAL_MS
              watch [LINE...]               stream every change the guest makes (all lines by default)""";
    /** How many changes a watching client may fall behind before its stream ends. */
    static final int WATCH_BACKLOG = 65_536;

    private final Path path;
    private final HostControl control;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    /** Creates the control socket (replacing a stale file, refusing a live one) and starts serving it. */
    public CtlServer(Path path, HostControl control) throws IOException {
        this.path = path;
        this.control = control;
        UnixSocket.checkPath(path);
        SocketPath.claim(path);
        server = SocketPath.bindPrivately(path, SocketAccess.OWNER, at -> {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(at));
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return s;
        });
        acceptor = Thread.ofVirtual().name("vgpio-ctl-accept").start(this::acceptLoop);
        LOG.info("control socket {} (try: vgpio ctl --ctl {} list)", path.toAbsolutePath(), path);
    }

    public Path path() {
        return path;
    }

    /** The default control socket path of a device socket. */
    public static Path pathFor(Path deviceSocket) {
        return Path.of(deviceSocket + ".ctl");
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                clients.add(c);
                Thread.ofVirtual().name("vgpio-ctl").start(() -> serve(c));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("control socket {}: accept failed: {}", path, e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                StandardCharsets.UTF_8)); OutputStream out = Channels.newOutputStream(c)) {
            String line;
            while ((line = readLine(in)) != null) {
                String[] w = line.trim().split("\\s+");
                if (w[0].equals("watch")) {
                    watch(w, in, out);
                    return;
                }
                String reply = execute(line);
                out.write((reply + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("control connection ended: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("control connection closed after an internal error; the lines are unchanged", e);
        } finally {
            clients.remove(c);
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0) {
            if (ch == '\n') {
                return sb.toString();
            }
            if (sb.length() == MAX_LINE) {
                throw new IOException("command longer than " + MAX_LINE + " characters");
            }
            sb.append((char) ch);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /** Runs one command line and returns the reply (without the final empty line). */
    String execute(String command) {
        String[] w = command.trim().split("\\s+");
        try {
            return switch (w[0]) {
                case "list" -> {
                    arity(w, 1, 1, "list");
                    List<String> lines = new ArrayList<>();
                    lines.add("ok");
                    for (LineStatus s : control.list()) {
                        lines.add(s.describe());
                    }
                    yield String.join("\n", lines);
                }
                case "get" -> {
                    arity(w, 2, 2, "get LINE");
                    yield "ok\n" + control.status(control.resolve(w[1])).describe();
                }
                case "set" -> {
                    arity(w, 3, 3, "set LINE LEVEL");
                    int line = control.resolve(w[1]);
                    control.set(line, LevelWords.parse(w[2]));
                    yield "ok\n" + control.status(line).describe();
                }
                case "release" -> {
                    arity(w, 2, 2, "release LINE");
                    int line = control.resolve(w[1]);
                    control.release(line);
                    yield "ok\n" + control.status(line).describe();
                }
                case "pulse" -> {
                    arity(w, 2, 3, "pulse LINE [WIDTH_MS]");
                    int line = control.resolve(w[1]);
                    control.pulse(line, millis(w.length > 2 ? w[2] : "100", "WIDTH_MS"));
                    yield "ok\n" + control.status(line).describe();
                }
                case "toggle" -> {
                    arity(w, 4, 4, "toggle LINE COUNT INTERVAL_MS");
                    int line = control.resolve(w[1]);
                    control.toggle(line, number(w[2], "COUNT"), millis(w[3], "INTERVAL_MS"));
                    yield "ok\n" + control.status(line).describe();
                }
                case "help", "" -> "ok\n" + HELP;
                default -> throw new IllegalArgumentException("unknown command '" + w[0] + "'; " + HELP);
            };
        } catch (IllegalArgumentException | LineException e) {
            return "err " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "err interrupted: the daemon is stopping";
        }
    }

    private static void arity(String[] w, int min, int max, String usage) {
        if (w.length < min || w.length > max) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    /** Streams the changes to the lines {@code w[1..]} (every line if none) until the client goes away. */
    private void watch(String[] w, BufferedReader in, OutputStream out) throws IOException {
        Set<Integer> only = new HashSet<>();
        try {
            for (int i = 1; i < w.length; i++) {
                only.add(control.resolve(w[i]));
            }
        } catch (IllegalArgumentException e) {
            write(out, "err " + e.getMessage() + "\n\n");
            return;
        }
        BlockingQueue<LineChange> queue = new LinkedBlockingQueue<>(WATCH_BACKLOG);
        AtomicBoolean overflow = new AtomicBoolean();
        AtomicBoolean gone = new AtomicBoolean();
        AutoCloseable handle;
        try {
            handle = control.watch(change -> {
                if ((only.isEmpty() || only.contains(change.status().offset())) && !queue.offer(change)) {
                    overflow.set(true);
                }
            });
        } catch (LineException e) {
            write(out, "err " + e.getMessage() + "\n\n");
            return;
        }
        Thread reader = Thread.ofVirtual().name("vgpio-ctl-watch").start(() -> {
            try {
                while (in.read() >= 0) {
                    // a watching client has nothing more to say; anything it sends is ignored until it closes
                }
            } catch (IOException e) {
                LOG.debug("watching client: {}", e.getMessage());
            }
            gone.set(true);
        });
        try {
            write(out, "ok\n");
            while (!gone.get() && !closed) {
                LineChange change = queue.poll(100, TimeUnit.MILLISECONDS);
                if (overflow.get()) {
                    write(out, "err the client read too slowly: more than " + WATCH_BACKLOG
                            + " changes were waiting\n\n");
                    return;
                }
                if (change != null) {
                    write(out, change.describe() + "\n");
                }
            }
            if (closed) {
                write(out, "\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.debug("ending a watch: {}", e.getMessage());
            }
            reader.interrupt();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static int number(String s, String what) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number, not '" + s + "'");
        }
    }

    private static Duration millis(String s, String what) {
        int ms = number(s, what);
        if (ms < 0) {
            throw new IllegalArgumentException(what + " must not be negative");
        }
        return Duration.ofMillis(ms);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing control socket: {}", e.getMessage());
        }
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("closing control connection: {}", e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", path, e.getMessage());
        }
    }
}
