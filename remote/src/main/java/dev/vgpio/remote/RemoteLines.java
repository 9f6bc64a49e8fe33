package dev.vgpio.remote;

import dev.vgpio.channel.ChannelTransport;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.driver.EdgeEvent;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lines of a virtio-gpio device at the other end of a channel (docs/channel.md), as {@link GpioLines}: a board
 * running vgpio's C library, or another {@code vgpio serve --listen}. Each configured line is a {@link LineRequest}
 * of vgpio's driver, so a direction change never glitches and edges come back as the driver's events.
 *
 * <p>If the channel ends, the lines reconnect once a second; once back they take every line to what this side last
 * asked (directions, output values, settings, edge detection), since the far device treats a new session as a new
 * driver. Meanwhile every call fails with a {@link LineException}, which the device turns into STATUS_ERR.
 */
public final class RemoteLines implements GpioLines {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLines.class);
    /** How long a request to the far device may take. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final long MEMORY = 1 << 20;

    private final Endpoint at;
    private final byte[] token;
    private final String label;
    private final List<String> names;
    private final Object lock = new Object();
    /**
     * What this side asked of a line: its direction (NONE: released), output value, edge detection and settings.
     * A setting the direction has no use for (a drive on an input, a debounce period on an output) is held until
     * the line changes direction, as a Linux chip's line request does.
     */
    private record Want(Direction direction, int value, Edge edge, Bias bias, Drive drive, int debounceMicros) {
        static final Want RELEASED = new Want(Direction.NONE, 0, Edge.NONE, Bias.AS_IS, Drive.PUSH_PULL, 0);

        /** The driver's settings for a configured line. */
        LineSettings settings() {
            return direction == Direction.OUT ? LineSettings.output(value).withBias(bias).withDrive(drive)
                    : LineSettings.input(trigger(edge)).withBias(bias).withDebounceMicros(debounceMicros);
        }

        Want direction(Direction d, int v) {
            return new Want(d, v, edge, bias, drive, debounceMicros);
        }

        Want edge(Edge e) {
            return new Want(direction, value, e, bias, drive, debounceMicros);
        }

        Want bias(Bias b) {
            return new Want(direction, value, edge, b, drive, debounceMicros);
        }

        Want drive(Drive d) {
            return new Want(direction, value, edge, bias, d, debounceMicros);
        }

        Want debounce(int micros) {
            return new Want(direction, value, edge, bias, drive, micros);
        }
    }

    private final Want[] wanted;
    private final LineRequest[] requests;
    private volatile GpioChip chip;
    private volatile LineEventListener listener;
    private volatile boolean closed;
    private Thread reconnecting;

    private RemoteLines(Endpoint at, byte[] token, GpioChip chip) {
        this.at = at;
        this.token = token;
        this.chip = chip;
        this.label = "remote:" + at.describe();
        this.names = List.copyOf(chip.lineNames());
        int n = chip.lineCount();
        this.wanted = new Want[n];
        this.requests = new LineRequest[n];
        Arrays.fill(wanted, Want.RELEASED);
        watch(chip);
    }

    /**
     * Connects to the device at {@code at} and opens its lines.
     *
     * @param token what the device asks for, or null
     * @throws LineException if nothing answers there, or the device refuses
     */
    public static RemoteLines open(Endpoint at, byte[] token) throws LineException {
        GpioChip c = connect(at, token);
        try {
            for (int line = 0; line < c.lineCount(); line++) {
                releaseFar(c, line); // a far device keeps an earlier driver's lines: start from released ones
            }
        } catch (LineException e) {
            c.close();
            throw e;
        }
        return new RemoteLines(at, token, c);
    }

    /** Releases a far line that is not released (SET_DIRECTION(NONE)), so that it matches what this side says. */
    private static void releaseFar(GpioChip c, int line) throws LineException {
        try {
            if (c.getDirection(line) != Direction.NONE) {
                var a = c.sendMessage(MessageType.SET_DIRECTION.code(), line, Direction.NONE.code());
                if (!a.ok()) {
                    throw new LineException("the far device refused to release line " + line);
                }
            }
        } catch (VirtioException e) {
            throw new LineException("the far device at line " + line + ": " + e.getMessage(), e);
        }
    }

    private static GpioChip connect(Endpoint at, byte[] token) throws LineException {
        try {
            ChannelTransport t = ChannelTransport.connect(at, token, REQUEST_TIMEOUT, MEMORY);
            return GpioChip.open(t, new GpioChip.Options(REQUEST_TIMEOUT, 64, true));
        } catch (VirtioException e) {
            throw new LineException("the remote device at " + at.describe() + ": " + e.getMessage(), e);
        }
    }

    private void watch(GpioChip c) {
        if (c.transport() instanceof ChannelTransport t) {
            t.onEnd(why -> lost(c, why));
        }
    }

    /** The channel to {@code c} ended: reconnect in the background. */
    private void lost(GpioChip c, VirtioException why) {
        synchronized (lock) {
            if (closed || chip != c || reconnecting != null) {
                return;
            }
            LOG.warn("{}: the channel ended ({}); reconnecting every second", label, why.getMessage());
            Arrays.fill(requests, null); // they belong to the old session
            reconnecting = Thread.ofVirtual().name("vgpio-remote-reconnect").start(this::reconnect);
        }
    }

    private void reconnect() {
        GpioChip old = chip;
        old.close(); // its threads and memory: the session is over (on this thread, never the transport's own)
        while (!closed) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            GpioChip c;
            try {
                c = connect(at, token);
            } catch (LineException e) {
                LOG.debug("{}: {}", label, e.getMessage());
                continue;
            }
            if (!c.lineNames().equals(names)) {
                LOG.error("{}: the device that answered has other lines ({} instead of {}); not using it", label,
                        c.lineNames(), names);
                c.close();
                continue;
            }
            synchronized (lock) {
                if (closed) {
                    c.close();
                    return;
                }
                chip = c;
                reconnecting = null;
                int restored = 0;
                for (int line = 0; line < wanted.length; line++) {
                    try {
                        if (wanted[line].direction() != Direction.NONE) {
                            apply(line, wanted[line]);
                            restored++;
                        } else {
                            releaseFar(c, line); // the far device kept what an earlier session left
                        }
                    } catch (LineException e) {
                        LOG.error("{}: line {} cannot be restored: {}", label, line, e.getMessage());
                    }
                }
                LOG.info("{}: reconnected; {} lines taken back to their configuration", label, restored);
                watch(c);
            }
            return;
        }
    }

    // ---- GpioLines

    @Override
    public String label() {
        return label;
    }

    @Override
    public int lineCount() {
        return names.size();
    }

    @Override
    public List<String> lineNames() {
        return names;
    }

    @Override
    public Direction getDirection(int offset) throws LineException {
        synchronized (lock) {
            return wantedOf(offset).direction();
        }
    }

    @Override
    public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
        synchronized (lock) {
            Want w = wantedOf(offset);
            if (direction == Direction.NONE) {
                LineRequest r = requests[offset];
                requests[offset] = null;
                wanted[offset] = Want.RELEASED; // the settings and edge detection go with the line
                if (r != null) {
                    r.close();
                }
                return;
            }
            apply(offset, w.direction(direction, direction == Direction.OUT ? outputValue : 0));
        }
    }

    @Override
    public int getValue(int offset) throws LineException {
        LineRequest r;
        synchronized (lock) {
            wantedOf(offset);
            r = requests[offset];
        }
        try {
            if (r != null) {
                return r.getValue(offset);
            }
            var a = live().sendMessage(MessageType.GET_VALUE.code(), offset, 0);
            if (!a.ok()) {
                throw new LineException(label + " refused GET_VALUE for line " + offset);
            }
            return a.value();
        } catch (VirtioException | IllegalStateException e) {
            throw failed("reading line " + offset, e);
        }
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        synchronized (lock) {
            Want w = wantedOf(offset);
            if (w.direction() != Direction.OUT) {
                throw new LineException("line " + offset + " of " + label + " is not an output");
            }
            LineRequest r = requests[offset];
            try {
                if (r == null) {
                    throw new LineException(label + " is not connected");
                }
                r.setValue(offset, value);
            } catch (VirtioException | IllegalStateException e) {
                throw failed("setting line " + offset, e);
            }
            wanted[offset] = w.direction(Direction.OUT, value); // only a value the far line took is restored
        }
    }

    @Override
    public boolean supportsEdgeEvents() {
        return chip.hasInterrupts();
    }

    @Override
    public void setEdgeDetection(int offset, Edge edge) throws LineException {
        synchronized (lock) {
            held(offset, wantedOf(offset).edge(edge));
        }
    }

    @Override
    public void setEventListener(LineEventListener l) {
        this.listener = l;
    }

    @Override
    public int lineCaps(int offset) throws LineException {
        wantedOf(offset);
        return chip.lineCaps(offset);
    }

    @Override
    public boolean supportsLineConfig() {
        return chip.supportsLineConfig();
    }

    @Override
    public void setBias(int offset, Bias bias) throws LineException {
        synchronized (lock) {
            held(offset, wantedOf(offset).bias(bias));
        }
    }

    @Override
    public void setDrive(int offset, Drive drive) throws LineException {
        synchronized (lock) {
            held(offset, wantedOf(offset).drive(drive));
        }
    }

    @Override
    public void setDebounce(int offset, int periodMicros) throws LineException {
        synchronized (lock) {
            held(offset, wantedOf(offset).debounce(periodMicros));
        }
    }

    /** A setting: applied at once to a configured line, held for a released one until it is configured. */
    private void held(int offset, Want next) throws LineException {
        if (next.direction() == Direction.NONE) {
            wanted[offset] = next;
        } else {
            apply(offset, next);
        }
    }

    /** Takes line {@code offset} to {@code next} on the far device (requesting it first if it is released). */
    private void apply(int offset, Want next) throws LineException {
        GpioChip c = live();
        try {
            LineRequest r = requests[offset];
            if (r == null) {
                r = c.requestLines(next.settings(), offset);
                requests[offset] = r;
                r.onEvent(this::deliver);
            } else if (!r.settings().equals(next.settings())) {
                r.reconfigureLines(next.settings());
            }
            wanted[offset] = next;
        } catch (VirtioException | IllegalArgumentException | IllegalStateException e) {
            throw failed("configuring line " + offset, e);
        }
    }

    private void deliver(EdgeEvent e) {
        LineEventListener l = listener;
        if (l != null && (e.type() == EdgeEvent.Type.RISING || e.type() == EdgeEvent.Type.FALLING)) {
            l.onEdge(e.offset(), e.type() == EdgeEvent.Type.RISING, e.timestampNanos());
        }
    }

    private static IrqType trigger(Edge edge) {
        return switch (edge) {
            case NONE -> IrqType.NONE;
            case RISING -> IrqType.EDGE_RISING;
            case FALLING -> IrqType.EDGE_FALLING;
            case BOTH -> IrqType.EDGE_BOTH;
        };
    }

    private Want wantedOf(int offset) throws LineException {
        if (offset < 0 || offset >= wanted.length) {
            throw new LineException("line " + offset + " is outside " + label + "'s 0 to " + (wanted.length - 1));
        }
        return wanted[offset];
    }

    private GpioChip live() throws LineException {
        GpioChip c = chip;
        if (closed || reconnecting != null || c.transport() instanceof ChannelTransport t && t.ended()) {
            throw new LineException(label + " is not connected" + (closed ? " (closed)" : "; reconnecting"));
        }
        return c;
    }

    private LineException failed(String what, Exception e) {
        return new LineException(label + ": " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (reconnecting != null) {
                reconnecting.interrupt();
            }
            for (LineRequest r : requests) {
                if (r != null) {
                    r.close();
                }
            }
        }
        chip.close();
    }
}
