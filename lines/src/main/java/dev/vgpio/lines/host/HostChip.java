package dev.vgpio.lines.host;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.protocol.Direction;
import dev.vgpio.sys.Epoll;
import dev.vgpio.sys.Errno;
import dev.vgpio.sys.EpollEvents;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.GpioLineFd;
import dev.vgpio.sys.GpioUapi;
import dev.vgpio.sys.LinuxException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux GPIO chip through its character device (uAPI v2), served line by line: a line is requested from the
 * kernel only while it is used (direction IN or OUT) and released at NONE, under a consumer label the host shows
 * ({@code gpioinfo}), for example {@code vgpio:gpio0}. An output is requested with its initial value, so it never
 * passes through another level. Lines of the chip that the device does not use are never requested.
 *
 * <p>Edges come from the kernel's line request descriptors, which one epoll instance watches; {@link #eventFd} is
 * that instance, for the device's event loop, and {@link #dispatchEvents} reads the waiting records in batches
 * without allocating. The kernel's timestamps are CLOCK_MONOTONIC, the clock of {@link System#nanoTime()}.
 *
 * <p>An error of the kernel (EBUSY when another process holds the line, EPERM, EINVAL) is a {@link LineException}
 * naming the chip, the line and the errno, logged once per line and error. When the chip goes away (ENODEV) its
 * descriptors are closed; the next operation looks for it again, at its path or, failing that, by its label with the
 * same number of lines, and requests again the lines that were in use, as they were.
 *
 * <p>Used by one thread, the device's; {@link #close} may come from another once that thread has stopped.
 */
public final class HostChip implements GpioLines {
    private static final Logger LOG = LoggerFactory.getLogger(HostChip.class);
    private static final int EVENT_BATCH = 16;
    /** While a chip is away, how often a request may look for it again (a scan of /dev and an open of each chip). */
    private static final long LOOK_AGAIN_NANOS = 500_000_000L;
    /**
     * How many HostChips of this process have each path open (devices may share a chip, never a line): a chip found
     * again under another path is never one that another device serves.
     */
    private static final Map<Path, Integer> OPEN = new ConcurrentHashMap<>();

    private final ChipLocator locator;
    private final String consumer;
    private final int lineCount;
    private final List<String> names;
    private final Epoll epoll;
    private final EpollEvents ready = new EpollEvents(EVENT_BATCH);
    private final MemorySegment events = Arena.ofAuto().allocate(GpioUapi.LINE_EVENT.byteSize() * EVENT_BATCH, 8);
    private final GpioLineFd[] requested;
    private final Direction[] direction;
    private final int[] output;
    private final Edge[] edge;
    /** Per line: the last error logged, so a guest that repeats a failing request does not flood the log. */
    private final String[] lastLogged;
    private final EventDecoder decoder;
    private GpioChipFd chip;
    private String description;
    private boolean closed;
    /** When a chip that went away was last looked for ({@link System#nanoTime()}). */
    private long lookedAt;

    private HostChip(ChipLocator locator, GpioChipFd chip, GpioChipFd.ChipInfo info, List<String> names,
            String consumer, Epoll epoll) {
        this.locator = locator;
        this.chip = chip;
        this.consumer = consumer;
        this.lineCount = info.lines();
        this.names = names;
        this.epoll = epoll;
        this.description = ChipLocator.describe(chip.path(), info);
        this.requested = new GpioLineFd[lineCount];
        this.direction = new Direction[lineCount];
        this.output = new int[lineCount];
        this.edge = new Edge[lineCount];
        this.lastLogged = new String[lineCount];
        this.decoder = new EventDecoder(lineCount);
        Arrays.fill(direction, Direction.NONE);
        Arrays.fill(edge, Edge.NONE);
    }

    /**
     * Opens the chip at {@code locator}'s path and reads its line names; requests nothing.
     *
     * @param consumer the label the host shows for the lines this chip requests (at most 31 bytes are kept)
     * @throws LineException naming the path and the errno if the chip cannot be opened or read
     */
    public static HostChip open(ChipLocator locator, String consumer) throws LineException {
        GpioChipFd chip = null;
        Epoll epoll = null;
        try {
            chip = GpioChipFd.open(locator.path());
            GpioChipFd.ChipInfo info = chip.info();
            List<String> names = List.copyOf(chip.lineNames());
            epoll = Epoll.create();
            OPEN.merge(chip.path(), 1, Integer::sum);
            return new HostChip(locator, chip, info, names, consumer, epoll);
        } catch (LinuxException e) {
            if (chip != null) {
                chip.close();
            }
            if (epoll != null) {
                epoll.close();
            }
            throw new LineException("cannot use GPIO chip " + locator.path() + ": " + e.getMessage()
                    + ChipLocator.hint(e.errno()), e);
        }
    }

    /** The chip's name, label and path, as log lines show them, such as {@code gpiochip0 [pinctrl] (/dev/...)}. */
    public String description() {
        return description;
    }

