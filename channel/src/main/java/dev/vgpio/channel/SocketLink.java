package dev.vgpio.channel;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A {@link Link} over a blocking Unix or TCP socket channel. */
final class SocketLink implements Link {
    private final SocketChannel channel;
    private final String describe;

    SocketLink(SocketChannel channel, String describe) throws IOException {
        this.channel = channel;
        this.describe = describe;
        channel.configureBlocking(true);
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // small frames go out at once
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }

    @Override
    public void wakeReader() {
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            close(); // it cannot be half-closed: then it ends
        }
    }

    @Override
    public boolean lossy() {
        return false;
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do: the socket is gone either way
        }
    }
}
