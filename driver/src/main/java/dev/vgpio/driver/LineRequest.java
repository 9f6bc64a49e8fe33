package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.CLOSED;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;

import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lines held with one set of {@link LineSettings}, like libgpiod's line request: read and set values, read
 * interrupt events (polling, as a blocking stream, or by callback), change the settings with
 * {@link #reconfigureLines} and release the lines with {@link #close()} (which also discards their bias, drive and
 * debounce period: SET_DIRECTION(NONE) does). Events
 * are buffered (16 per line); when the buffer is full the oldest are dropped and the sequence numbers show the gap.
 * Thread-safe.
 */
public final class LineRequest implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LineRequest.class);
    private static final EdgeEvent END = new EdgeEvent(-1, EdgeEvent.Type.RISING, 0, -1, -1);
    /** The line settings a released line has. */
    private static final LineSettings RELEASED = LineSettings.input();

    private final GpioChip chip;
    private final int[] lines;
    private volatile LineSettings settings;
    private final ArrayBlockingQueue<EdgeEvent> queue;
    private final long[] lineSequence;
    private long sequence;
    private volatile Consumer<EdgeEvent> callback;
    private volatile boolean closed;

    LineRequest(GpioChip chip, int[] lines, LineSettings settings) {
        this.chip = chip;
        this.lines = lines;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(Math.max(16, 16 * lines.length));
        this.lineSequence = new long[chip.lineCount()];
    }

    /** The offsets this request holds. */
    public int[] offsets() {
        return lines.clone();
    }

    public LineSettings settings() {
        return settings;
    }

    /** Configures freshly requested lines, which have the default line settings (they were released). */
    void configure() throws VirtioException {
        configure(RELEASED, settings);
    }

    /**
     * Takes every line from settings {@code from} to {@code to}, in an order that never glitches. An output gets
     * its drive and value (an open drive before the value, push-pull after it) and bias before SET_DIRECTION(OUT) (and loses an input's debounce period after it); an input
     * gets its bias before SET_DIRECTION(IN), then loses an output's drive, then gets its debounce period, then its
     * trigger. Only settings that change are sent, and a bias of as-is leaves the line's bias as it is (libgpiod's
     * meaning), so defaults on a released line send no SET_LINE_CONFIG.
     */
    private void configure(LineSettings from, LineSettings to) throws VirtioException {
        for (int line : lines) {
            boolean bias = to.bias() != Bias.AS_IS && to.bias() != from.bias();
            if (to.direction() == Direction.OUT) {
                // to open drain or source: the drive before the value (a push-pull output never drives the level it
                // is to let go of); to push-pull: the value before the drive (a let-go output never drives the old
                // level)
                boolean driveFirst = to.drive() != Drive.PUSH_PULL;
                if (driveFirst && to.drive() != from.drive()) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.drive(to.drive()));
                }
                chip.checked(MessageType.SET_VALUE, line, to.outputValue());
                if (!driveFirst && to.drive() != from.drive()) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.drive(to.drive()));
                }
                if (bias) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.bias(to.bias()));
                }
                chip.checked(MessageType.SET_DIRECTION, line, Direction.OUT.code());
                if (from.debounceMicros() != 0) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.debounce(0));
                }
            } else {
                if (bias) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.bias(to.bias()));
                }
                chip.checked(MessageType.SET_DIRECTION, line, Direction.IN.code());
                if (from.drive() != Drive.PUSH_PULL) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.drive(Drive.PUSH_PULL));
                }
                if (to.debounceMicros() != from.debounceMicros()) {
                    chip.checked(MessageType.SET_LINE_CONFIG, line, LineConfig.debounce(to.debounceMicros()));
                }
                if (to.trigger() != IrqType.NONE) {
                    chip.checked(MessageType.SET_IRQ_TYPE, line, to.trigger().code());
                    chip.events().enable(line, to.trigger());
                }
            }
        }
    }

    /**
     * Applies new settings to every line: interrupts are disabled first (the spec requires going through NONE),
     * then the lines are taken to the new settings as {@link GpioChip#requestLines} describes; a drive or debounce
     * period the new settings no longer have is put back to push-pull or off, a bias of as-is keeps the bias the
     * lines have. Settings the device did not negotiate or a line's caps lack are refused before anything is sent.
     *
     * @throws IllegalArgumentException for such settings, or a trigger without VIRTIO_GPIO_F_IRQ
     */
    public void reconfigureLines(LineSettings newSettings) throws VirtioException {
        checkOpen();
        if (newSettings.trigger() != IrqType.NONE && !chip.hasInterrupts()) {
            throw new IllegalArgumentException("the device did not negotiate VIRTIO_GPIO_F_IRQ; no interrupts");
        }
        chip.checkLineConfig(newSettings, lines);
        disableInterrupts();
        LineSettings old = settings;
        settings = newSettings;
        configure(old, newSettings);
    }

    private int check(int offset) {
        for (int l : lines) {
            if (l == offset) {
                return l;
            }
        }
        throw new IllegalArgumentException("line " + offset + " is not part of this request " + Arrays.toString(lines));
    }

    /** The level on {@code offset} (0 or 1). */
    public int getValue(int offset) throws VirtioException {
        checkOpen();
        int v = chip.checked(MessageType.GET_VALUE, check(offset), 0);
        if (v > 1) {
            throw new VirtioException(PROTOCOL_VIOLATION, "spec violation: GET_VALUE for line " + offset
                    + " returned " + v);
        }
        return v;
    }

    /** The levels of every line of the request, in {@link #offsets()} order. */
    public int[] getValues() throws VirtioException {
        int[] v = new int[lines.length];
        for (int i = 0; i < lines.length; i++) {
            v[i] = getValue(lines[i]);
        }
        return v;
    }

    /** Drives output {@code offset} to {@code value}. */
    public void setValue(int offset, int value) throws VirtioException {
        checkOpen();
        if (value != 0 && value != 1) {
            throw new IllegalArgumentException("a value is 0 or 1, not " + value);
        }
        if (settings.direction() != Direction.OUT) {
            throw new IllegalStateException("line " + offset + " is requested as an input");
        }
        chip.checked(MessageType.SET_VALUE, check(offset), value);
    }

    void deliver(int line, EdgeEvent.Type type, long when) {
        if (closed) {
            return;
        }
        EdgeEvent e;
        synchronized (this) {
            e = new EdgeEvent(line, type, when, ++sequence, ++lineSequence[line]);
        }
        Consumer<EdgeEvent> c = callback;
        if (c != null) {
            try {
                c.accept(e);
            } catch (RuntimeException ex) {
                LOG.warn("event callback failed on {}: {}", e, ex.toString());
            }
            return;
        }
        while (!queue.offer(e)) {
            queue.poll(); // drop the oldest, like the kernel's line event buffer
        }
    }

    /** The next event, or null if none comes within {@code timeout} (or the request is closed). */
    public EdgeEvent readEvent(Duration timeout) throws InterruptedException {
        if (closed && queue.isEmpty()) {
            return null;
        }
        EdgeEvent e = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return e == END ? null : e;
    }

    /** Events as a blocking stream that ends when the request is closed. */
    public Stream<EdgeEvent> events() {
        Iterator<EdgeEvent> it = new Iterator<>() {
            private EdgeEvent next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    if (closed && queue.isEmpty()) {
                        return false;
                    }
                    try {
                        EdgeEvent e = queue.poll(100, TimeUnit.MILLISECONDS);
                        if (e == END) {
                            return false;
                        }
                        next = e;
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return true;
            }

            @Override
            public EdgeEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                EdgeEvent e = next;
                next = null;
                return e;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false);
    }

    /** Delivers events to {@code consumer} on the driver's event thread instead of buffering them. */
    public void onEvent(Consumer<EdgeEvent> consumer) {
        this.callback = consumer;
    }

    private void disableInterrupts() throws VirtioException {
        if (settings.trigger() == IrqType.NONE) {
            return;
        }
        for (int line : lines) {
            chip.events().disable(line);
            chip.checked(MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code());
        }
    }

    private void checkOpen() throws VirtioException {
        if (closed) {
            throw new VirtioException(CLOSED, "the line request is closed");
        }
    }

    /** Disables interrupts and releases the lines (SET_DIRECTION NONE); never throws, logs what failed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            disableInterrupts();
            for (int line : lines) {
                chip.checked(MessageType.SET_DIRECTION, line, Direction.NONE.code());
            }
        } catch (VirtioException e) {
            LOG.debug("releasing lines {} of {}: {}", Arrays.toString(lines), chip.describe(), e.getMessage());
        } finally {
            chip.released(this);
            queue.offer(END);
        }
    }
}