    @Override
    public String label() {
        return locator.label();
    }

    @Override
    public int lineCount() {
        return lineCount;
    }

    /** The names the kernel gives the lines (may repeat: the kernel does not require them to be unique). */
    @Override
    public List<String> lineNames() {
        return names;
    }

    /** Whether line {@code offset} is requested from the kernel now. */
    public boolean isRequested(int offset) throws LineException {
        check(offset);
        return requested[offset] != null;
    }

    /** Events the kernel's per-line buffers dropped because they were not read in time. */
    public long eventsLost() {
        return decoder.lost();
    }

    @Override
    public Direction getDirection(int offset) throws LineException {
        check(offset);
        return direction[offset];
    }

    @Override
    public void setDirection(int offset, Direction d, int outputValue) throws LineException {
        check(offset);
        int value = outputValue != 0 ? 1 : 0;
        switch (d) {
            case NONE -> release(offset);
            case IN -> configure(offset, Direction.IN, 0, edge[offset], "as an input");
            case OUT -> configure(offset, Direction.OUT, value, Edge.NONE, "as an output at " + value);
        }
    }

    @Override
    public int getValue(int offset) throws LineException {
        GpioLineFd line = line(offset, "read");
        try {
            return line.get();
        } catch (LinuxException e) {
            throw failed(offset, "reading the line", e);
        }
    }

    @Override
    public void setValue(int offset, int value) throws LineException {
        GpioLineFd line = line(offset, "set");
        if (direction[offset] != Direction.OUT) {
            throw new LineException(where(offset) + " is not an output");
        }
        try {
            line.set(value);
            output[offset] = value != 0 ? 1 : 0;
        } catch (LinuxException e) {
            throw failed(offset, "setting the line to " + value, e);
        }
    }

    @Override
    public boolean supportsEdgeEvents() {
        return true;
    }

    @Override
    public void setEdgeDetection(int offset, Edge e) throws LineException {
        check(offset);
        if (e == edge[offset]) {
            return;
        }
        if (e != Edge.NONE && direction[offset] != Direction.IN) {
            throw new LineException("edge detection needs " + where(offset) + " to be an input, it is "
                    + direction[offset]);
        }
        if (direction[offset] == Direction.IN) {
            configure(offset, Direction.IN, 0, e, "to detect " + e + " edges");
        } else {
            edge[offset] = e;
        }
    }

    /** Edges come through {@link #eventFd} and {@link #dispatchEvents}, on the device's thread: nothing to set. */
    @Override
    public void setEventListener(LineEventListener listener) {
    }

    @Override
    public int eventFd() {
        return epoll.fd();
    }

    @Override
    public int dispatchEvents(LineEventListener listener) {
        int delivered = 0;
        int n;
        try {
            n = epoll.await(ready, 0);
        } catch (LinuxException e) {
            LOG.error("{}: waiting for line events: {}", description, e.getMessage());
            return 0;
        }
        for (int i = 0; i < n; i++) {
            int offset = (int) ready.data(i);
            delivered += drain(offset, listener);
            if ((ready.events(i) & (Epoll.HUP | Epoll.ERR)) != 0 && requested[offset] != null) {
                // the chip went away under the request; a level-triggered loop would report it for ever
                lost(new LinuxException("line " + offset + " events", Errno.ENODEV));
            }
        }
        return delivered;
    }

    /** Reads every event waiting on one line's request and passes it on. */
    private int drain(int offset, LineEventListener listener) {
        int delivered = 0;
        while (requested[offset] != null) {
            int n;
            try {
                n = requested[offset].readEvents(events);
            } catch (LinuxException e) {
                if (isGone(e)) {
                    lost(e);
                } else {
                    LOG.error("{}: reading the events of {}: {}", description, where(offset), e.getMessage());
                }
                return delivered;
            }
            delivered += decoder.decode(events, n, offset, listener);
            if (n < EVENT_BATCH) {
                return delivered;
            }
        }
        return delivered;
    }

    /** Releases every requested line; the chip's descriptors are closed. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < lineCount; i++) {
            if (requested[i] != null) {
                requested[i].close();
                requested[i] = null;
            }
        }
        if (chip != null) {
            forget(chip.path());
            chip.close();
        }
        epoll.close();
    }

    // ---- requests

    /** Requests the line, or changes its configuration in place if it is requested already. */
    private void configure(int offset, Direction d, int value, Edge e, String what) throws LineException {
        reopenIfGone();
        long flags = flags(d, e);
        GpioLineFd line = requested[offset];
        boolean fresh = line == null;
        try {
            if (fresh) {
                line = chip.requestLine(offset, flags, value, 0, consumer);
                try {
                    epoll.add(line.fd(), Epoll.IN, offset);
                } catch (LinuxException watch) {
                    line.close();
                    throw watch;
                }
                requested[offset] = line;
                decoder.restart(offset);
            } else {
                line.reconfigure(flags, value, 0);
            }
        } catch (LinuxException ex) {
            throw failed(offset, (fresh ? "requesting the line " : "configuring the line ") + what, ex);
        }
        direction[offset] = d;
        output[offset] = value;
        edge[offset] = e;
        lastLogged[offset] = null;
    }

