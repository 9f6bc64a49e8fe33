package dev.vgpio.conformance;

import dev.vgpio.driver.Answer;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one check works with: fresh sessions to the target (closed when the check ends), the lines it touches (put
 * back to direction NONE, interrupt NONE, default line settings and input level 0 afterwards), the input driver,
 * and helpers that turn an
 * unexpected answer into a {@link CheckFailed} naming the message and the answer.
 */
final class Context {
    /** How soon "promptly" is: a pair returned on SET_IRQ_TYPE(NONE), a pair for a line that is not enabled. */
    static final Duration PROMPT = Duration.ofMillis(500);
    /** SET_LINE_CONFIG values of the settings every line takes: bias as-is, push-pull, no debounce. */
    static final long[] DEFAULT_SETTINGS = {LineConfig.bias(Bias.AS_IS), LineConfig.drive(Drive.PUSH_PULL),
        LineConfig.debounce(0)};

    final Target target;
    final Observations observations;
    final String id;
    private final List<Session> sessions = new ArrayList<>();
    private final Set<Integer> touched = new LinkedHashSet<>();
    private volatile boolean abandoned;

    Context(Target target, Observations observations, String id) {
        this.target = target;
        this.observations = observations;
        this.id = id;
    }

    // ---- sessions

    /** A session that negotiates VIRTIO_GPIO_F_IRQ if the device offers it (as the Linux driver does). */
    Session session() throws IOException {
        return open(true);
    }

    /** A session with VIRTIO_GPIO_F_IRQ negotiated; the check is skipped if the device does not offer it. */
    Session sessionWithIrq() throws IOException {
        Session s = open(true);
        if (!s.irq()) {
            throw new CheckSkipped("the device does not offer VIRTIO_GPIO_F_IRQ (offered features "
                    + GpioFeatures.NAMES.describe(s.offered()) + ")");
        }
        return s;
    }

    /** A session that does not negotiate VIRTIO_GPIO_F_IRQ (no eventq). */
    Session sessionWithoutIrq() throws IOException {
        return open(false);
    }

    /**
     * A session with vgpio's VIRTIO_GPIO_F_LINE_CONFIG negotiated (and VIRTIO_GPIO_F_IRQ if offered); the check is
     * skipped if the device does not offer the extension.
     */
    Session sessionWithLineConfig() throws IOException {
        Session s = open(true, true);
        if (!s.lineConfig()) {
            throw new CheckSkipped("the device does not offer VIRTIO_GPIO_F_LINE_CONFIG, vgpio's line-configuration"
                    + " extension (offered features " + GpioFeatures.NAMES.describe(s.offered()) + ")");
        }
        return s;
    }

    private Session open(boolean irq) throws IOException {
        return open(irq, false);
    }

    private Session open(boolean irq, boolean lineConfig) throws IOException {
        if (abandoned) {
            throw new IllegalStateException("the check was abandoned");
        }
        Session s = Session.open(target, id, irq, lineConfig, observations);
        synchronized (sessions) {
            sessions.add(s);
        }
        if (abandoned) {
            s.close();
            throw new IllegalStateException("the check was abandoned");
        }
        return s;
    }

    // ---- lines

    /** The target's line, put in a known state first: interrupt NONE (if negotiated), direction NONE, input 0. */
    int line(Session s) throws IOException {
        int line = target.line();
        if (line >= s.ngpio()) {
            throw new CheckFailed("the target line " + line + " does not exist: ngpio is " + s.ngpio());
        }
        reset(s, line);
        return line;
    }

    /** A second line, {@code (line + 1) % ngpio}, reset like {@link #line}; -1 if the device has one line. */
    int otherLine(Session s) throws IOException {
        if (s.ngpio() < 2) {
            return -1;
        }
        int other = (target.line() + 1) % s.ngpio();
        reset(s, other);
        return other;
    }

    private void reset(Session s, int line) throws IOException {
        touched.add(line);
        if (target.input() != null) {
            target.input().set(line, 0);
        }
        if (s.irq()) {
            s.call(MessageType.SET_IRQ_TYPE.code(), line, IrqType.NONE.code());
        }
        if (s.lineConfig()) { // SET_DIRECTION(NONE) discards them too; a device that does not still starts clean
            for (long setting : DEFAULT_SETTINGS) {
                s.call(MessageType.SET_LINE_CONFIG.code(), line, setting);
            }
        }
        s.call(MessageType.SET_DIRECTION.code(), line, Direction.NONE.code());
        if (s.irq()) {
            s.collect(Duration.ZERO);
        }
    }

