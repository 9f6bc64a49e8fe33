package dev.vgpio.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * Every requestq answer and every returned eventq pair the suite saw, over all sessions: the aggregate checks
 * (used lengths, status values, fields set) run over these. Thread-safe.
 */
final class Observations {
    /**
     * One requestq answer.
     *
     * @param expectedLength the size of the response buffer the driver gave (2, or 1 + gpio_names_size for names)
     * @param valueByte the response's value byte (for GET_LINE_NAMES, the first byte of the names block, or -1)
     */
    record Answered(String check, int type, int gpio, long value, int status, int valueByte, int usedLength,
            int expectedLength) {
    }

    /** One returned eventq pair. */
    record Returned(String check, int line, int status, int usedLength) {
    }

    private final List<Answered> answers = new ArrayList<>();
    private final List<Returned> returns = new ArrayList<>();

    synchronized void answered(Answered a) {
        answers.add(a);
    }

    synchronized void returned(Returned r) {
        returns.add(r);
    }

    synchronized List<Answered> answers() {
        return List.copyOf(answers);
    }

    synchronized List<Returned> returns() {
        return List.copyOf(returns);
    }
}