    private void release(int offset) {
        GpioLineFd line = requested[offset];
        if (line != null) {
            requested[offset] = null;
            line.close(); // closing also removes it from the epoll instance
        }
        direction[offset] = Direction.NONE;
        edge[offset] = Edge.NONE;
        output[offset] = 0;
        lastLogged[offset] = null;
    }

    private static long flags(Direction d, Edge e) {
        long flags = d == Direction.OUT ? GpioUapi.FLAG_OUTPUT : GpioUapi.FLAG_INPUT;
        return switch (e) {
            case NONE -> flags;
            case RISING -> flags | GpioUapi.FLAG_EDGE_RISING;
            case FALLING -> flags | GpioUapi.FLAG_EDGE_FALLING;
            case BOTH -> flags | GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;
        };
    }

    /** The requested line, after looking for a chip that went away; an error if the guest has not requested it. */
    private GpioLineFd line(int offset, String what) throws LineException {
        check(offset);
        if (requested[offset] == null && direction[offset] != Direction.NONE) {
            reopenIfGone();
        }
        GpioLineFd line = requested[offset];
        if (line == null) {
            throw new LineException("cannot " + what + " " + where(offset) + ": it is not requested (set its"
                    + " direction first)");
        }
        return line;
    }

    private void check(int offset) throws LineException {
        if (offset < 0 || offset >= lineCount) {
            throw new LineException("line " + offset + " does not exist on " + description + " (it has " + lineCount
                    + " lines)");
        }
        if (closed) {
            throw new LineException(description + " is closed");
        }
    }

    private String where(int offset) {
        String name = names.get(offset);
        return "line " + offset + (name.isEmpty() ? "" : " (" + name + ")") + " of " + description;
    }

    /** The exception for a failed call on a line, logged once per line and error. */
    private LineException failed(int offset, String what, LinuxException e) {
        if (isGone(e)) {
            lost(e);
        }
        String message = where(offset) + ": " + what + " failed: " + e.getMessage() + ChipLocator.hint(e.errno());
        if (!message.equals(lastLogged[offset])) {
            lastLogged[offset] = message;
            LOG.warn("{}", message);
        }
        return new LineException(message, e);
    }

    // ---- a chip that goes away and comes back

    private static boolean isGone(LinuxException e) {
        return e.errno() == Errno.ENODEV || e.errno() == Errno.ENXIO;
    }

    /** The chip went away: every descriptor is closed, and what each line was is kept to request it again. */
    private void lost(LinuxException e) {
        if (chip == null) {
            return;
        }
        LOG.warn("{} went away ({}); its lines are released, and it is looked for again at the next request",
                description, e.getMessage());
        for (int i = 0; i < lineCount; i++) {
            if (requested[i] != null) {
                requested[i].close();
                requested[i] = null;
            }
        }
        forget(chip.path());
        chip.close();
        chip = null;
        lookedAt = System.nanoTime();
    }

    /**
     * Looks for a chip that went away (at most every {@link #LOOK_AGAIN_NANOS}), and requests its lines again as
     * they were; an error if it is not back.
     */
    private void reopenIfGone() throws LineException {
        if (chip != null) {
            return;
        }
        long now = System.nanoTime();
        if (now - lookedAt < LOOK_AGAIN_NANOS) {
            throw gone();
        }
        lookedAt = now;
        GpioChipFd found = locator.find(names, OPEN.keySet());
        if (found == null) {
            throw gone();
        }
        OPEN.merge(found.path(), 1, Integer::sum);
        chip = found;
        try {
            description = ChipLocator.describe(found.path(), found.info());
        } catch (LinuxException e) {
            LOG.debug("{}: reading the chip info again: {}", description, e.getMessage());
        }
        LOG.info("{} is back; requesting its lines again", description);
        for (int i = 0; i < lineCount && chip != null; i++) {
            if (direction[i] != Direction.NONE) {
                try {
                    configure(i, direction[i], output[i], edge[i], "again");
                } catch (LineException e) {
                    release(i); // logged by failed(); the guest's next request on it gets STATUS_ERR
                }
            }
        }
        if (chip == null) {
            throw new LineException(description + " went away again while its lines were requested again");
        }
    }

    private static void forget(Path path) {
        OPEN.computeIfPresent(path, (p, n) -> n == 1 ? null : n - 1);
    }

    private LineException gone() {
        return new LineException(description + " is gone (looked for at " + locator.path()
                + (locator.byLabel() ? " and by its label \"" + locator.label() + "\"" : "") + ", with the same "
                + lineCount + " line names)");
    }
}
