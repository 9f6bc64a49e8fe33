package dev.vgpio.channel;

import dev.vgpio.sys.SerialPort;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link Link} over a serial line in raw mode: lossy, so the decoder resynchronizes after bad bytes. */
final class SerialLink implements Link {
    private final SerialPort port;
    private final String describe;
    private volatile boolean closed;
    private volatile boolean woken;
    /** A thread is in {@link #read}: it closes the port once it sees the close, so no other thread closes it under it. */
    private volatile boolean reading;

    private SerialLink(SerialPort port, String describe) {
        this.port = port;
        this.describe = describe;
    }

    static SerialLink open(Endpoint.Serial at) throws IOException {
        return new SerialLink(SerialPort.open(at.device(), at.baud()), at.describe());
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        reading = true;
        try {
            return readUntilClosed(dst);
        } finally {
            reading = false;
            if (closed) {
                port.close();
            }
        }
    }

    private int readUntilClosed(ByteBuffer dst) throws IOException {
        while (!closed) {
            if (woken) {
                woken = false;
                return 0;
            }
            int n = port.read(dst, 250); // wakes now and then to notice a close or a wake from another thread
            if (n != 0) {
                return n;
            }
        }
        return -1;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        port.write(src);
    }

    @Override
    public void wakeReader() {
        woken = true;
    }

    @Override
    public boolean lossy() {
        return true;
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        closed = true;
        if (!reading) {
            port.close(); // else the reading thread closes it within 250 ms
        }
    }
}
