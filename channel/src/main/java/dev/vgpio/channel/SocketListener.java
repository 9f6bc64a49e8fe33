package dev.vgpio.channel;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A {@link Listener} over a listening Unix or TCP socket. */
final class SocketListener implements Listener {
    /** What closing removes besides the socket (a Unix socket's file). */
    @FunctionalInterface
    interface Cleanup {
        void run() throws IOException;
    }

    private final ServerSocketChannel server;
    private final String describe;
    private final Cleanup cleanup;

    SocketListener(ServerSocketChannel server, String describe, Cleanup cleanup) {
        this.server = server;
        this.describe = describe;
        this.cleanup = cleanup;
    }

    @Override
    public Link accept() throws IOException {
        SocketChannel c = server.accept();
        SocketAddress peer = c.getRemoteAddress();
        String from = peer == null || peer.toString().isEmpty() ? "" : " from " + peer;
        try {
            return new SocketLink(c, describe + from);
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing a listening socket cannot fail in a way that matters here
        }
        try {
            cleanup.run();
        } catch (IOException e) {
            // a socket file left behind is claimed again by the next server
        }
    }
}
