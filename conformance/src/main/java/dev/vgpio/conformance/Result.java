package dev.vgpio.conformance;

import java.util.Objects;

/**
 * The outcome of one check.
 *
 * @param id        a stable short name, e.g. {@code requestq.order-same-line}
 * @param statement the spec statement checked, quoted or paraphrased; "(SHOULD)" marks a recommendation,
 *                  "[robustness]" a check of how the device copes with a driver that breaks a driver requirement,
 *                  and "[extension]" a device requirement of vgpio's line-configuration extension
 *                  (docs/line-config.md)
 * @param outcome   PASS, FAIL or SKIP
 * @param detail    what was observed (for FAIL: exactly what went wrong; for SKIP: why it was not checked)
 */
public record Result(String id, String statement, Outcome outcome, String detail) {
    /** Whether the device met the statement, broke it, or the check could not run here. */
    public enum Outcome { PASS, FAIL, SKIP }

    public Result {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? "" : detail;
    }

    public boolean failed() {
        return outcome == Outcome.FAIL;
    }
}
