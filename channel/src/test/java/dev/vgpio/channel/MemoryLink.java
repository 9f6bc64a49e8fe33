package dev.vgpio.channel;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** One end of an in-memory pair of links, for tests: what one end writes, the other reads. */
final class MemoryLink implements Link {
    private static final byte[] END = new byte[0];
    private static final byte[] WAKE = new byte[0];

    private final BlockingQueue<byte[]> incoming;
    private final BlockingQueue<byte[]> outgoing;
    private final boolean lossy;
    private final String name;
    private byte[] chunk;
    private int at;
    private volatile boolean closed;

    private MemoryLink(BlockingQueue<byte[]> in, BlockingQueue<byte[]> out, boolean lossy, String name) {
        this.incoming = in;
        this.outgoing = out;
        this.lossy = lossy;
        this.name = name;
    }

    /** Two ends: {@code [0]} for the device, {@code [1]} for the driver. */
    static MemoryLink[] pair(boolean lossy) {
        BlockingQueue<byte[]> a = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> b = new LinkedBlockingQueue<>();
        return new MemoryLink[] {new MemoryLink(a, b, lossy, "memory device end"),
            new MemoryLink(b, a, lossy, "memory driver end")};
    }

    @Override
    public int read(ByteBuffer dst) throws java.io.IOException {
        if (closed) {
            return -1;
        }
        if (chunk == null || at == chunk.length) {
            try {
                chunk = incoming.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.IOException("interrupted");
            }
            at = 0;
            if (chunk == END) {
                incoming.offer(END); // and again for every later read
                return -1;
            }
            if (chunk == WAKE) {
                chunk = null;
                return closed ? -1 : 0;
            }
        }
        int n = Math.min(dst.remaining(), chunk.length - at);
        dst.put(chunk, at, n);
        at += n;
        return n;
    }

    @Override
    public void write(ByteBuffer src) throws java.io.IOException {
        if (closed) {
            throw new java.io.IOException(name + " is closed");
        }
        byte[] b = new byte[src.remaining()];
        src.get(b);
        outgoing.offer(b);
    }

    @Override
    public void wakeReader() {
        incoming.offer(WAKE);
    }

    @Override
    public boolean lossy() {
        return lossy;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            outgoing.offer(END);
            incoming.offer(WAKE); // a read blocked on this end returns -1
        }
    }

    /** Bytes the other end wrote, waiting up to {@code millis} for them; null once it has closed (or timed out). */
    byte[] poll(long millis) throws InterruptedException {
        while (true) {
            byte[] b = incoming.poll(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (b != WAKE) {
                return b == END ? null : b;
            }
        }
    }
}
