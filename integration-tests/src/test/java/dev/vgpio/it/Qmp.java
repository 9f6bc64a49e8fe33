package dev.vgpio.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A QEMU QMP monitor on a Unix socket, enough to pause and resume a VM ({@code stop}, {@code cont}). */
final class Qmp implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    private Qmp(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        readLine("greeting");
        execute("qmp_capabilities");
    }

    /** Connects once QEMU has created {@code socket}, waiting up to {@code timeout}. */
    static Qmp connect(Path socket, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(socket)) {
                try {
                    return new Qmp(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            } else if (System.nanoTime() > deadline) {
                throw new IOException("QEMU created no QMP socket at " + socket + " within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** Runs a command without arguments and returns its reply, skipping the events QEMU sends meanwhile. */
    String execute(String command) throws IOException {
        channel.write(StandardCharsets.UTF_8.encode("{\"execute\": \"" + command + "\"}\n"));
        while (true) {
            String line = readLine(command);
            if (line.contains("\"return\"")) {
                return line;
            }
            if (line.contains("\"error\"")) {
                throw new IOException("QMP " + command + " failed: " + line);
            }
        }
    }

    private String readLine(String what) throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QMP closed while waiting for " + what);
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
