package dev.vgpio.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        if (!Files.exists(ctl)) {
            throw new IOException("no control socket at " + ctl + "; is 'vgpio serve' running for that device?");
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                c.connect(UnixDomainSocketAddress.of(ctl));
            } catch (IOException e) {
                throw new IOException("cannot connect to " + ctl + " (" + e.getMessage()
                        + "); is 'vgpio serve' running for that device?", e);
            }
            c.write(java.nio.ByteBuffer.wrap((command.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8)));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8));
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
}
