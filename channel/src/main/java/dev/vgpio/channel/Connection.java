package dev.vgpio.channel;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestMemoryException;
import dev.vgpio.virtio.VirtioFeature;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One link to a {@link ChannelServer}, and the session of the driver at its other end (docs/channel.md, "A
 * session"): its own thread reads the frames and serves them under the server's lock. A protocol error gets an
 * ERROR frame; on a socket the connection then ends, on a serial line the session ends and the line stays.
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private enum State { HELLO, FEATURES, READY }

    private final ChannelServer server;
    private final Link link;
    private final String name;
    private final Envelope.Decoder decoder;
    private final Envelope.Encoder encoder = new Envelope.Encoder();
    private final ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final Envelope.FrameSink onFrame = this::onFrame;
    private volatile State state = State.HELLO;
    private volatile long lastFrame = System.nanoTime();
    private volatile long partialSince;
    private volatile long writingSince;
    /** Set by the event thread when a timeout ends this connection; acted on by the reading thread. */
    private volatile ChannelException timedOut;
    private volatile boolean shutdown;
    /** The thread that runs {@link #run}, for the server to wait for when it closes. */
    volatile Thread thread;

    Connection(ChannelServer server, Link link) {
        this.server = server;
        this.link = link;
        this.name = server.options().name();
        this.decoder = new Envelope.Decoder(link.lossy());
        decoder.onLost(why -> {
            if (state != State.HELLO) {
                throw new ChannelException(ChannelError.MALFORMED, "lost the framing on the serial line (" + why
                        + "); a frame may be gone, so the session ends: send HELLO to begin another");
            }
        });
    }

    /** Reads and serves frames until the link ends. */
    void run() {
        LOG.info("{}: a driver connected over {}", name, link.describe());
        try {
            while (!shutdown) {
                in.clear();
                int n = link.read(in);
                ChannelException t = timedOut;
                if (t != null) {
                    timedOut = null;
                    if (!fail(t)) {
                        return;
                    }
                    continue;
                }
                if (n < 0) {
                    LOG.info("{}: the driver over {} disconnected", name, link.describe());
                    return;
                }
                in.flip();
                do {
                    try {
                        synchronized (server.lock()) {
                            server.enter();
                            try {
                                decoder.feed(in, onFrame);
                            } finally {
                                try {
                                    notifyDevice();
                                } finally {
                                    server.leave();
                                }
                            }
                        }
                    } catch (ChannelException e) {
                        if (!fail(e)) {
                            return;
                        }
                    }
                } while (in.hasRemaining()); // on a serial line what follows a bad frame is looked at too
                partialSince = decoder.partial() ? (partialSince == 0 ? System.nanoTime() : partialSince) : 0;
            }
        } catch (IOException e) {
            if (!shutdown) {
                LOG.info("{}: the link {} failed: {}", name, link.describe(), why(e));
            }
        } finally {
            synchronized (server.lock()) {
                server.enter();
                server.endSession(this);
                server.leave();
            }
            link.close();
        }
    }

    /**
     * Tells the peer what went wrong and ends its session.
     *
     * @return whether to go on reading (a serial line stays; a socket ends)
     */
    private boolean fail(ChannelException e) {
        LOG.warn("{}: {} over {}: {}", name, e.error(), link.describe(), e.getMessage());
        synchronized (server.lock()) {
            server.enter();
            server.endSession(this);
            server.leave();
            state = State.HELLO;
            out.clear();
            error(e.error(), e.getMessage());
            flushQuietly();
        }
        if (e.error() == ChannelError.TIMEOUT || !link.lossy()) {
            decoder.reset(); // a stalled frame is dropped; after any other error the decoder is between frames
        }
        partialSince = 0;
        return link.lossy() && !shutdown;
    }

    /** Publishes what the frames just read put on the queues, and tells the device. Under the lock. */
    private void notifyDevice() throws ChannelException {
        for (int q = 0; q < server.queueCount(); q++) {
            LocalQueue lq = server.queue(q);
            try {
                if (lq.started() && lq.publish()) {
                    server.device().queueNotified(q);
                }
            } catch (GuestMemoryException e) {
                throw new ChannelException(ChannelError.INTERNAL, "queue " + q + " in local memory: "
                        + e.getMessage());
            }
        }
        server.afterDeviceCall();
    }

    private void onFrame(MemorySegment f, int length) throws IOException {
        lastFrame = System.nanoTime();
        int type = Frame.type(f);
        switch (type) {
            case Frame.HELLO -> hello(f, length);
            case Frame.FEATURES -> features(f, length);
            case Frame.REQUEST -> request(f, length);
            case Frame.PING -> {
                requireExactly(f, length, Frame.HEADER + 8);
                requireSession(type);
                long cookie = Frame.u64(f, Frame.COOKIE);
                MemorySegment o = encoder.frame();
                Frame.header(o, Frame.PONG, 0, 0, 0, 0);
                Frame.u64(o, Frame.COOKIE, cookie);
                send(Frame.HEADER + 8);
            }
            case Frame.PONG -> {
                requireExactly(f, length, Frame.HEADER + 8);
                requireSession(type);
            }
            case Frame.ERROR -> {
                if (length < Frame.ERROR_MESSAGE) {
                    throw new ChannelException(ChannelError.MALFORMED, "ERROR of " + length + " bytes; it takes at"
                            + " least its 4-byte code");
                }
                int code = Frame.u16(f, Frame.ERROR_CODE);
                String text = length > Frame.ERROR_MESSAGE ? utf8(f, Frame.ERROR_MESSAGE,
                        length - (int) Frame.ERROR_MESSAGE) : "";
                LOG.warn("{}: the driver over {} ended its session with error {} ({}): {}", name, link.describe(),
                        code, ChannelError.of(code), text);
                server.endSession(this);
                state = State.HELLO;
                if (!link.lossy()) {
                    shutdown = true;
                }
            }
            case Frame.DEVICE, Frame.FEATURES_OK, Frame.RESPONSE -> throw new ChannelException(ChannelError.SEQUENCE,
                    "a driver does not send " + Frame.typeName(type) + " frames: only a device does");
            default -> throw new ChannelException(ChannelError.MALFORMED, "frame type 0x" + Integer.toHexString(type)
                    + " does not exist in channel protocol version " + Frame.VERSION);
        }
    }

    private void hello(MemorySegment f, int length) throws IOException {
        requireAtLeast(f, length, (int) Frame.HELLO_TOKEN);
        int min = Frame.u16(f, Frame.HELLO_MIN_VERSION);
        int max = Frame.u16(f, Frame.HELLO_MAX_VERSION);
        int tokenLength = Frame.u16(f, Frame.HELLO_TOKEN_LENGTH);
        if (tokenLength > Frame.MAX_TOKEN || Frame.HELLO_TOKEN + tokenLength > length) {
            throw new ChannelException(ChannelError.MALFORMED, "HELLO's token of " + tokenLength
                    + " bytes runs past its " + length + "-byte frame");
        }
        if (min > Frame.VERSION || max < Frame.VERSION) {
            throw new ChannelException(ChannelError.VERSION, "this device speaks channel protocol version "
                    + Frame.VERSION + " only; the driver speaks versions " + min + " to " + max);
        }
        byte[] token = server.options().token();
        if (token != null) {
            byte[] given = f.asSlice(Frame.HELLO_TOKEN, tokenLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            if (!MessageDigest.isEqual(token, given)) {
                throw new ChannelException(ChannelError.DENIED, tokenLength == 0
                        ? "this device needs a token: give the driver the device's token"
                        : "the token is not this device's");
            }
        }
        if (!server.claim(this)) {
            String other = server.device().heldBy();
            throw new ChannelException(ChannelError.BUSY, "the device serves another driver"
                    + (other == null ? "" : " (on the " + other + ")") + "; try again once it has let go");
        }
        state = State.FEATURES;
        sendDevice();
    }

    private void sendDevice() throws IOException {
        var device = server.device();
        int queues = server.queueCount();
        int configSize = device.configSize();
        int length = (int) Frame.DEVICE_QUEUE_SIZES + 2 * queues + configSize;
        if (length > Frame.MAX) {
            throw new ChannelException(ChannelError.INTERNAL, "the device's " + configSize
                    + "-byte configuration space does not fit in a DEVICE frame");
        }
        MemorySegment o = encoder.frame();
        o.asSlice(0, length).fill((byte) 0);
        Frame.header(o, Frame.DEVICE, 0, 0, 0, 0);
        Frame.u16(o, Frame.DEVICE_VERSION, Frame.VERSION);
        Frame.u16(o, Frame.DEVICE_ID, device.deviceId());
        Frame.u64(o, Frame.DEVICE_FEATURES, server.offeredFeatures());
        o.set(java.lang.foreign.ValueLayout.JAVA_BYTE, Frame.DEVICE_QUEUE_COUNT, (byte) queues);
        Frame.u16(o, Frame.DEVICE_CONFIG_SIZE, configSize);
        for (int q = 0; q < queues; q++) {
            Frame.u16(o, Frame.DEVICE_QUEUE_SIZES + 2L * q, server.queue(q).limits().tags());
        }
        long config = Frame.DEVICE_QUEUE_SIZES + 2L * queues;
        device.readConfig(0, o.asSlice(config, configSize), configSize);
        send(length);
    }

    private void features(MemorySegment f, int length) throws IOException {
        if (state != State.FEATURES) {
            throw new ChannelException(ChannelError.SEQUENCE, state == State.HELLO
                    ? "FEATURES before HELLO: begin the session with HELLO"
                    : "FEATURES again: features are negotiated once a session (send HELLO to begin another)");
        }
        requireExactly(f, length, Frame.HEADER + 8);
        long features = Frame.u64(f, Frame.FEATURE_BITS);
        long offered = server.offeredFeatures();
        if ((features & ~offered) != 0 || (features & VirtioFeature.VERSION_1.mask()) == 0) {
            throw new ChannelException(ChannelError.FEATURES, String.format("the driver accepted features 0x%x;"
                    + " the device offers 0x%x, and VERSION_1 (bit 32) must be among them", features, offered));
        }
        try {
            server.startSession(this, features);
        } catch (IllegalStateException e) {
            throw new ChannelException(ChannelError.BUSY, e.getMessage()); // another transport's driver came first
        }
        state = State.READY;
        MemorySegment o = encoder.frame();
        Frame.header(o, Frame.FEATURES_OK, 0, 0, 0, 0);
        Frame.u64(o, Frame.FEATURE_BITS, features);
        send(Frame.HEADER + 8);
        LOG.info("{}: a driver's session began over {} (features 0x{})", name, link.describe(),
                Long.toHexString(features));
    }

    private void request(MemorySegment f, int length) throws IOException {
        if (state != State.READY) {
            throw new ChannelException(ChannelError.SEQUENCE, "REQUEST before FEATURES_OK: send HELLO, then"
                    + " FEATURES");
        }
        int q = Frame.queue(f);
        LocalQueue lq = server.queue(q);
        if (lq == null || !lq.started()) {
            throw new ChannelException(ChannelError.TAG, "queue " + q + " does not exist with the negotiated"
                    + " features");
        }
        int tag = Frame.tag(f);
        if (!lq.tagFree(tag)) {
            throw new ChannelException(ChannelError.TAG, tag >= lq.limits().tags()
                    ? "tag " + tag + " is not below queue " + q + "'s size " + lq.limits().tags()
                    : "tag " + tag + " is already in flight on queue " + q);
        }
        int readable = length - Frame.HEADER;
        int writable = Frame.size(f);
        if (readable > lq.limits().maxReadable() || writable > lq.limits().maxWritable()) {
            throw new ChannelException(ChannelError.TOO_LARGE, "a request of " + readable + " bytes with room for "
                    + writable + " on queue " + q + "; the device takes at most " + lq.limits().maxReadable()
                    + " and " + lq.limits().maxWritable());
        }
        try {
            lq.submit(tag, f, Frame.BODY, readable, writable);
        } catch (GuestMemoryException e) {
            throw new ChannelException(ChannelError.INTERNAL, "queue " + q + " in local memory: " + e.getMessage());
        }
    }

    private void requireSession(int type) throws ChannelException {
        if (state == State.HELLO) {
            throw new ChannelException(ChannelError.SEQUENCE, Frame.typeName(type) + " before HELLO: begin the"
                    + " session with HELLO");
        }
    }

    private static void requireAtLeast(MemorySegment f, int length, int min) throws ChannelException {
        if (length < min) {
            throw new ChannelException(ChannelError.MALFORMED, Frame.typeName(Frame.type(f)) + " of " + length
                    + " bytes; it takes at least " + min);
        }
    }

    private static void requireExactly(MemorySegment f, int length, int size) throws ChannelException {
        if (length != size) {
            throw new ChannelException(ChannelError.MALFORMED, Frame.typeName(Frame.type(f)) + " of " + length
                    + " bytes; it is " + size);
        }
    }

    /** An exception for a log line: its message, or its kind when it has none (a socket closed meanwhile). */
    private static String why(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e instanceof java.nio.channels.ClosedChannelException
                ? "the connection was closed" : e.getClass().getSimpleName();
    }

    private static String utf8(MemorySegment f, long at, int n) {
        byte[] b = f.asSlice(at, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---- what the server calls, under its lock

    /** Sends the device's answer for {@code tag}: {@code length} bytes at {@code gpa}, in pieces. */
    void respond(int queue, int tag, GuestMemory memory, long gpa, int length) {
        int offset = 0;
        try {
            do {
                int n = Math.min(Frame.MAX_BODY, length - offset);
                MemorySegment o = encoder.frame();
                Frame.header(o, Frame.RESPONSE, queue, tag, length, offset);
                memory.read(gpa + offset, o, Frame.BODY, n);
                send(Frame.HEADER + n);
                offset += n;
            } while (offset < length);
        } catch (GuestMemoryException | IOException e) {
            LOG.error("{}: cannot send the answer to tag {} on queue {}: {}", name, tag, queue, why(e));
            link.close();
        }
    }

    /** The device marked a queue broken: the session cannot go on. */
    void deviceBroke(int queue) {
        LOG.error("{}: the device broke queue {} in local memory; the session over {} ends", name, queue,
                link.describe());
        timedOut = new ChannelException(ChannelError.INTERNAL, "the device failed on queue " + queue);
        link.close();
    }

    private void error(ChannelError e, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, Frame.MAX - (int) Frame.ERROR_MESSAGE);
        MemorySegment o = encoder.frame();
        Frame.header(o, Frame.ERROR, 0, 0, 0, 0);
        Frame.u16(o, Frame.ERROR_CODE, e.code());
        Frame.u16(o, Frame.ERROR_CODE + 2, 0);
        MemorySegment.copy(text, 0, o, java.lang.foreign.ValueLayout.JAVA_BYTE, Frame.ERROR_MESSAGE, n);
        try {
            send((int) Frame.ERROR_MESSAGE + n);
        } catch (IOException ex) {
            // the link is gone: nobody to tell
        }
    }

    /** Puts the frame built in the encoder into the output, making room first if needed. */
    private void send(int length) throws IOException {
        if (out.remaining() < Envelope.MAX) {
            flush();
        }
        encoder.commit(length, out);
    }

    private void flush() throws IOException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        writingSince = System.nanoTime();
        try {
            link.write(out);
        } finally {
            writingSince = 0;
            out.clear();
        }
    }

    /** Writes what is waiting; a failed link is closed (its reading thread then ends the session). */
    void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            LOG.info("{}: cannot write to {}: {}", name, link.describe(), why(e));
            link.close();
        }
    }

    /** From the event thread: ends a connection that stalls a frame or a write, or has gone silent. */
    void checkTimeouts(long now, long frameTimeout, long idleTimeout) {
        long w = writingSince;
        if (w != 0 && now - w > frameTimeout) {
            LOG.warn("{}: the driver over {} has not read its answers for {} ms; the connection ends", name,
                    link.describe(), (now - w) / 1_000_000);
            link.close();
            return;
        }
        long p = partialSince;
        boolean session = state != State.HELLO;
        if (p != 0 && now - p > frameTimeout && timedOut == null && (session || !link.lossy())) {
            timedOut = new ChannelException(ChannelError.TIMEOUT, "a frame was started and not finished within "
                    + frameTimeout / 1_000_000 + " ms");
            link.wakeReader();
        } else if (session && now - lastFrame > idleTimeout && timedOut == null) {
            timedOut = new ChannelException(ChannelError.TIMEOUT, "the driver sent nothing for "
                    + idleTimeout / 1_000_000_000 + " s");
            link.wakeReader();
        } else if (!session && !link.lossy() && p == 0 && now - lastFrame > frameTimeout && timedOut == null) {
            // (a frame begun meanwhile has its own timeout, above: it says what happened more precisely)
            // a connection that does not say HELLO within the frame timeout holds a connection slot for nothing
            timedOut = new ChannelException(ChannelError.TIMEOUT, "no HELLO within " + frameTimeout / 1_000_000
                    + " ms of connecting");
            link.wakeReader();
        }
    }

    /** The server closes: the link ends, and with it the reading thread. */
    void shutdown() {
        shutdown = true;
        link.close();
    }
}
