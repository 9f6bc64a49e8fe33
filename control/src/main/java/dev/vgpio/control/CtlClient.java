package dev.vgpio.control;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Sends commands to a {@link CtlServer} and returns its replies. */
public final class CtlClient {
    /** A reply: whether it was {@code ok}, the error message, and the detail lines. */
    public record Reply(boolean ok, String error, List<String> lines) {
    }

    private CtlClient() {
    }

    /**
     * Sends one command and waits for its reply (pulses and toggles reply when they are done).
     *
     * @throws IOException with a hint when nothing serves {@code ctl}
     */
    public static Reply send(Path ctl, String command) throws IOException {
        try (SocketChannel c = connect(ctl)) {
            BufferedReader in = request(c, command);
            String first = in.readLine();
            if (first == null) {
                throw new IOException("the daemon closed the control connection without a reply");
            }
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                lines.add(line);
            }
            if (first.equals("ok")) {
                return new Reply(true, "", lines);
            }
            String error = first.startsWith("err ") ? first.substring(4) : first;
            if (!lines.isEmpty()) {
                error = error + "\n" + String.join("\n", lines);
            }
            return new Reply(false, error, List.of());
        }
    }

    private static SocketChannel connect(Path ctl) throws IOException {
        if (!Files.exists(ctl)) {
            throw new IOException("no control socket at " + ctl + "; is 'vgpio serve' running for that device?");
        }
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(ctl));
        } catch (IOException e) {
            c.close();
            throw new IOException("cannot connect to " + ctl + " (" + e.getMessage()
                    + "); is 'vgpio serve' running for that device?", e);
        }
        return c;
    }

    private static BufferedReader request(SocketChannel c, String command) throws IOException {
        c.write(ByteBuffer.wrap((command.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8)));
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
    }

    /**
     * Starts watching the changes the guest makes to {@code lines} (offsets or names; every line if empty).
     *
     * @throws IOException with the daemon's message if it refuses (an unknown line), or with a hint when nothing
     *                     serves {@code ctl}
     */
    public static Watch watch(Path ctl, List<String> lines) throws IOException {
        SocketChannel c = connect(ctl);
        try {
            BufferedReader in = request(c, String.join(" ", "watch", String.join(" ", lines)).strip());
            String first = in.readLine();
            if (first == null) {
                throw new IOException("the daemon closed the control connection without a reply");
            }
            if (!first.equals("ok")) {
                throw new IOException(first.startsWith("err ") ? first.substring(4) : first);
            }
            return new Watch(c, in);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** A stream of {@link LineChange}s from {@link #watch}; closing it ends the watch. */
    public static final class Watch implements AutoCloseable {
        private static final String END = "";
        private final SocketChannel channel;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private volatile IOException failure;
        private boolean ended;

        private Watch(SocketChannel channel, BufferedReader in) {
            this.channel = channel;
            Thread.ofVirtual().name("vgpio-ctl-watch-client").start(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    failure = e;
                }
                lines.add(END);
            });
        }

        /**
         * The next change, waiting at most {@code timeout} (for ever if null); null if none came in time.
         *
         * @throws EOFException when the daemon ended the stream (it stopped)
         * @throws IOException  with the daemon's message when it ended the stream with an error
         */
        public LineChange next(Duration timeout) throws IOException, InterruptedException {
            if (ended) {
                throw new EOFException("the daemon ended the watch");
            }
            String line = timeout == null ? lines.take() : lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            if (line.equals(END)) {
                ended = true;
                IOException f = failure;
                if (f != null && channel.isOpen()) {
                    throw f;
                }
                throw new EOFException("the daemon closed the control connection (did 'vgpio serve' stop?)");
            }
            if (line.startsWith("err ")) {
                ended = true;
                throw new IOException(line.substring(4));
            }
            return LineChange.parse(line);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
