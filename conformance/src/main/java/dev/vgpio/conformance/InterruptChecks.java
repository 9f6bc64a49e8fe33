package dev.vgpio.conformance;

import static dev.vgpio.conformance.Verdict.fail;
import static dev.vgpio.conformance.Verdict.pass;

import dev.vgpio.driver.Answer;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The checks of SET_IRQ_TYPE, the eventq and interrupt delivery. */
final class InterruptChecks {
    private InterruptChecks() {
    }

    // ---- SET_IRQ_TYPE

    static Verdict withoutFeature(Context c) throws IOException {
        Session s = c.sessionWithoutIrq();
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        Answer a = c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_BOTH.code());
        int d = c.direction(s, line);
        String offered = Context.irqOffered(s) ? "the device offers VIRTIO_GPIO_F_IRQ; this session did not accept it"
                : "the device does not offer VIRTIO_GPIO_F_IRQ";
        if (a.status() == 0) {
            c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code());
            return fail("SET_IRQ_TYPE(EDGE_BOTH) for line " + line + " answered OK without VIRTIO_GPIO_F_IRQ ("
                    + offered + ")");
        }
        if (a.status() != 1) {
            return fail("SET_IRQ_TYPE(EDGE_BOTH) answered " + Session.status(a.status()) + " (" + offered + ")");
        }
        return pass("SET_IRQ_TYPE(EDGE_BOTH) for line " + line + " answered ERR (" + offered + "); the device went on"
                + " answering (GET_DIRECTION = " + d + ")");
    }

    static Verdict outputLine(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.setValue(s, line, 0);
        c.setDirection(s, line, Direction.OUT);
        Answer a = c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_RISING.code());
        int d = c.direction(s, line);
        if (a.status() == 0) {
            c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code());
            return fail("SET_IRQ_TYPE(EDGE_RISING) for output line " + line + " answered OK");
        }
        if (a.status() != 1) {
            return fail("SET_IRQ_TYPE(EDGE_RISING) for output line " + line + " answered "
                    + Session.status(a.status()));
        }
        if (d != Direction.OUT.code()) {
            return fail("SET_IRQ_TYPE(EDGE_RISING) answered ERR but line " + line + "'s direction changed to " + d);
        }
        return pass("SET_IRQ_TYPE(EDGE_RISING) for output line " + line + " answered ERR; the line stayed an output");
    }

    static Verdict invalidType(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        List<String> bad = new ArrayList<>();
        for (long v : new long[] {0x5, 0x6, 0x7, 0x9, 0x101}) {
            Answer a = c.raw(s, MessageType.SET_IRQ_TYPE, line, v);
            if (a.status() != 1) {
                bad.add(String.format("SET_IRQ_TYPE(0x%x) answered %s", v, Session.status(a.status())));
                c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.NONE.code());
            }
        }
        return bad.isEmpty() ? pass("line " + line + " (input): SET_IRQ_TYPE with 0x5, 0x6, 0x7, 0x9 and 0x101"
                + " answered ERR") : fail(String.join("; ", bad));
    }

    static Verdict changeWithoutNone(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_RISING);
        Answer change = c.raw(s, MessageType.SET_IRQ_TYPE, line, IrqType.EDGE_FALLING.code());
        IrqType current = change.status() == 0 ? IrqType.EDGE_FALLING : IrqType.EDGE_RISING;
        Answer same = c.raw(s, MessageType.SET_IRQ_TYPE, line, current.code());
        c.setIrqType(s, line, IrqType.NONE);
        c.setIrqType(s, line, IrqType.EDGE_FALLING);
        c.setIrqType(s, line, IrqType.NONE);
        return pass(String.format("line %d: EDGE_RISING then EDGE_FALLING without NONE answered %s; the type it had"
                + " (%s) again answered %s; NONE, EDGE_FALLING and NONE then answered OK", line,
                Session.status(change.status()), current, Session.status(same.status())));
    }

    // ---- eventq

    static Verdict notEnabledInvalid(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        long t0 = System.nanoTime();
        s.queue(line);
        Session.Event e = s.awaitEvent(Context.PROMPT);
        if (e == null) {
            return fail("the pair queued for line " + line + " (input, interrupt not enabled) was not returned within "
                    + Context.PROMPT.toMillis() + " ms");
        }
        if (e.status() != 0) {
            return fail("the pair queued for line " + line + " (interrupt not enabled) came back "
                    + Session.eventStatus(e.status()) + ", not INVALID");
        }
        return pass("the pair queued for line " + line + " (interrupt not enabled) came back INVALID after "
                + ms(e.atNanos() - t0) + ", used length " + e.usedLength());
    }

    static Verdict disableReturns(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_BOTH);
        s.queue(line);
        List<Session.Event> early = s.collect(c.quiet());
        String requeued = "";
        if (!early.isEmpty()) {
            if (early.stream().anyMatch(e -> !e.valid())) {
                return fail("the pair of line " + line + " (EDGE_BOTH enabled, unmasked) came back before the"
                        + " interrupt was disabled: " + early);
            }
            s.queue(line); // a real line may have moved: try once more
            requeued = " (the line had an edge first; the pair was queued again)";
        }
        long t0 = System.nanoTime();
        c.setIrqType(s, line, IrqType.NONE);
        Session.Event e = s.awaitEvent(Context.PROMPT.minusNanos(System.nanoTime() - t0));
        if (e == null) {
            return fail("after SET_IRQ_TYPE(NONE) for line " + line + " (answered OK) the queued pair was not returned"
                    + " within " + Context.PROMPT.toMillis() + " ms" + requeued);
        }
        if (e.status() != 0) {
            return fail("on SET_IRQ_TYPE(NONE) the pair of line " + line + " came back " + Session.eventStatus(e.status())
                    + ", not INVALID");
        }
        return pass("the pair of line " + line + " came back INVALID " + ms(e.atNanos() - t0)
                + " after SET_IRQ_TYPE(NONE) was sent, used length " + e.usedLength() + requeued);
    }

    static Verdict duplicatePair(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_RISING);
        s.queue(line);
        s.queueAgain(line);
        List<Session.Event> prompt = s.collect(Context.PROMPT);
        c.setIrqType(s, line, IrqType.NONE);
        List<Session.Event> afterNone = awaitCount(s, 2 - prompt.size(), Context.PROMPT);
        int total = prompt.size() + afterNone.size();
        String story = "of two pairs queued for line " + line + " (EDGE_RISING enabled), " + describe(prompt)
                + " within " + Context.PROMPT.toMillis() + " ms, then on SET_IRQ_TYPE(NONE) " + describe(afterNone);
        if (prompt.stream().anyMatch(Session.Event::valid)) {
            return fail(story + ": a VALID event without any edge");
        }
        if (total != 2) {
            return fail(story + (total < 2 ? ": a pair stayed with the device after its interrupt was disabled"
                    : ": more pairs came back than were queued"));
        }
        c.setIrqType(s, line, IrqType.EDGE_RISING);
        s.queue(line);
        if (c.target.input() != null) {
            long t0 = System.nanoTime();
            c.target.input().set(line, 1);
            Session.Event e = s.awaitEvent(c.timeout());
            if (e == null || !e.valid()) {
                return fail(story + "; afterwards, with EDGE_RISING enabled and one pair queued, a rising edge gave "
                        + (e == null ? "nothing within " + c.timeout().toMillis() + " ms" : e));
            }
            return pass(story + "; afterwards the queue worked: a rising edge came back VALID after "
                    + ms(e.atNanos() - t0));
        }
        c.setIrqType(s, line, IrqType.NONE);
        Session.Event e = s.awaitEvent(Context.PROMPT);
        if (e == null || e.status() != 0) {
            return fail(story + "; afterwards, enabling, queueing a pair and disabling again gave "
                    + (e == null ? "nothing within " + Context.PROMPT.toMillis() + " ms" : e));
        }
        return pass(story + "; afterwards the queue worked: enable, queue, disable returned the pair INVALID"
                + " (no input driver to drive an edge)");
    }

    // ---- interrupt delivery (needs an input driver)

    static Verdict edgeDelivered(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        InputDriver in = c.input();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_RISING);
        s.queue(line);
        List<Session.Event> spurious = s.collect(c.quiet());
        if (!spurious.isEmpty()) {
            return fail("with line " + line + " steady at 0, its pair came back: " + spurious);
        }
        long t0 = System.nanoTime();
        in.set(line, 1);
        Session.Event e = s.awaitEvent(c.timeout());
        if (e == null) {
            return fail("no event within " + c.timeout().toMillis() + " ms of a rising edge on line " + line
                    + " (EDGE_RISING enabled, pair queued)");
        }
        if (!e.valid() || e.usedLength() != 1) {
            return fail("a rising edge on line " + line + " (enabled, unmasked) returned the pair " + e
                    + "; expected VALID with used length 1");
        }
        return pass("line " + line + ": VALID " + ms(e.atNanos() - t0) + " after the rising edge, used length 1;"
                + " nothing before it");
    }

    static Verdict edgeLatched(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        c.input();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_RISING);
        c.drive(line, 1);
        long t0 = System.nanoTime();
        s.queue(line);
        Session.Event e = s.awaitEvent(c.timeout());
        if (e == null) {
            return fail("a rising edge on line " + line + " while enabled (EDGE_RISING) but masked was not delivered"
                    + " within " + c.timeout().toMillis() + " ms of queueing the pair");
        }
        if (!e.valid()) {
            return fail("on unmasking after an edge while masked, the pair of line " + line + " came back " + e);
        }
        s.queue(line);
        Session.Event again = s.awaitEvent(c.quiet());
        if (again != null) {
            return fail("the latched edge was delivered VALID on unmask, but queueing the pair once more returned it"
                    + " too: " + again + " (one edge, two events)");
        }
        return pass("line " + line + ": the rising edge that came while masked was delivered VALID "
                + ms(e.atNanos() - t0) + " after the pair was queued, and only once");
    }

    static Verdict maskedNoEvent(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        c.input();
        int line = c.line(s);
        int other = c.otherLine(s);
        c.enable(s, line, IrqType.EDGE_BOTH);
        if (other >= 0) {
            c.enable(s, other, IrqType.EDGE_BOTH);
            s.queue(other);
        }
        c.drive(line, 1);
        c.drive(line, 0);
        List<Session.Event> got = s.collect(c.quiet());
        if (!got.isEmpty()) {
            return fail("two edges on line " + line + " (EDGE_BOTH enabled, masked) made the device return " + got
                    + (other >= 0 ? " (only line " + other + "'s pair was queued)" : ""));
        }
        return pass("two edges on line " + line + " (EDGE_BOTH enabled, masked) sent nothing"
                + (other >= 0 ? "; line " + other + "'s queued pair stayed with the device" : " (one-line device)"));
    }

    static Verdict disableDiscardsLatched(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        c.input();
        int line = c.line(s);
        c.enable(s, line, IrqType.EDGE_RISING);
        c.drive(line, 1);
        c.setIrqType(s, line, IrqType.NONE);
        c.setIrqType(s, line, IrqType.EDGE_RISING);
        s.queue(line);
        List<Session.Event> got = s.collect(c.quiet());
        if (got.stream().anyMatch(Session.Event::valid)) {
            return fail("a rising edge latched on line " + line + " before SET_IRQ_TYPE(NONE) was delivered after"
                    + " EDGE_RISING was enabled again and the pair queued: " + got);
        }
        return pass("line " + line + ": an edge latched while masked, then NONE and EDGE_RISING again: queueing the"
                + " pair gave nothing within " + c.quiet().toMillis() + " ms (the latched edge was discarded)");
    }

    static Verdict levelNotLatched(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        InputDriver in = c.input();
        int line = c.line(s);
        for (IrqType type : new IrqType[] {IrqType.LEVEL_HIGH, IrqType.LEVEL_LOW}) {
            int active = type == IrqType.LEVEL_HIGH ? 1 : 0;
            in.set(line, 1 - active);
            c.settle();
            c.enable(s, line, type);
            c.drive(line, active);
            c.drive(line, 1 - active);
            s.queue(line);
            List<Session.Event> got = s.collect(c.quiet());
            if (got.stream().anyMatch(Session.Event::valid)) {
                return fail(type + " on line " + line + ": the level was active and inactive again while masked; on"
                        + " unmask the device sent " + got);
            }
            c.setIrqType(s, line, IrqType.NONE);
            s.collect(Context.PROMPT);
        }
        return pass("line " + line + ", LEVEL_HIGH and LEVEL_LOW: a level active only while masked sent nothing on"
                + " unmask (watched " + c.quiet().toMillis() + " ms)");
    }

    static Verdict levelActiveOnUnmask(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        InputDriver in = c.input();
        int line = c.line(s);
        List<String> seen = new ArrayList<>();
        for (IrqType type : new IrqType[] {IrqType.LEVEL_HIGH, IrqType.LEVEL_LOW}) {
            int active = type == IrqType.LEVEL_HIGH ? 1 : 0;
            in.set(line, 1 - active);
            c.settle();
            c.enable(s, line, type);
            s.queue(line);
            List<Session.Event> idle = s.collect(c.quiet());
            if (!idle.isEmpty()) {
                return fail(type + " on line " + line + ": with the level inactive, the queued pair came back " + idle);
            }
            long t0 = System.nanoTime();
            in.set(line, active);
            Session.Event first = s.awaitEvent(c.timeout());
            if (first == null || !first.valid()) {
                return fail(type + " on line " + line + ": the level became active while unmasked and the device "
                        + (first == null ? "sent nothing within " + c.timeout().toMillis() + " ms" : "returned " + first));
            }
            c.settle();
            long t1 = System.nanoTime();
            s.queue(line);
            Session.Event again = s.awaitEvent(c.timeout());
            if (again == null || !again.valid()) {
                return fail(type + " on line " + line + ": unmasked again while the level was still active, the device "
                        + (again == null ? "sent nothing within " + c.timeout().toMillis() + " ms" : "returned " + again));
            }
            c.drive(line, 1 - active);
            s.queue(line);
            List<Session.Event> after = s.collect(c.quiet());
            if (!after.isEmpty()) {
                return fail(type + " on line " + line + ": unmasked after the level went inactive, the device returned "
                        + after);
            }
            c.setIrqType(s, line, IrqType.NONE);
            s.collect(Context.PROMPT);
            seen.add(String.format("%s: VALID %s after the level became active, VALID again %s after unmasking"
                    + " while still active, nothing once inactive", type, ms(first.atNanos() - t0),
                    ms(again.atNanos() - t1)));
        }
        return pass("line " + line + ": " + String.join("; ", seen));
    }

    static Verdict disabledNoEvent(Context c) throws IOException {
        Session s = c.sessionWithIrq();
        c.input();
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        s.queue(line);
        c.drive(line, 1);
        c.drive(line, 0);
        c.drive(line, 1);
        List<Session.Event> got = s.collect(c.quiet());
        if (got.stream().anyMatch(Session.Event::valid)) {
            return fail("line " + line + " had no interrupt enabled and its pair queued; after three edges the device"
                    + " returned " + got);
        }
        return pass("line " + line + " (input, no interrupt enabled, pair queued): three edges sent no VALID event ("
                + (got.isEmpty() ? "the pair was held" : "the pair came back " + got) + ")");
    }

    // ---- helpers

    /** Waits until {@code count} pairs came back or {@code within} passed. */
    private static List<Session.Event> awaitCount(Session s, int count, java.time.Duration within)
            throws IOException {
        List<Session.Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (got.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Session.Event e = s.awaitEvent(java.time.Duration.ofNanos(left));
            if (e == null) {
                break;
            }
            got.add(e);
        }
        return got;
    }

    private static String describe(List<Session.Event> events) {
        if (events.isEmpty()) {
            return "none came back";
        }
        return events.size() + " came back (" + events.stream().map(e -> Session.eventStatus(e.status()))
                .reduce((a, b) -> a + ", " + b).orElse("") + ")";
    }

    static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }
}
