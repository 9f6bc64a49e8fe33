package dev.vgpio.channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLSocket;

/**
 * A {@link Link} over TLS (the JDK's own implementation): a TCP socket whose bytes are encrypted, the server
 * authenticated by its certificate. Reads wake every 250 ms to notice a wake-up or a close from another thread.
 */
final class TlsLink implements Link {
    private final SSLSocket socket;
    private final String describe;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] readBuffer = new byte[16 * 1024];
    private byte[] writeBuffer = new byte[16 * 1024];
    private volatile boolean woken;
    private volatile boolean closed;
    private volatile boolean writing;

    TlsLink(SSLSocket socket, String describe) throws IOException {
        this.socket = socket;
        this.describe = describe;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(250);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (!closed) {
            if (woken) {
                woken = false;
                return 0;
            }
            try {
                int n = in.read(readBuffer, 0, Math.min(readBuffer.length, dst.remaining()));
                if (n > 0) {
                    dst.put(readBuffer, 0, n);
                }
                return n;
            } catch (SocketTimeoutException e) {
                // look at the flags again
            }
        }
        return -1;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (writeBuffer.length < n) {
            writeBuffer = new byte[n];
        }
        src.get(writeBuffer, 0, n);
        writing = true;
        try {
            out.write(writeBuffer, 0, n);
            out.flush();
        } finally {
            writing = false;
        }
    }

    @Override
    public void wakeReader() {
        woken = true;
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
        closed = true;
        try {
            if (writing) {
                // a writer the peer does not read from holds the TLS record lock, and a graceful close would wait
                // for it for ever: reset the connection instead (SO_LINGER 0 makes close skip close_notify's wait)
                socket.setSoLinger(true, 0);
            }
            socket.close();
        } catch (IOException e) {
            // gone either way
        }
    }
}
