package dev.vgpio.conformance;

import static dev.vgpio.conformance.Verdict.fail;
import static dev.vgpio.conformance.Verdict.pass;

import dev.vgpio.protocol.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The checks over every requestq answer and eventq pair the other checks saw. */
final class Aggregates {
    private Aggregates() {
    }

    static Verdict usedLength(Observations o) {
        List<Observations.Answered> all = requireAnswers(o);
        List<String> bad = new ArrayList<>();
        for (Observations.Answered a : all) {
            if (a.usedLength() != a.expectedLength()) {
                bad.add(String.format("%s: used length %d, expected %d (in %s)", message(a), a.usedLength(),
                        a.expectedLength(), a.check()));
            }
        }
        return bad.isEmpty() ? pass(all.size() + " answers (" + byType(all) + "), every one with the exact used"
                + " length") : fail(bad.size() + " of " + all.size() + " answers: " + RequestChecks.firstFew(bad));
    }

    static Verdict status(Observations o) {
        List<Observations.Answered> all = requireAnswers(o);
        List<String> bad = new ArrayList<>();
        long errs = 0;
        for (Observations.Answered a : all) {
            if (a.status() == 1) {
                errs++;
            } else if (a.status() != 0) {
                bad.add(String.format("%s: status %d (0x%02x)%s (in %s)", message(a), a.status(), a.status(),
                        a.status() == Session.FILL ? ", the driver's fill: never written" : "", a.check()));
            }
        }
        return bad.isEmpty() ? pass(all.size() + " answers: " + (all.size() - errs) + " OK, " + errs + " ERR, no"
                + " other status") : fail(bad.size() + " of " + all.size() + " answers: " + RequestChecks.firstFew(bad));
    }

    static Verdict fieldsSet(Observations o) {
        List<Observations.Answered> all = requireAnswers(o);
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (Observations.Answered a : all) {
            if (a.valueByte() < 0) {
                continue; // GET_LINE_NAMES: the block is names.answer's concern
            }
            checked++;
            if (a.valueByte() == Session.FILL) {
                bad.add(String.format("%s: value byte still 0xee, never written (in %s)", message(a), a.check()));
            } else if (a.status() == 0 && isSet(a.type()) && a.valueByte() != 0) {
                bad.add(String.format("%s: OK with value %d; the spec's response table says 0 (in %s)", message(a),
                        a.valueByte(), a.check()));
            }
        }
        return bad.isEmpty() ? pass(checked + " answers with their value byte written; every OK answer to a SET_*"
                + " message has value 0") : fail(bad.size() + " of " + checked + " answers: "
                + RequestChecks.firstFew(bad));
    }

    static Verdict eventUsedLength(Observations o) {
        List<Observations.Returned> all = o.returns();
        if (all.isEmpty()) {
            throw new CheckSkipped("no eventq pair was returned in any check (interrupts not offered, or every"
                    + " interrupt check was skipped)");
        }
        List<String> bad = new ArrayList<>();
        long valid = 0;
        for (Observations.Returned r : all) {
            if (r.status() == 1) {
                valid++;
            }
            if (r.usedLength() != 1 || (r.status() != 0 && r.status() != 1)) {
                bad.add(String.format("line %d: %s with used length %d (in %s)", r.line(),
                        Session.eventStatus(r.status()), r.usedLength(), r.check()));
            }
        }
        return bad.isEmpty() ? pass(all.size() + " pairs returned (" + valid + " VALID, " + (all.size() - valid)
                + " INVALID), every one with used length 1") : fail(bad.size() + " of " + all.size() + " pairs: "
                + RequestChecks.firstFew(bad));
    }

    private static List<Observations.Answered> requireAnswers(Observations o) {
        List<Observations.Answered> all = o.answers();
        if (all.isEmpty()) {
            throw new CheckSkipped("no requestq answer was seen in any check");
        }
        return all;
    }

    private static boolean isSet(int type) {
        return type == MessageType.SET_DIRECTION.code() || type == MessageType.SET_VALUE.code()
                || type == MessageType.SET_IRQ_TYPE.code() || type == MessageType.SET_LINE_CONFIG.code();
    }

    private static String message(Observations.Answered a) {
        return Session.message(a.type(), a.gpio(), a.value());
    }

    private static String byType(List<Observations.Answered> all) {
        Map<String, Long> counts = all.stream().collect(Collectors.groupingBy(a -> ConformanceSuite.typeName(a.type()),
                TreeMap::new, Collectors.counting()));
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }
}
