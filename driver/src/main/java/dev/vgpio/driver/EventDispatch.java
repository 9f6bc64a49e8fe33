package dev.vgpio.driver;

import static dev.vgpio.virtio.VirtioException.Reason.LOCAL_FAILURE;
import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;

import dev.vgpio.protocol.IrqResponse;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's interrupt handling, as the Linux driver does it: a thread collects returned eventq buffers; a VALID
 * one is handled on an event thread (for EDGE_BOTH the line's value says whether the edge rose or fell), reported to
 * the line's request, and the buffer is queued again while the interrupt stays enabled. An INVALID buffer for a line
 * that is enabled again is simply re-queued.
 */
final class EventDispatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatch.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final GpioChip chip;
    private final EventRing ring;
    private final IrqType[] enabled;
    private final Thread collector;
    private final ExecutorService handler;
    private volatile boolean closed;

    EventDispatch(GpioChip chip, EventRing ring) {
        this.chip = chip;
        this.ring = ring;
        this.enabled = new IrqType[chip.lineCount()];
        java.util.Arrays.fill(enabled, IrqType.NONE);
        this.handler = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("vgpio-driver-events").unstarted(r));
        this.collector = Thread.ofPlatform().daemon().name("vgpio-driver-eventq").start(this::collect);
    }

    /** The line's interrupt is enabled on the device: unmask it by queueing its buffer pair. */
    void enable(int line, IrqType type) throws VirtioException {
        synchronized (ring) {
            enabled[line] = type;
            ring.queue(line);
        }
    }

    /** Stop reporting the line (its SET_IRQ_TYPE(NONE) makes the device return the buffer INVALID). */
    void disable(int line) {
        synchronized (ring) {
            enabled[line] = IrqType.NONE;
        }
    }


    private void collect() {
        while (!closed) {
            try {
                chip.transportAwait(VirtioGpio.EVENTQ, POLL);
                long now = System.nanoTime();
                synchronized (ring) {
                    ring.drain((line, status, length) -> returned(line, status, length, now));
                }
            } catch (VirtioException e) {
                if (!closed) {
                    chip.fail(e);
                }
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    chip.fail(new VirtioException(LOCAL_FAILURE, "lost the device's eventq: " + e, e));
                }
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void returned(int line, int status, int length, long when) {
        if (length != IrqResponse.SIZE) {
            chip.fail(new VirtioException(PROTOCOL_VIOLATION, String.format("spec violation: the interrupt buffer of"
                    + " line %d came back with used length %d; it must be %d", line, length, IrqResponse.SIZE)));
            return;
        }
        IrqType type = enabled[line];
        if (status == IrqStatus.INVALID.code()) {
            if (type != IrqType.NONE) {
                requeue(line);
            }
            return;
        }
        if (status != IrqStatus.VALID.code()) {
            chip.fail(new VirtioException(PROTOCOL_VIOLATION, "spec violation: interrupt status " + status
                    + " for line " + line));
            return;
        }
        if (type == IrqType.NONE) {
            return; // disabled meanwhile
        }
        handler.execute(() -> handle(line, type, when));
    }

    private void handle(int line, IrqType type, long when) {
        try {
            EdgeEvent.Type kind = switch (type) {
                case EDGE_RISING -> EdgeEvent.Type.RISING;
                case EDGE_FALLING -> EdgeEvent.Type.FALLING;
                case EDGE_BOTH -> chip.checked(MessageType.GET_VALUE, line, 0) == 1 ? EdgeEvent.Type.RISING
                        : EdgeEvent.Type.FALLING;
                case LEVEL_HIGH -> EdgeEvent.Type.LEVEL_HIGH;
                case LEVEL_LOW -> EdgeEvent.Type.LEVEL_LOW;
                case NONE -> null;
            };
            LineRequest owner = chip.ownerOf(line);
            if (kind != null && owner != null) {
                owner.deliver(line, kind, when);
            }
        } catch (VirtioException e) {
            LOG.warn("{}: interrupt on line {}: {}", chip.describe(), line, e.getMessage());
        }
        synchronized (ring) {
            if (enabled[line] == type) {
                requeue(line);
            }
        }
    }

    private void requeue(int line) {
        try {
            ring.queue(line);
        } catch (VirtioException e) {
            chip.fail(new VirtioException(e.reason(), "cannot unmask line " + line + ": " + e.getMessage(), e));
        }
    }

    /** Stops both threads and waits for them, so the transport can be closed safely afterwards. */
    @Override
    public void close() {
        closed = true;
        collector.interrupt();
        handler.shutdownNow();
        try {
            collector.join(2000);
            handler.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
