package dev.vgpio.channel;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.virtio.BumpAllocator;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioException.Reason;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtio.VirtioTransport;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The driver's side of a channel (docs/channel.md): a {@link VirtioTransport} whose queues live in local memory
 * and whose buffers travel to the device as frames. A driver written for virtqueues (vgpio's {@code GpioChip}, the
 * conformance suite, the benchmark) runs over it unchanged: each chain it makes available becomes a REQUEST, each
 * RESPONSE a used chain.
 *
 * <p>One thread reads the device's frames and completes chains; a kick sends on the kicking thread. A chain waits
 * on the ring while the device's queue has no free tag, so the driver never has more in flight than the device
 * takes. The transport pings a device that has been silent for {@link #PING_AFTER} and gives up on one silent for
 * {@link #DEAD_AFTER}; once the channel has ended every call fails with a {@link VirtioException} saying why.
 */
public final class ChannelTransport implements VirtioTransport {
    /** How long the device may be silent before it is pinged. */
    public static final Duration PING_AFTER = Duration.ofSeconds(2);
    /** How long the device may be silent before the channel is taken for dead. */
    public static final Duration DEAD_AFTER = Duration.ofSeconds(6);
    private static final long BASE = 0x1000_0000L;

    private final Link link;
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final BumpAllocator allocator;
    private final Envelope.Decoder decoder;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final Envelope.Encoder encoder = new Envelope.Encoder();
    private final ByteBuffer out = ByteBuffer.allocateDirect(16 * 1024);
    /** Handshake answers (DEVICE, FEATURES_OK) wait here for the thread that asked. */
    private final ReentrantLock handshake = new ReentrantLock();
    private final Condition answered = handshake.newCondition();
    private final Thread reader;
    private final Thread watchdog;
    private int deviceId;
    private long deviceFeatures;
    private byte[] config = new byte[0];
    private int[] queueSizes = new int[0];
    private RemoteQueue[] queues = new RemoteQueue[0];
    private long negotiated;
    private boolean gotDevice;
    private long gotFeaturesOk = -1;
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean pinged;
    private volatile VirtioException ended;
    private java.util.function.Consumer<VirtioException> endListener;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private ChannelTransport(Link link, long memorySize) {
        this.link = link;
        MemorySegment segment = arena.allocate(memorySize, 4096);
        this.memory = GuestMemory.of(GuestRegion.of(BASE, segment));
        this.allocator = new BumpAllocator(BASE, segment.byteSize(), "channel transport memory");
        this.decoder = new Envelope.Decoder(link.lossy());
        decoder.onLost(why -> {
            if (gotDevice) {
                throw new ChannelException(ChannelError.MALFORMED, "lost the framing on the serial line (" + why
                        + "); a frame of the device's may be gone");
            }
        });
        this.reader = Thread.ofPlatform().name("vgpio-channel-driver").daemon().unstarted(this::readLoop);
        this.watchdog = Thread.ofVirtual().name("vgpio-channel-ping").unstarted(this::watchLoop);
    }

    /**
     * Connects to the device at {@code endpoint} and begins a session (HELLO, DEVICE).
     *
     * @param token what the device asks for, or null
     * @param timeout how long to wait for the device's answer
     * @param memorySize bytes of local memory for the driver's rings and buffers
     * @throws VirtioException {@code UNREACHABLE} if nothing answers there, {@code REFUSED} with the device's
     *     ERROR (busy, another version, a wrong token), {@code TIMED_OUT} if it does not answer
     */
    public static ChannelTransport connect(Endpoint endpoint, byte[] token, Duration timeout, long memorySize)
            throws VirtioException {
        Link link;
        try {
            link = endpoint.connect();
        } catch (IOException e) {
            throw new VirtioException(Reason.UNREACHABLE, e.getMessage(), e);
        }
        return over(link, token, timeout, memorySize);
    }

    /** Begins a session over a link already made (a test's socket pair, a serial line opened elsewhere). */
    public static ChannelTransport over(Link link, byte[] token, Duration timeout, long memorySize)
            throws VirtioException {
        if (token != null && token.length > Frame.MAX_TOKEN) {
            link.close();
            throw new IllegalArgumentException("a token is at most " + Frame.MAX_TOKEN + " bytes");
        }
        ChannelTransport t;
        try {
            t = new ChannelTransport(link, memorySize);
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
        t.reader.start();
        t.watchdog.start();
        try {
            t.hello(token == null ? new byte[0] : token, timeout);
        } catch (VirtioException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void hello(byte[] token, Duration timeout) throws VirtioException {
        sendLock.lock();
        try {
            MemorySegment f = encoder.frame();
            Frame.header(f, Frame.HELLO, 0, 0, 0, 0);
            Frame.u16(f, Frame.HELLO_MIN_VERSION, Frame.VERSION);
            Frame.u16(f, Frame.HELLO_MAX_VERSION, Frame.VERSION);
            Frame.u16(f, Frame.HELLO_TOKEN_LENGTH, token.length);
            MemorySegment.copy(token, 0, f, ValueLayout.JAVA_BYTE, Frame.HELLO_TOKEN, token.length);
            sendLocked((int) Frame.HELLO_TOKEN + token.length);
            flushLocked();
        } finally {
            sendLock.unlock();
        }
        awaitHandshake(timeout, () -> gotDevice, "DEVICE");
    }

    @FunctionalInterface
    private interface Done {
        boolean done();
    }

    private void awaitHandshake(Duration timeout, Done done, String what) throws VirtioException {
        long deadline = System.nanoTime() + timeout.toNanos();
        handshake.lock();
        try {
            while (!done.done()) {
                failIfEnded();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new VirtioException(Reason.TIMED_OUT, link.describe() + " did not answer with " + what
                            + " within " + timeout.toMillis() + " ms");
                }
                answered.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VirtioException(Reason.LOCAL_FAILURE, "interrupted while waiting for " + link.describe(), e);
        } finally {
            handshake.unlock();
        }
    }

    // ---- VirtioTransport

    /** The device's ID, from its DEVICE frame. */
    public int deviceId() {
        return deviceId;
    }

    @Override
    public long offeredFeatures() {
        // the device's bits, and the ring features of the local split ring, which never leave this process
        return deviceFeatures | VirtioFeature.SPLIT_RING;
    }

    @Override
    public long negotiate(long features) throws VirtioException {
        long accepted = features & offeredFeatures();
        long wire = accepted & (VirtioFeature.DEVICE_BITS | VirtioFeature.VERSION_1.mask());
        failIfEnded();
        sendWord(Frame.FEATURES, wire);
        awaitHandshake(DEAD_AFTER, () -> gotFeaturesOk >= 0, "FEATURES_OK");
        if (gotFeaturesOk != wire) {
            throw new VirtioException(Reason.PROTOCOL_VIOLATION, String.format("%s accepted features 0x%x, not the"
                    + " 0x%x the driver asked for", link.describe(), gotFeaturesOk, wire));
        }
        negotiated = accepted;
        return accepted;
    }

    @Override
    public byte[] readConfig(int offset, int length) throws VirtioException {
        if (offset < 0 || length < 0 || offset + length > config.length) {
            throw new VirtioException(Reason.REFUSED, "config read of " + length + " bytes at " + offset
                    + " is outside the device's " + config.length + "-byte configuration space");
        }
        return java.util.Arrays.copyOfRange(config, offset, offset + length);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long allocate(long size, long align) {
        return allocator.allocate(size, align);
    }

    @Override
    public void startQueue(int index, QueueConfig queueConfig) throws VirtioException {
        failIfEnded();
        if (index < 0 || index >= queueSizes.length) {
            throw new VirtioException(Reason.REFUSED, "the device has no queue " + index);
        }
        // never more tags than the local ring has chains: a device cannot make the driver hold more than its ring
        RemoteQueue q = new RemoteQueue(this, index, Math.min(queueSizes[index], queueConfig.size()), memory,
                queueConfig, VirtioFeature.ringFeatures(negotiated));
        synchronized (this) {
            RemoteQueue[] grown = java.util.Arrays.copyOf(queues, Math.max(queues.length, index + 1));
            grown[index] = q;
            queues = grown;
        }
    }

    @Override
    public void notifyDevice(int index) throws VirtioException {
        failIfEnded();
        RemoteQueue q = queue(index);
        q.sendAvailable();
    }

    @Override
    public boolean awaitNotification(int index, Duration timeout) throws VirtioException, InterruptedException {
        failIfEnded();
        boolean got = queue(index).await(timeout);
        failIfEnded();
        return got;
    }

    private RemoteQueue queue(int index) throws VirtioException {
        RemoteQueue[] qs = queues;
        if (index < 0 || index >= qs.length || qs[index] == null) {
            throw new VirtioException(Reason.REFUSED, "queue " + index + " was not started");
        }
        return qs[index];
    }

    @Override
    public String describe() {
        return link.describe();
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        end(new VirtioException(Reason.CLOSED, "the channel to " + link.describe() + " was closed"));
        if (Thread.currentThread() != reader) {
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        watchdog.interrupt();
        if (!reader.isAlive()) {
            arena.close();
        }
    }

    // ---- sending (RemoteQueue calls these)

    ReentrantLock sendLock() {
        return sendLock;
    }

    Envelope.Encoder encoder() {
        return encoder;
    }

    /** Sends a frame whose body is one 64-bit word (FEATURES, PING, PONG) at once. */
    private void sendWord(int type, long word) throws VirtioException {
        sendLock.lock();
        try {
            sendWordLocked(type, word);
        } finally {
            sendLock.unlock();
        }
    }

    private void sendWordLocked(int type, long word) throws VirtioException {
        MemorySegment o = encoder.frame();
        Frame.header(o, type, 0, 0, 0, 0);
        Frame.u64(o, Frame.FEATURE_BITS, word); // FEATURE_BITS and COOKIE are the same place
        sendLocked(Frame.HEADER + 8);
        flushLocked();
    }

    /** Puts the frame built in the encoder into the output; the caller holds {@link #sendLock}. */
    void sendLocked(int length) throws VirtioException {
        if (out.remaining() < Envelope.MAX) {
            flushLocked();
        }
        encoder.commit(length, out);
    }

    /** Writes what is waiting; the caller holds {@link #sendLock}. */
    void flushLocked() throws VirtioException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        try {
            link.write(out);
        } catch (IOException e) {
            VirtioException v = new VirtioException(Reason.CLOSED, "the channel to " + link.describe()
                    + " ended: " + e.getMessage(), e);
            end(v);
            throw v;
        } finally {
            out.clear();
        }
    }

    void failIfEnded() throws VirtioException {
        VirtioException e = ended;
        if (e != null) {
            throw new VirtioException(e.reason(), e.getMessage(), e);
        }
    }

    /**
     * Runs {@code listener} once the channel has ended (the device went away, stopped answering or sent an ERROR;
     * not when {@link #close} ends it), on a thread of its own; at once, on the caller's, if it has ended already.
     */
    public void onEnd(java.util.function.Consumer<VirtioException> listener) {
        VirtioException now;
        synchronized (this) {
            now = ended;
            if (now == null) {
                endListener = listener;
            }
        }
        if (now != null && !closing.get()) {
            listener.accept(now);
        }
    }

    /** Whether the channel has ended, and so every call fails. */
    public boolean ended() {
        return ended != null;
    }

    /** The channel is over: everyone waiting learns why. */
    void end(VirtioException why) {
        java.util.function.Consumer<VirtioException> tell = null;
        synchronized (this) {
            if (ended == null) {
                ended = why;
                tell = closing.get() ? null : endListener;
                endListener = null;
            }
        }
        link.close();
        handshake.lock();
        try {
            answered.signalAll();
        } finally {
            handshake.unlock();
        }
        for (RemoteQueue q : queues) {
            if (q != null) {
                q.wakeAll();
            }
        }
        if (tell != null) {
            // on a thread of its own: this one may hold a queue's lock or the send lock, which the listener's own
            // callers may be waiting for while holding theirs
            java.util.function.Consumer<VirtioException> listener = tell;
            Thread.ofVirtual().name("vgpio-channel-ended").start(() -> listener.accept(why));
        }
    }

    // ---- receiving

    private void readLoop() {
        ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
        Envelope.FrameSink sink = this::onFrame;
        try {
            while (ended == null) {
                in.clear();
                int n = link.read(in);
                if (n < 0) {
                    end(new VirtioException(Reason.CLOSED, link.describe() + " closed the channel"));
                    return;
                }
                in.flip();
                decoder.feed(in, sink);
                for (RemoteQueue q : queues) {
                    if (q != null) {
                        q.publishAndSignal();
                    }
                }
            }
        } catch (ChannelException e) {
            end(new VirtioException(Reason.PROTOCOL_VIOLATION, link.describe() + ": " + e.getMessage(), e));
        } catch (VirtioException e) {
            end(e);
        } catch (IOException e) {
            end(new VirtioException(Reason.CLOSED, "the channel to " + link.describe() + " ended: "
                    + e.getMessage(), e));
        }
    }

    private void onFrame(MemorySegment f, int length) throws IOException {
        lastHeard = System.nanoTime();
        pinged = false;
        int type = Frame.type(f);
        switch (type) {
            case Frame.RESPONSE -> {
                RemoteQueue[] qs = queues;
                int q = Frame.queue(f);
                if (q >= qs.length || qs[q] == null) {
                    throw new ChannelException(ChannelError.TAG, "a RESPONSE on queue " + q + ", which the driver"
                            + " never started");
                }
                qs[q].onResponse(f, length);
            }
            case Frame.DEVICE -> onDevice(f, length);
            case Frame.FEATURES_OK -> {
                if (length != Frame.HEADER + 8) {
                    throw new ChannelException(ChannelError.MALFORMED, "FEATURES_OK of " + length + " bytes");
                }
                handshake.lock();
                try {
                    gotFeaturesOk = Frame.u64(f, Frame.FEATURE_BITS);
                    answered.signalAll();
                } finally {
                    handshake.unlock();
                }
            }
            case Frame.PING -> {
                if (length != Frame.HEADER + 8) {
                    throw new ChannelException(ChannelError.MALFORMED, "PING of " + length + " bytes");
                }
                sendWord(Frame.PONG, Frame.u64(f, Frame.COOKIE));
            }
            case Frame.PONG -> { }
            case Frame.ERROR -> {
                if (length < Frame.ERROR_MESSAGE) {
                    throw new ChannelException(ChannelError.MALFORMED, "ERROR of " + length + " bytes; it takes at"
                            + " least its 4-byte code");
                }
                int code = Frame.u16(f, Frame.ERROR_CODE);
                String text = length > Frame.ERROR_MESSAGE ? new String(f.asSlice(Frame.ERROR_MESSAGE,
                        length - Frame.ERROR_MESSAGE).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8) : "";
                ChannelError e = ChannelError.of(code);
                Reason r = e == ChannelError.VERSION ? Reason.UNSUPPORTED
                        : e == ChannelError.TIMEOUT ? Reason.TIMED_OUT : Reason.REFUSED;
                end(new VirtioException(r, link.describe() + " ended the session: " + (e == null ? "error " + code
                        : e.name()) + ": " + text));
            }
            default -> throw new ChannelException(ChannelError.MALFORMED, "a device does not send "
                    + Frame.typeName(type) + " frames");
        }
    }

    private void onDevice(MemorySegment f, int length) throws ChannelException {
        if (length < Frame.DEVICE_QUEUE_SIZES) {
            throw new ChannelException(ChannelError.MALFORMED, "DEVICE of " + length + " bytes");
        }
        int version = Frame.u16(f, Frame.DEVICE_VERSION);
        int count = Frame.u8(f, Frame.DEVICE_QUEUE_COUNT);
        int configSize = Frame.u16(f, Frame.DEVICE_CONFIG_SIZE);
        long configAt = Frame.DEVICE_QUEUE_SIZES + 2L * count;
        if (configAt + configSize > length) {
            throw new ChannelException(ChannelError.MALFORMED, "DEVICE's " + count + " queue sizes and " + configSize
                    + "-byte configuration space run past its " + length + "-byte frame");
        }
        if (version != Frame.VERSION) {
            throw new ChannelException(ChannelError.VERSION, "the device chose protocol version " + version
                    + "; this driver asked for " + Frame.VERSION);
        }
        int[] sizes = new int[count];
        for (int q = 0; q < count; q++) {
            sizes[q] = Frame.u16(f, Frame.DEVICE_QUEUE_SIZES + 2L * q);
            if (sizes[q] == 0) {
                throw new ChannelException(ChannelError.MALFORMED, "DEVICE gives queue " + q + " a size of 0");
            }
        }
        handshake.lock();
        try {
            if (gotDevice) {
                throw new ChannelException(ChannelError.SEQUENCE, "a second DEVICE frame in one session");
            }
            deviceId = Frame.u16(f, Frame.DEVICE_ID);
            deviceFeatures = Frame.u64(f, Frame.DEVICE_FEATURES)
                    & (VirtioFeature.DEVICE_BITS | VirtioFeature.VERSION_1.mask());
            queueSizes = sizes;
            config = f.asSlice(configAt, configSize).toArray(ValueLayout.JAVA_BYTE);
            gotDevice = true;
            answered.signalAll();
        } finally {
            handshake.unlock();
        }
    }

    /** Pings a silent device; gives up on a dead one. */
    private void watchLoop() {
        try {
            while (ended == null) {
                Thread.sleep(250);
                long silent = System.nanoTime() - lastHeard;
                if (silent > DEAD_AFTER.toNanos()) {
                    end(new VirtioException(Reason.TIMED_OUT, link.describe() + " has sent nothing for "
                            + silent / 1_000_000 + " ms; the channel is taken for dead"));
                    return;
                }
                if (silent > PING_AFTER.toNanos() && !pinged && sendLock.tryLock()) {
                    pinged = true; // a write that blocks holds the lock: the device then is not reading, and dies
                    try {
                        sendWordLocked(Frame.PING, lastHeard);
                    } catch (VirtioException e) {
                        return;
                    } finally {
                        sendLock.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }
}
