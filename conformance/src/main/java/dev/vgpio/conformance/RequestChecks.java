package dev.vgpio.conformance;

import static dev.vgpio.conformance.Verdict.fail;
import static dev.vgpio.conformance.Verdict.pass;

import dev.vgpio.driver.Answer;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.InvalidLineNamesException;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.virtio.VirtioFeature;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/** The checks of the configuration space, the names block and the requestq messages. */
final class RequestChecks {
    /** Read-only sweeps (GET_DIRECTION, GET_VALUE) cover at most this many lines. */
    static final int SWEEP_MAX = 4096;
    /** Requests put in flight at once by the ordering check. */
    static final int IN_FLIGHT = 16;

    private RequestChecks() {
    }

    // ---- features and configuration

    static Verdict version1(Context c) throws IOException {
        Session s = c.session();
        long f = s.offered();
        String list = "offered features " + GpioFeatures.NAMES.describe(f);
        VirtioFeature v1 = VirtioFeature.VERSION_1;
        return v1.in(f) ? pass(list) : fail(list + ": " + v1.specName() + " (bit " + v1.bit() + ") is missing");
    }


    static Verdict ngpio(Context c) throws IOException {
        Session s = c.session();
        return s.ngpio() > 0 ? pass("ngpio = " + s.ngpio())
                : fail("ngpio = 0: the device has no lines (the Linux driver refuses such a device)");
    }

    static Verdict padding(Context c) throws IOException {
        Session s = c.session();
        byte[] cfg = s.config();
        int padding = GpioConfig.paddingOf(MemorySegment.ofArray(cfg), 0);
        return padding == 0 ? pass("configuration bytes " + hex(cfg) + ": padding 00 00")
                : fail(String.format("padding bytes are %02x %02x (configuration bytes %s)", cfg[2] & 0xff,
                        cfg[3] & 0xff, hex(cfg)));
    }

    static Verdict namesSize(Context c) throws IOException {
        Session s = c.session();
        long size = s.namesSize();
        int n = s.ngpio();
        if (size == 0) {
            return pass("gpio_names_size = 0: the device declares that it has no line names");
        }
        if (size < n) {
            return fail(String.format("gpio_names_size = %d but ngpio = %d: the names of %d lines take at least %d"
                    + " bytes (one NUL per line)", size, n, n, n));
        }
        if (size > Session.MAX_NAMES) {
            return fail("gpio_names_size = " + size + ": more than 1 MiB of names for " + n + " lines");
        }
        Answer a = s.names().answer();
        return a.status() == 0 ? pass("gpio_names_size = " + size + " and GET_LINE_NAMES answered OK")
                : fail("gpio_names_size = " + size + " (names supported) but GET_LINE_NAMES answered "
                        + Session.status(a.status()));
    }

    // ---- names

    private static Session.Names names(Session s) throws IOException {
        if (s.namesSize() == 0) {
            throw new CheckSkipped("gpio_names_size is 0: the device has no line names");
        }
        return s.names();
    }

    static Verdict namesAnswer(Context c) throws IOException {
        Session s = c.session();
        Session.Names r = names(s);
        long expected = 1 + s.namesSize();
        List<String> problems = new ArrayList<>();
        if (r.answer().status() != 0) {
            problems.add("status " + Session.status(r.answer().status()));
        }
        if (r.answer().usedLength() != expected) {
            problems.add("used length " + r.answer().usedLength() + ", expected " + expected
                    + " (1 + gpio_names_size)");
        }
        return problems.isEmpty() ? pass("status OK, used length " + expected + " (1 + gpio_names_size)")
                : fail("GET_LINE_NAMES answered with " + String.join(" and ", problems));
    }

    static Verdict namesFormat(Context c) throws IOException {
        Session s = c.session();
        Session.Names r = names(s);
        if (r.answer().status() != 0) {
            return fail("GET_LINE_NAMES answered " + Session.status(r.answer().status()) + "; there is no block");
        }
        List<String> names;
        try {
            names = LineNames.decode(r.block(), s.ngpio());
        } catch (InvalidLineNamesException e) {
            List<String> problems = e.problems().stream().filter(p -> !p.startsWith("duplicate line name")).toList();
            if (problems.isEmpty()) {
                return pass(s.ngpio() + " NUL-terminated 7-bit ASCII names (duplicates are names.unique's concern)");
            }
            return fail(String.join("; ", problems));
        }
        long used = names.stream().mapToLong(n -> n.length() + 1L).sum();
        long unnamed = names.stream().filter(String::isEmpty).count();
        String padding = used < r.block().length ? "; followed by " + (r.block().length - used) + " zero bytes" : "";
        return pass(names.size() + " NUL-terminated 7-bit ASCII names, " + unnamed + " unnamed: " + shown(names)
                + padding);
    }

