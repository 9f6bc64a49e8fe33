package dev.vgpio.conformance;

import static dev.vgpio.virtqueue.SplitRing.DESC_F_INDIRECT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_NEXT;
import static dev.vgpio.virtqueue.SplitRing.DESC_F_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioResponseN;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtqueue.QueueConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile guest against vgpio's real back end: one {@link VhostUserServer} over a {@link VirtioGpioDevice} of a
 * simulated chip, on a real Unix socket, for the whole table. Each row connects a {@link HostileGuest}, breaks the
 * split ring's rules in one way, and records what the device did (judged from the rings, the eventfds and the
 * socket after a barrier through the serving thread, {@link HostileGuest#sync()}, never from time). After each row
 * the same daemon must serve a well-behaved front end with every line as it was, and pass a quick part of the
 * conformance suite; after the table, the whole suite. {@code target/hostile-guest.md} gets the table with the
 * outcomes seen.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileGuestTest {
    static final List<String> NAMES = KnownLines.NAMES;
    static final int SCRATCH_A = KnownLines.SCRATCH_A;
    static final int SCRATCH_B = KnownLines.SCRATCH_B;
    static final int OUT_HIGH = KnownLines.OUT_HIGH;
    static final int OUT_LOW = KnownLines.OUT_LOW;
    static final int IRQ_RISING = KnownLines.IRQ_RISING;
    static final int IN_HIGH = KnownLines.IN_HIGH;
    /** The slot {@link HostileGuest#probe} uses (descriptors 62 and 63); the rows leave it alone. */
    static final int PROBE_SLOT = HostileGuest.SLOTS - 1;
    /** The conformance checks run after every row: quick ones, covering names, requests and interrupts. */
    static final Set<String> QUICK_CHECKS = Set.of("features.version-1", "config.ngpio", "config.names-size",
            "names.answer", "names.format", "requestq.get-direction", "requestq.set-direction",
            "requestq.out-of-range", "requestq.order-same-line", "irq.edge-delivered",
            "requestq.used-length", "requestq.status", "eventq.used-length");

    /** What the device did about a row's misbehaviour. */
    sealed interface Outcome {
        /** Each hostile chain was answered: used with this length, this status byte in its response. */
        record Answered(int chains, int status, long usedLength) implements Outcome {
        }

        /** Each hostile chain was returned with used length 0 and nothing written; the ring goes on. */
        record ReturnedEmpty(int chains) implements Outcome {
        }

        /** Nothing was put on the used ring (and, on the requestq, the driver was not notified); the ring goes on. */
        record Ignored() implements Outcome {
        }

        /** The err fd was signalled and the ring is not served until it is set up again; the connection stays. */
        record RingBroken(int queue) implements Outcome {
        }

        /** The back end closed the connection. */
        record Dropped() implements Outcome {
        }

        /** Every one of this many well-formed requests was answered once, in order, OK and correctly. */
        record AllAnswered(int requests) implements Outcome {
        }

        /** Requests answered on the used ring, found by polling, and how many calls the device made. */
        record Polled(int requests, int calls) implements Outcome {
        }

        /** Interrupt pairs the device returned INVALID and VALID, and those it still holds. */
        record Pairs(int invalid, int valid, int held) implements Outcome {
        }

        /** While the guest kept the ring busy, the front end's messages were answered and an interrupt came. */
        record StillAnswers() implements Outcome {
        }

        /** Anything else, described. */
        record Unexpected(String what) implements Outcome {
        }
    }

    /** The features a row's guest negotiates. */
    enum Guest {
        /** VERSION_1, VIRTIO_GPIO_F_IRQ, INDIRECT_DESC and EVENT_IDX. */
        FULL,
        /** The same without EVENT_IDX. */
        NO_EVENT_IDX,
        /** The row connects by itself. */
        OWN
    }

    @FunctionalInterface
    interface Act {
        Outcome run(HostileGuest g) throws Exception;
    }

    /** One row: what the guest does, and what the device must do about it. */
    record Case(String name, String misbehaviour, Guest guest, Act act, Outcome expected) {
    }

    Path socket;
    SimulatedChip sim;
    VhostUserServer server;
    private final List<String> seen = new ArrayList<>();

    @BeforeAll
    void startTheDaemon(@TempDir Path dir) throws Exception {
        socket = dir.resolve("gpio.sock");
        sim = new SimulatedChip("hostile", NAMES);
        server = new VhostUserServer(socket, new VirtioGpioDevice(new GpioController(sim)), "hostile").start();
        KnownLines.set(sim, target());
        assertLinesIntact("before the first row");
    }

    @AfterAll
    void stopTheDaemon() throws IOException {
        server.close();
        Path out = Path.of("target", "hostile-guest.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n", seen) + "\n");
    }

    @TestFactory
    Stream<DynamicTest> aHostileGuestGetsTheExpectedOutcomeAndTheDaemonServesTheNextFrontEnd() {
        seen.add("| Case | Misbehaviour | Expected outcome | Seen |");
        seen.add("| --- | --- | --- | --- |");
        Stream<DynamicTest> rows = cases().stream().map(c -> dynamicTest(c.name(), () -> run(c)));
        Stream<DynamicTest> suite = Stream.of(dynamicTest("afterwards the whole conformance suite passes",
                this::wholeSuitePasses));
        return Stream.concat(rows, suite);
    }

    private void run(Case c) throws Exception {
        long connections = server.connections();
        Outcome got;
        if (c.guest() == Guest.OWN) {
            got = c.act().run(null);
        } else {
            try (HostileGuest g = HostileGuest.connect(socket, c.guest() == Guest.FULL)) {
                got = c.act().run(g);
            }
        }
        seen.add("| " + c.name() + " | " + c.misbehaviour() + " | " + describe(c.expected()) + " | "
                + describe(got) + " |");
        assertThat(got).as("%s: %s", c.name(), c.misbehaviour()).isEqualTo(c.expected());
        stillServes(c.name(), connections);
    }

    /** The same daemon serves a well-behaved front end: line state intact, a quick part of the suite passes. */
    private void stillServes(String after, long connectionsBefore) throws Exception {
        assertThat(server.isRunning()).as("the serving thread runs after %s", after).isTrue();
        await("the back end to drop the hostile guest").atMost(Duration.ofSeconds(5))
                .until(() -> !server.isConnected());
        assertLinesIntact("after " + after);
        Observations o = new Observations();
        Target target = target();
        for (ConformanceSuite.Check check : ConformanceSuite.checks(o)) {
            if (QUICK_CHECKS.contains(check.id())) {
                Result r = ConformanceSuite.runOne(check, target, o);
                assertThat(r.outcome()).as("after %s, %s: %s", after, r.id(), r.detail())
                        .isEqualTo(Result.Outcome.PASS);
            }
        }
        assertThat(server.connections()).as("the same server took the new connections")
                .isGreaterThan(connectionsBefore + 1);
    }

    private void wholeSuitePasses() throws Exception {
        List<Result> results = ConformanceSuite.run(target());
        VgpioBackEndTest.save("conformance-after-hostile-guests.txt", results);
        VgpioBackEndTest.assertAllPass(results);
        assertLinesIntact("after the whole suite");
    }

    private Target target() {
        return Target.vhostUser(socket).withInput(VgpioBackEndTest.driving(sim)).withQuiet(Duration.ofMillis(60));
    }

    private void assertLinesIntact(String when) throws Exception {
        KnownLines.assertIntact(sim, target(), when);
    }

    // ---- judging what the device did

    /** Publishes what was offered on queue {@code q}, kicks it, and judges (see {@link #judge}). */
    private static Outcome kickAndJudge(HostileGuest g, int q, long response) throws Exception {
        int mark = q == VirtioGpio.REQUESTQ ? g.requestq.usedIdx() : g.events().size();
        g.ring(q).publish();
        g.kick(q);
        return judge(g, q, mark, response);
    }

    /**
     * After a barrier, what the device did with what queue {@code q} got since {@code mark} (the requestq's used
     * index, or the number of {@link HostileGuest#events()} of the eventq), and
     * whether a well-formed request sent afterwards is answered. {@code response} is where the hostile chains'
     * response (status byte) would be, or -1.
     */
    private static Outcome judge(HostileGuest g, int q, int mark, long response) throws Exception {
        HostileGuest.Signals before;
        List<RawRing.Used> used = new ArrayList<>();
        int probe;
        try {
            g.sync();
            before = g.signals(q);
            if (q == VirtioGpio.REQUESTQ) {
                used.addAll(g.usedRequests(mark));
            } else {
                g.events().subList(mark, g.events().size()).forEach(e -> used.add(new RawRing.Used(e.id(),
                        e.length())));
            }
            probe = g.probe(PROBE_SLOT, MessageType.GET_DIRECTION, OUT_HIGH, 0);
        } catch (VirtioException e) {
            if (e.reason() == VirtioException.Reason.CLOSED) {
                return new Outcome.Dropped();
            }
            throw e;
        }
        if (before.hungUp() || g.signals(q).hungUp()) {
            return new Outcome.Dropped();
        }
        int probeOk = Direction.OUT.code();
        if (g.errorSeen(q)) {
            boolean probeServed = probe != -1;
            boolean right = q == VirtioGpio.REQUESTQ ? !probeServed : probe == probeOk;
            if (!right) {
                return new Outcome.Unexpected("err fd of queue " + q + " signalled, and the well-formed request"
                        + " after it got " + probe);
            }
            return servedAfterReset(g, q) ? new Outcome.RingBroken(q)
                    : new Outcome.Unexpected("queue " + q + " is not served after the driver reset it");
        }
        if (probe != probeOk) {
            return new Outcome.Unexpected("no error signalled, but the well-formed request after it got " + probe
                    + " (used so far: " + used + ")");
        }
        if (used.isEmpty()) {
            // (the eventq's call may be the barrier's)
            boolean called = q == VirtioGpio.REQUESTQ && before.called();
            return called ? new Outcome.Unexpected("a call with nothing used") : new Outcome.Ignored();
        }
        long length = used.getFirst().length();
        if (used.stream().anyMatch(u -> u.length() != length)) {
            return new Outcome.Unexpected("used elements of different lengths: " + used);
        }
        if (length == 0) {
            boolean untouched = response < 0 || g.memory.readU8(response) == HostileGuest.FILL;
            return untouched ? new Outcome.ReturnedEmpty(used.size())
                    : new Outcome.Unexpected("used length 0, but the response buffer was written");
        }
        return new Outcome.Answered(used.size(), response < 0 ? -1 : g.memory.readU8(response), length);
    }

    /**
     * NEEDS_RESET: the driver resets the queue the device gave up on (GET_VRING_BASE, rings zeroed, set up again)
     * on the same connection, and the queue works again: a request is answered, or a pair for a line whose
     * interrupt is not enabled comes back INVALID.
     */
    private static boolean servedAfterReset(HostileGuest g, int q) throws Exception {
        g.resetQueue(q);
        if (q == VirtioGpio.REQUESTQ) {
            return g.probe(PROBE_SLOT, MessageType.GET_DIRECTION, OUT_HIGH, 0) == Direction.OUT.code();
        }
        g.offerIrq(0, OUT_LOW);
        g.eventq.publish();
        g.kick(VirtioGpio.EVENTQ);
        g.sync();
        List<HostileGuest.Event> events = g.events();
        return events.size() == 1 && events.getFirst().id() == 0
                && events.getFirst().status() == IrqStatus.INVALID.code() && !g.errorSeen(q);
    }

    /**
     * Sends well-formed requests in full batches and checks every answer: used once, in order, length 2, OK, and
     * the value expected (-1: any). Returns the number answered so, or the first deviation.
     */
    private static Outcome batches(HostileGuest g, List<long[]> requests) throws Exception {
        int done = 0;
        int per = HostileGuest.SLOTS - 1;
        for (int start = 0; start < requests.size(); start += per) {
            List<long[]> batch = requests.subList(start, Math.min(requests.size(), start + per));
            int mark = g.requestq.usedIdx();
            for (int i = 0; i < batch.size(); i++) {
                long[] r = batch.get(i);
                g.offerRequest(i, (int) r[0], (int) r[1], r[2]);
            }
            g.requestq.publish();
            g.kick(VirtioGpio.REQUESTQ);
            g.sync();
            int now = g.requestq.usedIdx();
            if (((now - mark) & 0xffff) != batch.size()) {
                return new Outcome.Unexpected("batch at request " + start + ": " + ((now - mark) & 0xffff)
                        + " of " + batch.size() + " used");
            }
            for (int i = 0; i < batch.size(); i++) {
                RawRing.Used u = g.requestq.used(mark + i);
                long[] r = batch.get(i);
                if (u.id() != 2 * i || u.length() != 2 || g.status(i) != 0
                        || (r[3] >= 0 && g.value(i) != r[3])) {
                    return new Outcome.Unexpected(String.format("request %d (type %d line %d value %d): used %s,"
                            + " status %d value %d", start + i, r[0], r[1], r[2], u, g.status(i), g.value(i)));
                }
            }
            done += batch.size();
        }
        return new Outcome.AllAnswered(done);
    }

    private static long[] req(MessageType type, int gpio, long value, int expect) {
        return new long[] {type.code(), gpio, value, expect};
    }

    // ---- the table

    private static Case row(String name, String misbehaviour, Outcome expected, Act act) {
        return new Case(name, misbehaviour, Guest.FULL, act, expected);
    }

    /** A request chain at head 0: the readable descriptor given, then a 2-byte response buffer at {@code resp}. */
    private static void requestWith(HostileGuest g, long addr, long len, long resp) throws Exception {
        g.requestq.descriptor(0, addr, len, DESC_F_NEXT, 1);
        g.requestq.descriptor(1, resp, 2, DESC_F_WRITE, 0);
        g.requestq.offer(0);
    }

    List<Case> cases() {
        List<Case> c = new ArrayList<>();
        long end = HostileGuest.MEMORY;
        // ---- buffers outside guest memory
        c.add(row("buffer past the end", "a request buffer at the first address after guest memory",
                new Outcome.ReturnedEmpty(1), g -> {
                    long resp = g.area(2);
                    requestWith(g, end, 8, resp);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("buffer across the end", "an 8-byte request buffer whose last 4 bytes are past guest memory",
                new Outcome.ReturnedEmpty(1), g -> {
                    long resp = g.area(2);
                    requestWith(g, end - 4, 8, resp);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("buffer wrapping 2^64", "a request buffer at 0xffff_ffff_ffff_fffc (address + length wraps)",
                new Outcome.ReturnedEmpty(1), g -> {
                    long resp = g.area(2);
                    requestWith(g, -4L, 8, resp);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("4 GiB response buffer", "a response buffer of 2^32 - 1 bytes starting in guest memory",
                new Outcome.ReturnedEmpty(1), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    g.requestq.descriptor(0, req, 8, DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, g.scratch, 0xffff_ffffL, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("zero-length buffer", "a response descriptor of length 0", new Outcome.ReturnedEmpty(1), g -> {
            long req = g.request(MessageType.GET_DIRECTION, 0, 0);
            long resp = g.area(2);
            g.requestq.descriptor(0, req, 8, DESC_F_NEXT, 1);
            g.requestq.descriptor(1, resp, 0, DESC_F_WRITE, 0);
            g.requestq.offer(0);
            return kickAndJudge(g, 0, resp);
        }));
        // ---- buffers on the rings themselves
        c.add(row("response over the used ring", "the response buffer is the used ring's flags and index"
                + " (GET_DIRECTION of line 0xffff, answered ERR)", new Outcome.Answered(1, 1, 2), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0xffff, 0);
                    requestWith(g, req, 8, g.requestq.config.usedRing());
                    return kickAndJudge(g, 0, g.requestq.config.usedRing());
                }));
        c.add(row("request is the descriptor table", "the request buffer is descriptor 0 itself (its address"
                + " field read as type, gpio, value)", new Outcome.Answered(1, 1, 2), g -> {
                    long resp = g.area(2);
                    requestWith(g, g.requestq.config.descTable(), 8, resp);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("response over the available index", "the response buffer is the available ring's index, so"
                + " the answer moves it", new Outcome.RingBroken(0), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    requestWith(g, req, 8, g.requestq.config.availRing() + 2);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("indirect table is the descriptor table", "an indirect descriptor whose table is the ring's own"
                + " descriptor table (which holds that indirect descriptor)", new Outcome.ReturnedEmpty(1), g -> {
                    g.requestq.descriptor(0, g.requestq.config.descTable(), 16L * HostileGuest.QSIZE,
                            DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("request and response in 1-byte pieces", "GET_VALUE of IN_HIGH as 8 readable descriptors of"
                + " 1 byte, the response as 2 writable ones", new Outcome.Answered(1, 0, 2), g -> {
                    long req = g.request(MessageType.GET_VALUE, IN_HIGH, 0);
                    long resp = g.area(2);
                    for (int i = 0; i < 10; i++) {
                        boolean writable = i >= 8;
                        g.requestq.descriptor(i, writable ? resp + i - 8 : req + i, 1,
                                (writable ? DESC_F_WRITE : 0) | (i < 9 ? DESC_F_NEXT : 0), i + 1);
                    }
                    g.requestq.offer(0);
                    Outcome o = kickAndJudge(g, 0, resp);
                    return g.memory.readU8(resp + 1) == 1 ? o : new Outcome.Unexpected("value byte "
                            + g.memory.readU8(resp + 1));
                }));
        // ---- loops and links
        c.add(row("descriptor linked to itself", "descriptor 0 has NEXT and next = 0", new Outcome.ReturnedEmpty(1),
                g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    g.requestq.descriptor(0, req, 8, DESC_F_NEXT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("two-descriptor loop", "0 -> 1 -> 0, both device-writable", new Outcome.ReturnedEmpty(1), g -> {
            long resp = g.area(2);
            g.requestq.descriptor(0, resp, 2, DESC_F_NEXT | DESC_F_WRITE, 1);
            g.requestq.descriptor(1, resp, 2, DESC_F_NEXT | DESC_F_WRITE, 0);
            g.requestq.offer(0);
            return kickAndJudge(g, 0, resp);
        }));
        c.add(row("loop through the whole table", "0 -> 1 -> ... -> 63 -> 0, every descriptor readable",
                new Outcome.ReturnedEmpty(1), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    for (int i = 0; i < HostileGuest.QSIZE; i++) {
                        g.requestq.descriptor(i, req, 8, DESC_F_NEXT, (i + 1) % HostileGuest.QSIZE);
                    }
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("link past the table", "descriptor 0 links to 64, outside the 64-entry table",
                new Outcome.ReturnedEmpty(1), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    g.requestq.descriptor(0, req, 8, DESC_F_NEXT, HostileGuest.QSIZE);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("link to 0xffff", "descriptor 0 links to 65535", new Outcome.ReturnedEmpty(1), g -> {
            long req = g.request(MessageType.GET_DIRECTION, 0, 0);
            g.requestq.descriptor(0, req, 8, DESC_F_NEXT, 0xffff);
            g.requestq.offer(0);
            return kickAndJudge(g, 0, -1);
        }));
        c.add(row("loop inside an indirect table", "an indirect table of 4 whose entry 3 links back to entry 0",
                new Outcome.ReturnedEmpty(1), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    long table = g.area(64);
                    for (int i = 0; i < 4; i++) {
                        g.requestq.tableEntry(table, i, req, 8, DESC_F_NEXT, (i + 1) % 4);
                    }
                    g.requestq.descriptor(0, table, 64, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        // ---- indirect tables that nest or overflow
        c.add(row("nested indirect table", "an indirect table whose first entry is itself INDIRECT",
                new Outcome.ReturnedEmpty(1), g -> {
                    long inner = g.area(32);
                    long resp = g.area(2);
                    g.requestq.tableEntry(inner, 0, g.request(MessageType.GET_DIRECTION, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.tableEntry(inner, 1, resp, 2, DESC_F_WRITE, 0);
                    long outer = g.area(16);
                    g.requestq.tableEntry(outer, 0, inner, 32, DESC_F_INDIRECT, 0);
                    g.requestq.descriptor(0, outer, 16, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("indirect table longer than the queue", "an indirect table of 65 descriptors (queue size 64)",
                new Outcome.ReturnedEmpty(1), g -> {
                    long table = g.area(16 * 65);
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    for (int i = 0; i < 65; i++) {
                        g.requestq.tableEntry(table, i, req, 8, i < 64 ? DESC_F_NEXT : 0, i + 1);
                    }
                    g.requestq.descriptor(0, table, 16 * 65, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("indirect table of 4 GiB", "an indirect descriptor of length 0xffff_fff0",
                new Outcome.ReturnedEmpty(1), g -> {
                    g.requestq.descriptor(0, g.scratch, 0xffff_fff0L, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("indirect table of 24 bytes", "an indirect table length that is not a multiple of 16",
                new Outcome.ReturnedEmpty(1), g -> {
                    g.requestq.descriptor(0, g.area(32), 24, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("indirect table across the end", "a 2-entry indirect table whose second entry is past guest"
                + " memory", new Outcome.ReturnedEmpty(1), g -> {
                    g.requestq.descriptor(0, end - 16, 32, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("indirect with NEXT", "an indirect descriptor that also has the NEXT flag",
                new Outcome.ReturnedEmpty(1), g -> {
                    long table = g.area(32);
                    long resp = g.area(2);
                    g.requestq.tableEntry(table, 0, g.request(MessageType.GET_DIRECTION, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.tableEntry(table, 1, resp, 2, DESC_F_WRITE, 0);
                    g.requestq.descriptor(0, table, 32, DESC_F_INDIRECT | DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, resp, 2, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("63 descriptors then an indirect table", "a chain of 63 readable descriptors whose last is an"
                + " indirect table of 2 (65 buffers in all)", new Outcome.ReturnedEmpty(1), g -> {
                    long req = g.request(MessageType.GET_DIRECTION, 0, 0);
                    long table = g.area(32);
                    g.requestq.tableEntry(table, 0, req, 8, DESC_F_NEXT, 1);
                    g.requestq.tableEntry(table, 1, req, 8, 0, 0);
                    for (int i = 0; i < 63; i++) {
                        g.requestq.descriptor(i, req, 8, DESC_F_NEXT, i + 1);
                    }
                    g.requestq.descriptor(63, table, 32, DESC_F_INDIRECT, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        // ---- the available ring
        c.add(row("available index jumps by 65", "avail->idx set to 65 with nothing offered (queue size 64)",
                new Outcome.RingBroken(0), g -> {
                    g.requestq.publishRaw(HostileGuest.QSIZE + 1);
                    g.kick(VirtioGpio.REQUESTQ);
                    return judge(g, 0, 0, -1);
                }));
        c.add(row("available index moves back", "avail->idx set to 0xffff (one behind 0)",
                new Outcome.RingBroken(0), g -> {
                    g.requestq.publishRaw(0xffff);
                    g.kick(VirtioGpio.REQUESTQ);
                    return judge(g, 0, 0, -1);
                }));
        c.add(row("head index = queue size", "the available ring names descriptor 64", new Outcome.Ignored(), g -> {
            g.requestq.offer(HostileGuest.QSIZE);
            return kickAndJudge(g, 0, -1);
        }));
        c.add(row("a full ring of head 0xffff", "64 entries (exactly the queue size) all naming descriptor 65535",
                new Outcome.Ignored(), g -> {
                    for (int i = 0; i < HostileGuest.QSIZE; i++) {
                        g.requestq.offer(0xffff);
                    }
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("one chain offered 64 times", "the same well-formed chain (GET_VALUE of IN_HIGH) in all 64"
                + " entries of one batch", new Outcome.Answered(64, 0, 2), g -> {
                    long resp = g.area(2);
                    requestWith(g, g.request(MessageType.GET_VALUE, IN_HIGH, 0), 8, resp);
                    for (int i = 1; i < HostileGuest.QSIZE; i++) {
                        g.requestq.offer(0);
                    }
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("10,000 kicks with nothing new", "the kick eventfd signalled 10,000 times, the ring unchanged",
                new Outcome.Ignored(), g -> {
                    for (int i = 0; i < 10_000; i++) {
                        g.kick(VirtioGpio.REQUESTQ);
                    }
                    return judge(g, 0, 0, -1);
                }));
        c.add(row("a ring kept full from another thread", "a guest thread re-offers one chain whenever fewer than"
                + " 64 are outstanding, while the front end sends 20 messages (64 requests served between each two)"
                + " and an interrupt fires",
                new Outcome.StillAnswers(), this::flood));
        // ---- notification suppression
        c.add(row("used_event never reached (EVENT_IDX)", "1,000 requests polled with used_event kept 32,768"
                + " behind, so that no used index ever matches", new Outcome.Polled(1000, 1), g -> {
                    int calls = 0;
                    int answered = 0;
                    for (int batch = 0; batch < 40; batch++) {
                        g.requestq.usedEvent((g.requestq.usedIdx() + 0x8000) & 0xffff);
                        List<long[]> rs = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            rs.add(req(MessageType.GET_VALUE, IN_HIGH, 0, 1));
                        }
                        if (batches(g, rs) instanceof Outcome.AllAnswered(int n)) {
                            answered += n;
                        }
                        calls += g.signals(VirtioGpio.REQUESTQ).called() ? 1 : 0;
                    }
                    return new Outcome.Polled(answered, calls);
                }));
        c.add(new Case("NO_INTERRUPT forever (no EVENT_IDX)", "1,000 requests polled with VIRTQ_AVAIL_F_NO_INTERRUPT"
                + " set from the start", Guest.NO_EVENT_IDX, g -> {
                    g.requestq.availFlags(1);
                    int calls = 0;
                    int answered = 0;
                    for (int batch = 0; batch < 40; batch++) {
                        List<long[]> rs = new ArrayList<>();
                        for (int i = 0; i < 25; i++) {
                            rs.add(req(MessageType.GET_VALUE, IN_HIGH, 0, 1));
                        }
                        if (batches(g, rs) instanceof Outcome.AllAnswered(int n)) {
                            answered += n;
                        }
                        calls += g.signals(VirtioGpio.REQUESTQ).called() ? 1 : 0;
                    }
                    return new Outcome.Polled(answered, calls);
                }, new Outcome.Polled(1000, 0)));
        // ---- names
        int names = LineNames.encodedSize(NAMES);
        int namesResponse = (int) GpioResponseN.size(names);
        c.add(row("GET_LINE_NAMES, 200 KiB buffer", "a names request whose response buffer is 200 KiB (the"
                + " device's block is " + names + " bytes)", new Outcome.Answered(1, 1, 2), g -> {
                    long resp = g.area(200 << 10);
                    g.requestq.descriptor(0, g.request(MessageType.GET_LINE_NAMES, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, resp, 200 << 10, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("GET_LINE_NAMES, 4 GiB buffer", "a names response buffer of 2^32 - 1 bytes",
                new Outcome.ReturnedEmpty(1), g -> {
                    g.requestq.descriptor(0, g.request(MessageType.GET_LINE_NAMES, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, g.scratch, 0xffff_ffffL, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, -1);
                }));
        c.add(row("GET_LINE_NAMES, 1-byte buffer", "a names response buffer of 1 byte",
                new Outcome.Answered(1, 1, 1), g -> {
                    long resp = g.area(1);
                    g.requestq.descriptor(0, g.request(MessageType.GET_LINE_NAMES, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, resp, 1, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, resp);
                }));
        c.add(row("GET_LINE_NAMES, one byte too many", "a names response buffer of 2 + gpio_names_size bytes",
                new Outcome.Answered(1, 1, 2), g -> {
                    long resp = g.area(namesResponse + 1);
                    g.requestq.descriptor(0, g.request(MessageType.GET_LINE_NAMES, 0, 0), 8, DESC_F_NEXT, 1);
                    g.requestq.descriptor(1, resp, namesResponse + 1, DESC_F_WRITE, 0);
                    g.requestq.offer(0);
                    return kickAndJudge(g, 0, resp);
                }));
        int pieces = (namesResponse + 1) / 2;
        c.add(row("GET_LINE_NAMES in 2-byte pieces", "the right size, 1 + " + names + " bytes, as " + pieces
                + " writable descriptors of 2 bytes (the last 1)", new Outcome.Answered(1, 0, namesResponse), g -> {
                    long resp = g.area(namesResponse);
                    g.requestq.descriptor(0, g.request(MessageType.GET_LINE_NAMES, 0, 0), 8, DESC_F_NEXT, 1);
                    for (int i = 0; i < pieces; i++) {
                        boolean last = i == pieces - 1;
                        int len = Math.min(2, namesResponse - 2 * i);
                        g.requestq.descriptor(1 + i, resp + 2L * i, len, DESC_F_WRITE | (last ? 0 : DESC_F_NEXT),
                                2 + i);
                    }
                    g.requestq.offer(0);
                    Outcome o = kickAndJudge(g, 0, resp);
                    byte[] block = new byte[names];
                    g.memory.read(resp + 1, block, 0, names);
                    List<String> decoded = LineNames.decode(block, NAMES.size());
                    return decoded.equals(NAMES) ? o : new Outcome.Unexpected("names block decoded as " + decoded);
                }));
        // ---- many requests for one line
        c.add(row("5,000 requests for one line", "SET_VALUE and GET_VALUE of SCRATCH_A alternately, 5,000 in"
                + " full batches, then the line released", new Outcome.AllAnswered(5002), g -> {
                    List<long[]> rs = new ArrayList<>();
                    rs.add(req(MessageType.SET_DIRECTION, SCRATCH_A, Direction.OUT.code(), 0));
                    for (int i = 0; i < 2500; i++) {
                        rs.add(req(MessageType.SET_VALUE, SCRATCH_A, i & 1, 0));
                        rs.add(req(MessageType.GET_VALUE, SCRATCH_A, 0, i & 1));
                    }
                    rs.add(req(MessageType.SET_DIRECTION, SCRATCH_A, Direction.NONE.code(), 0));
                    return batches(g, rs);
                }));
        // ---- the eventq
        c.add(row("eventq pairs for every line and 65535", "with IRQ_RISING's rising-edge interrupt enabled, a pair"
                + " for each of the 8 lines, one for line 65535 and a second for IRQ_RISING; then IRQ_RISING rises",
                new Outcome.Pairs(9, 1, 0), g -> {
                    if (!(batches(g, List.of(req(MessageType.SET_IRQ_TYPE, IRQ_RISING, IrqType.EDGE_RISING.code(),
                            0))) instanceof Outcome.AllAnswered)) {
                        return new Outcome.Unexpected("IRQ_RISING's interrupt could not be enabled");
                    }
                    int slots = 0;
                    for (int line = 0; line < NAMES.size(); line++) {
                        g.offerIrq(slots++, line);
                    }
                    g.offerIrq(slots++, 0xffff);
                    g.offerIrq(slots++, IRQ_RISING);
                    g.eventq.publish();
                    g.kick(VirtioGpio.EVENTQ);
                    g.sync();
                    sim.drive(IRQ_RISING, 1);
                    g.sync();
                    sim.drive(IRQ_RISING, 0);
                    int invalid = 0;
                    int valid = 0;
                    List<HostileGuest.Event> used = g.events();
                    for (HostileGuest.Event u : used) {
                        int status = u.status();
                        if (u.length() != 1) {
                            return new Outcome.Unexpected("eventq used length " + u.length());
                        }
                        if (status == IrqStatus.VALID.code()) {
                            valid++;
                        } else if (status == IrqStatus.INVALID.code()) {
                            invalid++;
                        }
                    }
                    if (g.irqStatus(IRQ_RISING) != IrqStatus.VALID.code()) {
                        return new Outcome.Unexpected("IRQ_RISING's first pair came back " + g.irqStatus(IRQ_RISING));
                    }
                    if (!(batches(g, List.of(req(MessageType.SET_IRQ_TYPE, IRQ_RISING, IrqType.NONE.code(), 0)))
                            instanceof Outcome.AllAnswered)) {
                        return new Outcome.Unexpected("IRQ_RISING's interrupt could not be disabled");
                    }
                    return new Outcome.Pairs(invalid, valid, slots - used.size());
                }));
        c.add(row("eventq pair of the wrong sizes", "an interrupt pair of an 8-byte request and a 2-byte response",
                new Outcome.Answered(1, IrqStatus.INVALID.code(), 1), g -> {
                    long resp = g.area(2);
                    g.eventq.descriptor(0, g.request(MessageType.GET_VALUE, IRQ_RISING, 0), 8, DESC_F_NEXT, 1);
                    g.eventq.descriptor(1, resp, 2, DESC_F_WRITE, 0);
                    g.eventq.offer(0);
                    return kickAndJudge(g, 1, resp);
                }));
        c.add(row("eventq head out of range", "the eventq's available ring names descriptor 64",
                new Outcome.Ignored(), g -> {
                    g.eventq.offer(HostileGuest.QSIZE);
                    return kickAndJudge(g, 1, -1);
                }));
        c.add(row("eventq available index jumps", "the eventq's avail->idx set to 65 with nothing offered",
                new Outcome.RingBroken(1), g -> {
                    g.eventq.publishRaw(HostileGuest.QSIZE + 1);
                    g.kick(VirtioGpio.EVENTQ);
                    return judge(g, 1, 0, -1);
                }));
        c.add(row("10,000 interrupt enables and disables", "SET_IRQ_TYPE EDGE_BOTH then NONE on SCRATCH_B 10,000"
                + " times (a pair held during the first); then the line still interrupts",
                new Outcome.AllAnswered(20_004), g -> toggle(g, 10_000)));
        // ---- the connection
        c.add(new Case("ring outside guest memory", "the requestq's available ring placed past the end of the"
                + " shared memory", Guest.OWN, g -> startQueue(new QueueConfig(HostileGuest.QSIZE, 0,
                        HostileGuest.MEMORY - 64, 0x1000)), new Outcome.Dropped()));
        c.add(new Case("ring set up again while it runs", "SET_VRING_NUM/ADDR for the requestq while it is served",
                Guest.OWN, g -> {
                    try (HostileGuest h = HostileGuest.connect(socket, true)) {
                        h.frontend.startQueue(VirtioGpio.REQUESTQ, h.requestq.config);
                        return new Outcome.Unexpected("SET_VRING_NUM on a running ring was accepted");
                    } catch (VirtioException e) {
                        return e.reason() == VirtioException.Reason.CLOSED ? new Outcome.Dropped()
                                : new Outcome.Unexpected(e.toString());
                    }
                }, new Outcome.Dropped()));
        return c;
    }

    private Outcome startQueue(QueueConfig config) throws IOException {
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket, Duration.ofSeconds(5), HostileGuest.MEMORY)) {
            f.negotiate(f.offeredFeatures());
            f.startQueue(VirtioGpio.REQUESTQ, config);
            return new Outcome.Unexpected("the ring was accepted");
        } catch (VirtioException e) {
            return e.reason() == VirtioException.Reason.CLOSED ? new Outcome.Dropped()
                    : new Outcome.Unexpected(e.toString());
        }
    }

    /**
     * A guest thread keeps the requestq busy (GET_VALUE of IN_HIGH, one chain offered again and again) while this
     * thread sends GET_CONFIG twenty times, each after another 64 requests were served, and has IRQ_RISING fire:
     * the serving thread must get back to its other work (a front end's message times out after 5 s).
     */

    private Outcome flood(HostileGuest g) throws Exception {
        if (!(batches(g, List.of(req(MessageType.SET_IRQ_TYPE, IRQ_RISING, IrqType.EDGE_RISING.code(), 0)))
                instanceof Outcome.AllAnswered)) {
            return new Outcome.Unexpected("IRQ_RISING's interrupt could not be enabled");
        }
        long resp = g.area(2);
        g.requestq.descriptor(0, g.request(MessageType.GET_VALUE, IN_HIGH, 0), 8, DESC_F_NEXT, 1);
        g.requestq.descriptor(1, resp, 2, DESC_F_WRITE, 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong offered = new AtomicLong();
        Exception[] failed = new Exception[1];
        Thread feeder = Thread.ofPlatform().name("hostile-feeder").start(() -> {
            try {
                while (!stop.get()) {
                    if (((g.requestq.availIdx() - g.requestq.usedIdx()) & 0xffff) < HostileGuest.QSIZE) {
                        g.requestq.offer(0);
                        g.requestq.publish();
                        offered.incrementAndGet();
                    } else {
                        g.kick(VirtioGpio.REQUESTQ);
                    }
                }
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        try {
            g.kick(VirtioGpio.REQUESTQ);
            for (int i = 0; i < 20; i++) {
                // a full ring's worth served between two messages: the flood goes on while they are answered
                long mark = offered.get();
                await("64 more requests served").atMost(Duration.ofSeconds(10)).pollInSameThread()
                        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> offered.get() >= mark + HostileGuest.QSIZE || failed[0] != null);
                g.sync();
            }
            g.offerIrq(0, IRQ_RISING);
            g.eventq.publish();
            g.kick(VirtioGpio.EVENTQ);
            g.sync();
            sim.drive(IRQ_RISING, 1);
            g.sync();
            sim.drive(IRQ_RISING, 0);
        } finally {
            stop.set(true);
            feeder.join();
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        if (!g.events().equals(List.of(new HostileGuest.Event(0, 1, IrqStatus.VALID.code())))) {
            return new Outcome.Unexpected("the interrupt did not come while the ring was kept full: " + g.events());
        }
        g.kick(VirtioGpio.REQUESTQ); // the feeder's last chains may not have been kicked
        g.sync();
        if (!(batches(g, List.of(req(MessageType.SET_IRQ_TYPE, IRQ_RISING, IrqType.NONE.code(), 0)))
                instanceof Outcome.AllAnswered)) {
            return new Outcome.Unexpected("IRQ_RISING's interrupt could not be disabled");
        }
        return new Outcome.StillAnswers();
    }

    /** Enables and disables SCRATCH_B's interrupt {@code times} times, then shows it still interrupts. */
    private Outcome toggle(HostileGuest g, int times) throws Exception {
        int line = SCRATCH_B;
        Outcome first = batches(g, List.of(req(MessageType.SET_DIRECTION, line, Direction.IN.code(), 0),
                req(MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_BOTH.code(), 0)));
        g.offerIrq(0, line);
        g.eventq.publish();
        g.kick(VirtioGpio.EVENTQ);
        g.sync();
        if (!g.events().isEmpty()) {
            return new Outcome.Unexpected("the pair of an enabled line came back at once");
        }
        List<long[]> rs = new ArrayList<>();
        rs.add(req(MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code(), 0));
        for (int i = 1; i < times; i++) {
            rs.add(req(MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_BOTH.code(), 0));
            rs.add(req(MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code(), 0));
        }
        Outcome many = batches(g, rs);
        if (!g.events().equals(List.of(new HostileGuest.Event(0, 1, IrqStatus.INVALID.code())))) {
            return new Outcome.Unexpected("the held pair was not returned INVALID on the first disable");
        }
        Outcome last = batches(g, List.of(req(MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_BOTH.code(), 0)));
        g.offerIrq(1, line);
        g.eventq.publish();
        g.kick(VirtioGpio.EVENTQ);
        g.sync();
        sim.drive(line, 1);
        g.sync();
        if (g.events().size() != 2 || !g.events().get(1).equals(new HostileGuest.Event(2, 1, IrqStatus.VALID.code()))) {
            return new Outcome.Unexpected("after the toggling the line's edge did not come back VALID");
        }
        Outcome after = batches(g, List.of(req(MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code(), 0),
                req(MessageType.SET_DIRECTION, line, Direction.NONE.code(), 0)));
        sim.drive(line, 0);
        int total = 0;
        for (Outcome o : List.of(first, many, last, after)) {
            if (!(o instanceof Outcome.AllAnswered(int n))) {
                return o;
            }
            total += n;
        }
        return new Outcome.AllAnswered(total);
    }

    static String describe(Outcome o) {
        return switch (o) {
            case Outcome.Answered(int n, int status, long len) -> (n == 1 ? "answered" : "each of " + n
                    + " answered") + ": status " + (status == 0 ? "OK/INVALID (0)" : status == 1 ? "ERR/VALID (1)"
                    : status) + ", used length " + len;
            case Outcome.ReturnedEmpty(int n) -> (n == 1 ? "returned" : n + " returned") + " with used length 0,"
                    + " nothing written; the ring goes on";
            case Outcome.Ignored() -> "nothing used (and on the requestq no call); the next request is served";
            case Outcome.RingBroken(int q) -> (q == 0 ? "requestq" : "eventq") + " marked broken: err fd"
                    + " signalled, not served until the driver resets it (GET_VRING_BASE, set up again), then"
                    + " served; the connection stays";
            case Outcome.Dropped() -> "connection closed by the back end";
            case Outcome.AllAnswered(int n) -> "all " + n + " answered once, in order, OK and right";
            case Outcome.Polled(int n, int calls) -> n + " answered on the used ring, " + calls + " call"
                    + (calls == 1 ? "" : "s");
            case Outcome.Pairs(int invalid, int valid, int held) -> invalid + " pairs INVALID, " + valid
                    + " VALID, " + held + " held";
            case Outcome.StillAnswers() -> "served, and meanwhile the front end's messages were answered and the"
                    + " interrupt delivered";
            case Outcome.Unexpected(String what) -> "UNEXPECTED: " + what;
        };
    }
}
