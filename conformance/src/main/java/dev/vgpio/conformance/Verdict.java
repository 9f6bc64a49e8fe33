package dev.vgpio.conformance;

/** What a check body concludes: an outcome and what was observed. */
record Verdict(Result.Outcome outcome, String detail) {
    static Verdict pass(String detail) {
        return new Verdict(Result.Outcome.PASS, detail);
    }

    static Verdict fail(String detail) {
        return new Verdict(Result.Outcome.FAIL, detail);
    }
}