    static Verdict namesUnique(Context c) throws IOException {
        Session s = c.session();
        Session.Names r = names(s);
        if (r.answer().status() != 0) {
            return fail("GET_LINE_NAMES answered " + Session.status(r.answer().status()) + "; there is no block");
        }
        try {
            List<String> names = LineNames.decode(r.block(), s.ngpio());
            long named = names.stream().filter(n -> !n.isEmpty()).count();
            return pass(named + " named lines, every name distinct");
        } catch (InvalidLineNamesException e) {
            List<String> duplicates = e.problems().stream().filter(p -> p.startsWith("duplicate line name")).toList();
            if (duplicates.isEmpty()) {
                return pass("no name appears twice among the names that could be decoded (the block has other"
                        + " problems, see names.format)");
            }
            return fail(String.join("; ", duplicates));
        }
    }

    private static String shown(List<String> names) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < Math.min(8, names.size()); i++) {
            j.add(names.get(i).isEmpty() ? "(unnamed)" : "\"" + names.get(i) + "\"");
        }
        return j + (names.size() > 8 ? ", ..." : "");
    }

    // ---- requestq messages

    static Verdict getDirection(Context c) throws IOException {
        Session s = c.session();
        int n = Math.min(s.ngpio(), SWEEP_MAX);
        int[] counts = new int[3];
        List<String> bad = new ArrayList<>();
        for (int line = 0; line < n; line++) {
            Answer a = c.raw(s, MessageType.GET_DIRECTION, line, 0);
            if (a.status() != 0) {
                bad.add("line " + line + " answered " + Session.status(a.status()));
            } else if (a.value() > 2) {
                bad.add("line " + line + " answered value " + a.value());
            } else {
                counts[a.value()]++;
            }
        }
        String range = s.ngpio() > n ? " (the first " + n + " of " + s.ngpio() + " lines)" : "";
        if (!bad.isEmpty()) {
            return fail(bad.size() + " of " + n + " lines: " + firstFew(bad) + range);
        }
        return pass(String.format("all %d lines answered OK: %d none, %d output, %d input%s", n, counts[0],
                counts[1], counts[2], range));
    }

    static Verdict getValue(Context c) throws IOException {
        Session s = c.session();
        int n = Math.min(s.ngpio(), SWEEP_MAX);
        int okCount = 0;
        List<Integer> errLines = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int line = 0; line < n; line++) {
            Answer a = c.raw(s, MessageType.GET_VALUE, line, 0);
            if (a.status() == 1) {
                errLines.add(line);
            } else if (a.status() != 0) {
                bad.add("line " + line + " answered " + Session.status(a.status()));
            } else if (a.value() > 1) {
                bad.add("line " + line + " answered value " + a.value());
            } else {
                okCount++;
            }
        }
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        int asInput = c.value(s, line);
        c.setValue(s, line, 1);
        c.setDirection(s, line, Direction.OUT);
        int asOutput = c.value(s, line);
        if (asInput > 1) {
            bad.add("line " + line + " as an input answered value " + asInput);
        }
        if (asOutput > 1) {
            bad.add("line " + line + " as an output answered value " + asOutput);
        }
        if (!bad.isEmpty()) {
            return fail(firstFew(bad));
        }
        String errs = errLines.isEmpty() ? "" : "; " + errLines.size() + " answered ERR in their current state "
                + "(allowed; lines " + firstFew(errLines.stream().map(String::valueOf).toList()) + ")";
        return pass(String.format("sweep of %d lines: %d answered 0 or 1%s; line %d as an input: %d, as an output:"
                + " %d", n, okCount, errs, line, asInput, asOutput));
    }

    static Verdict setDirection(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        StringJoiner seen = new StringJoiner(", ");
        boolean good = true;
        Direction[] sequence = {Direction.IN, Direction.OUT, Direction.NONE, Direction.IN, Direction.NONE};
        for (Direction d : sequence) {
            if (d == Direction.OUT) {
                c.setValue(s, line, 0);
            }
            c.setDirection(s, line, d);
            int got = c.direction(s, line);
            seen.add(d + " -> " + got);
            good &= got == d.code();
        }
        String detail = "line " + line + ": SET_DIRECTION then GET_DIRECTION: " + seen;
        return good ? pass(detail) : fail(detail + " (expected NONE = 0, OUT = 1, IN = 2)");
    }

    static Verdict setDirectionInvalid(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        c.setDirection(s, line, Direction.IN);
        long[] values = {3, 0x101, 0xffff_ffffL};
        List<String> bad = new ArrayList<>();
        for (long v : values) {
            Answer a = c.raw(s, MessageType.SET_DIRECTION, line, v);
            if (a.status() != 1) {
                bad.add(String.format("SET_DIRECTION(0x%x) answered %s", v, Session.status(a.status())));
            }
            int d = c.direction(s, line);
            if (d != Direction.IN.code()) {
                bad.add(String.format("after SET_DIRECTION(0x%x) the direction is %d, was IN (2)", v, d));
                c.setDirection(s, line, Direction.IN);
            }
        }
        return bad.isEmpty() ? pass("line " + line + ": SET_DIRECTION(0x3), (0x101) and (0xffffffff) answered ERR;"
                + " the line stayed an input") : fail(String.join("; ", bad));
    }

    static Verdict setValueBeforeOutput(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        record Variant(Direction from, int value) {
        }
        List<Variant> variants = List.of(new Variant(Direction.NONE, 1), new Variant(Direction.IN, 0),
                new Variant(Direction.IN, 1), new Variant(Direction.NONE, 0));
        List<String> bad = new ArrayList<>();
        StringJoiner seen = new StringJoiner(", ");
        for (Variant v : variants) {
            c.setDirection(s, line, v.from());
            c.setValue(s, line, v.value());
            c.setDirection(s, line, Direction.OUT);
            int got = c.value(s, line);
            seen.add("from " + v.from() + " " + v.value() + " -> " + got);
            if (got != v.value()) {
                bad.add(String.format("direction %s, SET_VALUE(%d), SET_DIRECTION(OUT): GET_VALUE answered %d",
                        v.from(), v.value(), got));
            }
        }
        return bad.isEmpty() ? pass("line " + line + ": SET_VALUE(v) then SET_DIRECTION(OUT), then GET_VALUE: "
                + seen) : fail(String.join("; ", bad));
    }

    static Verdict directionNoneDiscards(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        c.setValue(s, line, 1);
        c.setDirection(s, line, Direction.OUT);
        c.setDirection(s, line, Direction.NONE);
        int d = c.direction(s, line);
        if (d != Direction.NONE.code()) {
            return fail("after SET_DIRECTION(NONE) GET_DIRECTION answered " + d + ", not NONE (0)");
        }
        c.setDirection(s, line, Direction.OUT);
        int v = c.value(s, line);
        StringBuilder detail = new StringBuilder("line " + line + ": GET_DIRECTION = NONE after SET_VALUE(1),"
                + " SET_DIRECTION(OUT), SET_DIRECTION(NONE); then SET_DIRECTION(OUT) without SET_VALUE drives " + v
                + (v == 0 ? " (the earlier value was forgotten)" : " (the spec names no default; the earlier 1 may"
                        + " have been kept)"));
        c.setDirection(s, line, Direction.NONE);
        if (!s.irq()) {
            return pass(detail.toString());
        }
        c.enable(s, line, IrqType.EDGE_RISING);
        Answer none = c.raw(s, MessageType.SET_DIRECTION, line, Direction.NONE.code());
        if (none.status() != 0) {
            c.setIrqType(s, line, IrqType.NONE);
            return pass(detail + "; SET_DIRECTION(NONE) with an interrupt enabled answered "
                    + Session.status(none.status()) + " (drivers disable the interrupt first; not checked further)");
        }
        c.setDirection(s, line, Direction.IN);
        s.queue(line);
        Session.Event e = s.awaitEvent(Context.PROMPT);
        if (e != null && e.valid()) {
            return fail("after EDGE_RISING, SET_DIRECTION(NONE) and SET_DIRECTION(IN), a pair queued for the line came"
                    + " back VALID without any edge");
        }
        if (e != null) {
            return pass(detail + "; the interrupt enabled before SET_DIRECTION(NONE) was forgotten: a pair queued"
                    + " after SET_DIRECTION(IN) came back " + Session.eventStatus(e.status()));
        }
        if (c.target.input() == null) {
            return pass(detail + "; a pair queued after SET_DIRECTION(NONE) and (IN) was held, not returned INVALID;"
                    + " without an input driver it cannot be told whether the interrupt survived");
        }
        c.drive(line, 1);
        Session.Event edge = s.awaitEvent(c.quiet());
        if (edge != null && edge.valid()) {
            return fail("the interrupt survived SET_DIRECTION(NONE): after SET_DIRECTION(IN) and a queued pair, a"
                    + " rising edge came back VALID although no SET_IRQ_TYPE was sent since");
        }
        return pass(detail + "; a pair queued after SET_DIRECTION(NONE) and (IN) was held, and a rising edge sent"
                + " nothing: the interrupt was forgotten");
    }

    static Verdict outOfRange(Context c) throws IOException {
        Session s = c.session();
        Set<Integer> lines = new LinkedHashSet<>(List.of(s.ngpio(), 0xffff));
        record Msg(MessageType type, long value) {
        }
        List<Msg> msgs = List.of(new Msg(MessageType.GET_DIRECTION, 0), new Msg(MessageType.SET_DIRECTION,
                Direction.IN.code()), new Msg(MessageType.GET_VALUE, 0), new Msg(MessageType.SET_VALUE, 0),
                new Msg(MessageType.SET_IRQ_TYPE, IrqType.EDGE_RISING.code()));
        List<String> bad = new ArrayList<>();
        int sent = 0;
        for (int gpio : lines) {
            if (gpio > 0xffff) {
                continue;
            }
            for (Msg m : msgs) {
                Answer a = c.raw(s, m.type(), gpio, m.value());
                sent++;
                if (a.status() != 1) {
                    bad.add(Session.message(m.type().code(), gpio, m.value()) + " answered "
                            + Session.status(a.status()));
                }
            }
        }
        String note = s.irq() ? "" : " (SET_IRQ_TYPE went without VIRTIO_GPIO_F_IRQ: the device does not offer it)";
        return bad.isEmpty() ? pass(sent + " messages for lines " + lines + " (ngpio = " + s.ngpio()
                + "): GET_DIRECTION, SET_DIRECTION, GET_VALUE, SET_VALUE, SET_IRQ_TYPE, all answered ERR" + note)
                : fail(firstFew(bad) + note);
    }

    static Verdict unknownType(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        List<String> bad = new ArrayList<>();
        for (int type : new int[] {0, 7, 0xffff}) {
            Answer a = s.call(type, line, 0);
            if (a.status() != 1) {
                bad.add("message type " + type + " answered " + Session.status(a.status()));
            }
        }
        return bad.isEmpty() ? pass("message types 0, 7 and 0xffff (for line " + line + ") answered ERR")
                : fail(String.join("; ", bad));
    }

    static Verdict orderSameLine(Context c) throws IOException {
        Session s = c.session();
        int line = c.line(s);
        c.setValue(s, line, 0);
        c.setDirection(s, line, Direction.OUT);
        int mark = s.arrivals().size();
        int[] slots = new int[IN_FLIGHT];
        Map<Integer, Integer> indexOfSlot = new HashMap<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            int v = (i / 2) % 2 == 0 ? 1 : 0;
            slots[i] = i % 2 == 0 ? s.submit(MessageType.SET_VALUE.code(), line, v)
                    : s.submit(MessageType.GET_VALUE.code(), line, 0);
            indexOfSlot.put(slots[i], i);
        }
        s.kick();
        Answer[] answers = new Answer[IN_FLIGHT];
        for (int i = 0; i < IN_FLIGHT; i++) {
            answers[i] = s.await(slots[i]);
        }
        List<Integer> order = s.arrivals().subList(mark, s.arrivals().size()).stream()
                .map(indexOfSlot::get).filter(java.util.Objects::nonNull).toList();
        List<String> bad = new ArrayList<>();
        List<Integer> expectedOrder = java.util.stream.IntStream.range(0, IN_FLIGHT).boxed().toList();
        if (!order.equals(expectedOrder)) {
            bad.add("answers came back in the order " + order + " of sending (message 0 = the first SET_VALUE)");
        }
        StringJoiner seen = new StringJoiner(",");
        for (int i = 0; i < IN_FLIGHT; i++) {
            Answer a = answers[i];
            int v = (i / 2) % 2 == 0 ? 1 : 0;
            if (a.status() != 0) {
                bad.add("message " + i + " (" + (i % 2 == 0 ? "SET_VALUE(" + v + ")" : "GET_VALUE") + ") answered "
                        + Session.status(a.status()));
            } else if (i % 2 == 1) {
                seen.add(Integer.toString(a.value()));
                if (a.value() != v) {
                    bad.add("message " + i + " (GET_VALUE after SET_VALUE(" + v + ")) saw " + a.value());
                }
            }
        }
        return bad.isEmpty() ? pass(IN_FLIGHT + " messages for line " + line + " in flight at once (one kick),"
                + " SET_VALUE 1/0 alternating with GET_VALUE: answered in order; the GET_VALUEs saw " + seen)
                : fail(firstFew(bad));
    }

    // ---- helpers

    static String firstFew(List<String> items) {
        int shown = Math.min(5, items.size());
        String s = String.join("; ", items.subList(0, shown));
        return items.size() > shown ? s + "; and " + (items.size() - shown) + " more" : s;
    }

    static String hex(byte[] bytes) {
        StringJoiner j = new StringJoiner(" ");
        for (byte b : bytes) {
            j.add(String.format("%02x", b & 0xff));
        }
        return j.toString();
    }
}
