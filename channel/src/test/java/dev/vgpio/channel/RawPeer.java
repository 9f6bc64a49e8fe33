package dev.vgpio.channel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;

/** A test's hand-written peer: sends frames byte by byte as a test wants them, and reads the other side's frames. */
final class RawPeer implements AutoCloseable {
    final Link link;
    private final Envelope.Encoder encoder = new Envelope.Encoder();
    private final Envelope.Decoder decoder;
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private final ByteBuffer in = ByteBuffer.allocate(8192);

    RawPeer(Link link) {
        this.link = link;
        this.decoder = new Envelope.Decoder(link.lossy());
    }

    /** Sends a frame: a header and a body. */
    void send(int type, int queue, int tag, int size, int offset, byte... body) throws IOException {
        MemorySegment f = encoder.frame();
        Frame.header(f, type, queue, tag, size, offset);
        MemorySegment.copy(body, 0, f, ValueLayout.JAVA_BYTE, Frame.BODY, body.length);
        ByteBuffer out = ByteBuffer.allocate(Envelope.MAX);
        encoder.commit(Frame.HEADER + body.length, out);
        out.flip();
        link.write(out);
    }

    void sendRaw(byte... bytes) throws IOException {
        link.write(ByteBuffer.wrap(bytes));
    }

    void hello(byte... token) throws IOException {
        byte[] b = new byte[6 + token.length];
        b[0] = 1;
        b[2] = 1;
        b[4] = (byte) token.length;
        System.arraycopy(token, 0, b, 6, token.length);
        send(Frame.HELLO, 0, 0, 0, 0, b);
    }

    void features(long bits) throws IOException {
        send(Frame.FEATURES, 0, 0, 0, 0, le64(bits));
    }

    static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** A GPIO request's 8 bytes. */
    static byte[] gpio(int type, int line, int value) {
        return new byte[] {(byte) type, (byte) (type >>> 8), (byte) line, (byte) (line >>> 8), (byte) value,
            (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }

    /** The next frame the other side sent (its bytes), or null if none came in time or the link ended. */
    byte[] next(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (frames.isEmpty()) {
            if (System.nanoTime() > deadline) {
                return null;
            }
            in.clear();
            int n = link.read(in);
            if (n < 0) {
                return null;
            }
            in.flip();
            decoder.feed(in, (f, length) -> frames.add(f.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
        }
        return frames.poll();
    }

    /** Whether the other side closed the link (reads -1 within the timeout). */
    boolean closedWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            in.clear();
            if (link.read(in) < 0) {
                return true;
            }
        }
        return false;
    }

    static int u16(byte[] f, int at) {
        return (f[at] & 0xff) | (f[at + 1] & 0xff) << 8;
    }

    @Override
    public void close() {
        link.close();
    }
}
