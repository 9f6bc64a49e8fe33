package dev.vgpio.lines.host;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
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
import java.util.Objects;
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
 * <p>Line settings (bias, drive, debounce; {@link GpioLines}) are kept per line and are part of every request and
 * reconfiguration of the line: a requested line is reconfigured at once ({@code GPIO_V2_LINE_SET_CONFIG_IOCTL}, with
 * its direction, output value and edges as they are); on a line that is not requested (direction NONE) a setting is
 * held, and the request that takes the line carries it, so an output set open-drain first is requested open-drain
 * and never drives a push-pull 1. The kernel takes a drive only for an output and a debounce period only for an
 * input, so each is held while the line is the other way and applies when it turns. {@code setDirection(NONE)}
 * forgets the settings (the kernel leaves the chip's bias as the last request set it: vgpio asks nothing more of an
 * as-is line). A setting the kernel refuses on a requested line is a {@link LineException} naming it, and the line
 * is reconfigured back as it was; a held setting the kernel refuses fails the request that carries it.
 *
 * <p>{@link #lineCaps}: every line reports {@link LineCaps#ALL}, because the uAPI has no way to ask a chip what it
 * can apply, and gpiolib ({@code gpiolib.c} and {@code gpiolib-cdev.c}, the same in 6.1 and 7.3) takes every
 * setting for any line and carries each out as far as the chip lets it; what each bit means for a character-device
 * line:
 * <ul>
 *   <li>{@link LineCaps#OPEN_DRAIN}, {@link LineCaps#OPEN_SOURCE}: kept. The chip's driver switches the drive if it
 *       can ({@code PIN_CONFIG_DRIVE_OPEN_DRAIN}), or else gpiolib emulates it: the line is made an input instead
 *       of driving the level it must not drive.
 *   <li>{@link LineCaps#DEBOUNCE}: kept, or refused. The chip's driver debounces in hardware, or else
 *       gpiolib-cdev debounces in software on the line's interrupt, both for edges and for the value read. A chip
 *       that has no interrupt for the line refuses it (ENXIO, as it refuses edge detection), and a hardware
 *       debouncer may refuse a period it cannot do (EINVAL): the {@link LineException} says so.
 *   <li>{@link LineCaps#PULL_UP}, {@link LineCaps#PULL_DOWN}, {@link LineCaps#BIAS_DISABLED}: passed on, not
 *       known to hold. The kernel hands the bias to the chip's driver, and when the driver has no such bias
 *       (ENOTSUPP, gpiolib's optional {@code set_config}) it drops it silently, and the line info still shows the
 *       flag; nothing in the uAPI tells whether the pull is there. They are reported anyway: a guest's gpiolib drops
 *       a bias the device does not offer just as silently, so offering it loses nothing a guest could rely on, and a
 *       chip whose driver has the pull gets it. A driver that refuses a bias loudly (EINVAL)
 *       makes it a {@link LineException}.
 * </ul>
 *
 * <p>An error of the kernel (EBUSY when another process holds the line, EPERM, EINVAL) is a {@link LineException}
 * naming the chip, the line and the errno, logged once per line and error. When the chip goes away (ENODEV; ENXIO
 * when the chip no longer answers) its descriptors are closed; the next operation looks for it again, at its path
 * or, failing that, by its label with the same number of lines, and requests again the lines that were in use, as
 * they were, settings included.
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
    /** What {@link #lineCaps} reports for every line (see the class comment). */
    static final int LINE_CAPS = LineCaps.ALL;

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
    private final Bias[] bias;
    private final Drive[] drive;
    /** Per line: the debounce period in microseconds, 0 for none. */
    private final int[] debounce;
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
        this.bias = new Bias[lineCount];
        this.drive = new Drive[lineCount];
        this.debounce = new int[lineCount];
        this.lastLogged = new String[lineCount];
        this.decoder = new EventDecoder(lineCount);
        Arrays.fill(direction, Direction.NONE);
        Arrays.fill(edge, Edge.NONE);
        Arrays.fill(bias, Bias.AS_IS);
        Arrays.fill(drive, Drive.PUSH_PULL);
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

    /** The bias line {@code offset} has, or holds for its next request. */
    public Bias bias(int offset) throws LineException {
        check(offset);
        return bias[offset];
    }

    /** The drive line {@code offset} has as an output, or holds for when it is one. */
    public Drive drive(int offset) throws LineException {
        check(offset);
        return drive[offset];
    }

    /** The debounce period (microseconds, 0 for none) line {@code offset} has as an input, or holds for it. */
    public int debounce(int offset) throws LineException {
        check(offset);
        return debounce[offset];
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
            case IN -> apply(offset, Direction.IN, 0, edge[offset], "as an input");
            case OUT -> apply(offset, Direction.OUT, value, Edge.NONE, "as an output at " + value);
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

    /** {@link LineCaps#ALL} for every line; what each bit means for a character-device line: the class comment. */
    @Override
    public int lineCaps(int offset) throws LineException {
        if (offset < 0 || offset >= lineCount) {
            throw new LineException("line " + offset + " does not exist on " + description + " (it has " + lineCount
                    + " lines)");
        }
        return LINE_CAPS;
    }

    @Override
    public boolean supportsLineConfig() {
        return true;
    }

    @Override
    public void setBias(int offset, Bias b) throws LineException {
        check(offset);
        Objects.requireNonNull(b, "bias");
        Bias was = bias[offset];
        if (b == was) {
            return;
        }
        long flagsBefore = flags(offset);
        bias[offset] = b;
        try {
            reapply(offset, flagsBefore, debounce[offset], "setting its bias to " + b.label());
        } catch (LineException e) {
            bias[offset] = was;
            restore(offset);
            throw e;
        }
    }

    @Override
    public void setDrive(int offset, Drive d) throws LineException {
        check(offset);
        Objects.requireNonNull(d, "drive");
        Drive was = drive[offset];
        if (d == was) {
            return;
        }
        long flagsBefore = flags(offset);
        drive[offset] = d;
        try {
            reapply(offset, flagsBefore, debounce[offset], "making it " + d.label());
        } catch (LineException e) {
            drive[offset] = was;
            restore(offset);
            throw e;
        }
    }

    /**
     * Sets the line's debounce period; the kernel debounces in hardware or in software (see the class comment).
     *
     * @throws LineException if the period is outside 0 to {@link LineConfig#MAX_DEBOUNCE_US} or the kernel refused
     *     it
     */
    @Override
    public void setDebounce(int offset, int periodMicros) throws LineException {
        check(offset);
        if (periodMicros < 0 || periodMicros > LineConfig.MAX_DEBOUNCE_US) {
            throw new LineException("cannot debounce " + where(offset) + " for " + periodMicros + " us: the period is"
                    + " 0 (off) to " + LineConfig.MAX_DEBOUNCE_US + " us");
        }
        int was = debounce[offset];
        if (periodMicros == was) {
            return;
        }
        long flagsBefore = flags(offset);
        debounce[offset] = periodMicros;
        try {
            reapply(offset, flagsBefore, was,
                    periodMicros == 0 ? "turning its debounce off" : "debouncing it for " + periodMicros + " us");
        } catch (LineException e) {
            debounce[offset] = was;
            restore(offset);
            throw e;
        }
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
            apply(offset, Direction.IN, 0, e, "to detect " + e + " edges");
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

    /** {@link #configure}, and if an in-place change fails, the line is reconfigured back as it was. */
    private void apply(int offset, Direction d, int value, Edge e, String what) throws LineException {
        try {
            configure(offset, d, value, e, what);
        } catch (LineException ex) {
            restore(offset);
            throw ex;
        }
    }

    /**
     * Requests the line, or changes its configuration in place if it is requested already, with the line's settings;
     * the line's state changes only if the kernel took it.
     */
    private void configure(int offset, Direction d, int value, Edge e, String what) throws LineException {
        reopenIfGone();
        long flags = flags(d, e, bias[offset], drive[offset]);
        int period = debounceArgument(d, debounce[offset]);
        GpioLineFd line = requested[offset];
        boolean fresh = line == null;
        try {
            if (fresh) {
                line = chip.requestLine(offset, flags, value, period, consumer);
                try {
                    epoll.add(line.fd(), Epoll.IN, offset);
                } catch (LinuxException watch) {
                    line.close();
                    throw watch;
                }
                requested[offset] = line;
                decoder.restart(offset);
            } else {
                line.reconfigure(flags, value, period);
            }
        } catch (LinuxException ex) {
            throw failed(offset, (fresh ? "requesting the line " : "configuring the line ") + what
                    + settings(offset, d), ex);
        }
        direction[offset] = d;
        output[offset] = value;
        edge[offset] = e;
        lastLogged[offset] = null;
    }

    /**
     * Carries a changed setting to a requested line (a line at NONE holds it for its next request): reconfigures
     * it in place, with its direction, output value and edges, unless the kernel would get the same configuration.
     */
    private void reapply(int offset, long flagsBefore, int debounceBefore, String what) throws LineException {
        if (direction[offset] == Direction.NONE) {
            return;
        }
        reopenIfGone();
        GpioLineFd line = requested[offset];
        if (line == null) {
            throw new LineException("cannot change " + where(offset) + ": it could not be requested again after its"
                    + " chip came back (set its direction again)");
        }
        long flags = flags(offset);
        int period = debounceArgument(direction[offset], debounce[offset]);
        if (flags == flagsBefore && period == debounceArgument(direction[offset], debounceBefore)) {
            return;
        }
        try {
            line.reconfigure(flags, output[offset], period);
        } catch (LinuxException ex) {
            throw failed(offset, what, ex);
        }
        lastLogged[offset] = null;
    }

    /**
     * After a reconfiguration the kernel refused (it may have taken part of it), configures a requested line as its
     * state says; a failure is logged.
     */
    private void restore(int offset) {
        GpioLineFd line = requested[offset];
        if (line == null || chip == null) {
            return;
        }
        try {
            line.reconfigure(flags(offset), output[offset], debounceArgument(direction[offset], debounce[offset]));
        } catch (LinuxException e) {
            LOG.warn("{}: configuring it back as it was failed too: {}", where(offset), e.getMessage());
        }
    }

    private void release(int offset) {
        drop(offset);
        bias[offset] = Bias.AS_IS;
        drive[offset] = Drive.PUSH_PULL;
        debounce[offset] = 0;
    }

    /** Gives the line back to the kernel: direction NONE, its settings kept. */
    private void drop(int offset) {
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

    /** The kernel's flags for the line as its state is now. */
    private long flags(int offset) {
        return flags(direction[offset], edge[offset], bias[offset], drive[offset]);
    }

    /**
     * The uAPI flags of a line request or reconfiguration: the direction, the edges and the bias, and the drive of an
     * output (the kernel refuses a drive on an input, EINVAL). Edges are kept for an input only.
     */
    static long flags(Direction d, Edge e, Bias b, Drive dr) {
        if (d == Direction.NONE) {
            return 0;
        }
        long flags = d == Direction.OUT ? GpioUapi.FLAG_OUTPUT : GpioUapi.FLAG_INPUT;
        flags |= switch (b) {
            case AS_IS -> 0;
            case DISABLED -> GpioUapi.FLAG_BIAS_DISABLED;
            case PULL_UP -> GpioUapi.FLAG_BIAS_PULL_UP;
            case PULL_DOWN -> GpioUapi.FLAG_BIAS_PULL_DOWN;
        };
        if (d == Direction.OUT) {
            return flags | switch (dr) {
                case PUSH_PULL -> 0;
                case OPEN_DRAIN -> GpioUapi.FLAG_OPEN_DRAIN;
                case OPEN_SOURCE -> GpioUapi.FLAG_OPEN_SOURCE;
            };
        }
        return flags | switch (e) {
            case NONE -> 0;
            case RISING -> GpioUapi.FLAG_EDGE_RISING;
            case FALLING -> GpioUapi.FLAG_EDGE_FALLING;
            case BOTH -> GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;
        };
    }

    /** The debounce attribute of a request: the period for an input, 0 (none) otherwise (the kernel: EINVAL). */
    static int debounceArgument(Direction d, int periodMicros) {
        return d == Direction.IN ? periodMicros : 0;
    }

    /** The settings a request carries, for its error message: {@code " with pull-up, open-drain"}, or nothing. */
    private String settings(int offset, Direction d) {
        StringBuilder b = new StringBuilder();
        if (bias[offset] != Bias.AS_IS) {
            b.append(", ").append(bias[offset].label());
        }
        if (d == Direction.OUT && drive[offset] != Drive.PUSH_PULL) {
            b.append(", ").append(drive[offset].label());
        }
        if (d == Direction.IN && debounce[offset] != 0) {
            b.append(", debounce ").append(debounce[offset]).append(" us");
        }
        return b.isEmpty() ? "" : " with" + b.substring(1);
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
        boolean gone = isGone(e);
        if (gone) {
            lost(e);
        }
        String message = where(offset) + ": " + what + " failed: " + e.getMessage()
                + (gone ? ChipLocator.hint(e.errno()) : hint(offset, e.errno()));
        if (!message.equals(lastLogged[offset])) {
            lastLogged[offset] = message;
            LOG.warn("{}", message);
        }
        return new LineException(message, e);
    }

    // ---- a chip that goes away and comes back

    /**
     * Whether an error says the chip went away: ENODEV, or ENXIO from a chip that no longer answers (the kernel's
     * ENXIO also means a line without an interrupt, which can neither detect edges nor be debounced in software).
     */
    private boolean isGone(LinuxException e) {
        if (e.errno() == Errno.ENODEV) {
            return true;
        }
        if (e.errno() != Errno.ENXIO || chip == null) {
            return e.errno() == Errno.ENXIO;
        }
        try {
            chip.info();
            return false;
        } catch (LinuxException probe) {
            return true;
        }
    }

    /** What to do about an error of the kernel on a chip that is still there, from what the line asked for. */
    private String hint(int offset, int errno) {
        if (errno == Errno.ENXIO) {
            return "; the chip has no interrupt for this line, which the kernel needs to detect its edges and to"
                    + " debounce it in software" + (debounce[offset] != 0 ? " (set debounce 0)" : "");
        }
        boolean set = bias[offset] != Bias.AS_IS || drive[offset] != Drive.PUSH_PULL || debounce[offset] != 0;
        if (set && (errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP || errno == Errno.EIO
                || errno == Errno.ENOTSUPP)) {
            return "; the chip's driver refused a setting (try bias as-is, drive push-pull or another debounce"
                    + " period; gpioinfo shows what the line has)";
        }
        return ChipLocator.hint(errno);
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
                    drop(i); // logged by failed(); the guest's next request on it gets STATUS_ERR
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