    /** The input driver, which must also let lines go ({@link InputDriver#canRelease}); else the check is skipped. */
    InputDriver releasingInput() {
        InputDriver d = input();
        if (!d.canRelease()) {
            throw new CheckSkipped("the input driver (" + d + ") can only hold a line at a level, not let it go to its"
                    + " bias");
        }
        return d;
    }

    /** The input driver; the check is skipped without one. */
    InputDriver input() {
        InputDriver d = target.input();
        if (d == null) {
            throw new CheckSkipped("no input driver: the suite cannot change a line's input level (for a vgpio back"
                    + " end give its control socket, <socket>.ctl)");
        }
        return d;
    }

    /** Drives {@code line} to {@code level} and waits until the device has surely seen it. */
    void drive(int line, int level) throws IOException {
        input().set(line, level);
        settle();
    }

    /** Half the quiet period: time for a level change to travel through the back end. */
    void settle() {
        sleep(target.quiet().dividedBy(2));
    }

    Duration quiet() {
        return target.quiet();
    }

    Duration timeout() {
        return target.timeout();
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    // ---- messages with expectations

    /** Sends a message that must be answered OK; returns the value byte. */
    int ok(Session s, MessageType type, int gpio, long value) throws IOException {
        Answer a = s.call(type.code(), gpio, value);
        if (a.status() != 0) {
            throw new CheckFailed(Session.message(type.code(), gpio, value) + " answered " + Session.status(a.status())
                    + "; expected OK");
        }
        return a.value();
    }

    /** GET_DIRECTION, which must be answered OK. */
    int direction(Session s, int gpio) throws IOException {
        return ok(s, MessageType.GET_DIRECTION, gpio, 0);
    }

    /** GET_VALUE, which must be answered OK. */
    int value(Session s, int gpio) throws IOException {
        return ok(s, MessageType.GET_VALUE, gpio, 0);
    }

    void setDirection(Session s, int gpio, Direction d) throws IOException {
        ok(s, MessageType.SET_DIRECTION, gpio, d.code());
    }

    void setValue(Session s, int gpio, int value) throws IOException {
        ok(s, MessageType.SET_VALUE, gpio, value);
    }

    void setIrqType(Session s, int gpio, IrqType t) throws IOException {
        ok(s, MessageType.SET_IRQ_TYPE, gpio, t.code());
    }

    /** SET_LINE_CONFIG, which must be answered OK. */
    void setLineConfig(Session s, int gpio, long setting) throws IOException {
        ok(s, MessageType.SET_LINE_CONFIG, gpio, setting);
    }

    /** GET_LINE_CAPS, which must be answered OK; the caps byte as the device gave it. */
    int lineCaps(Session s, int gpio) throws IOException {
        return ok(s, MessageType.GET_LINE_CAPS, gpio, 0);
    }

    /** Makes {@code gpio} an input with interrupt type {@code t} enabled. */
    void enable(Session s, int gpio, IrqType t) throws IOException {
        setDirection(s, gpio, Direction.IN);
        setIrqType(s, gpio, t);
    }

    /** Sends a message and returns its raw answer (status not checked). */
    Answer raw(Session s, MessageType type, int gpio, long value) throws IOException {
        return s.call(type.code(), gpio, value);
    }

    static boolean irqOffered(Session s) {
        return (s.offered() & GpioFeatures.IRQ) != 0;
    }

    // ---- end of a check

    /** Puts the touched lines back (best effort, through a session that is still open) and closes every session. */
    void cleanup() {
        List<Session> all;
        synchronized (sessions) {
            all = List.copyOf(sessions);
        }
        Session use = null;
        for (Session s : all) {
            if (!s.isClosed() && (use == null || rank(s) > rank(use))) {
                use = s;
            }
        }
        if (use != null && !abandoned) {
            for (int line : touched) {
                try {
                    reset(use, line);
                } catch (IOException | RuntimeException e) {
                    break; // the device is not answering; the next check opens its own session and resets anyway
                }
            }
        }
        for (Session s : all) {
            s.close();
        }
    }

    /** How much of a line's state a session can put back: interrupts and line settings count. */
    private static int rank(Session s) {
        return (s.irq() ? 1 : 0) + (s.lineConfig() ? 2 : 0);
    }

    /** Closes every session from another thread (the check overran its time): its waits then fail at once. */
    void abandon() {
        abandoned = true;
        List<Session> all;
        synchronized (sessions) {
            all = List.copyOf(sessions);
        }
        for (Session s : all) {
            s.close();
        }
    }
}
