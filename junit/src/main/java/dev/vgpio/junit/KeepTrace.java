package dev.vgpio.junit;

/** Which tests' traces {@link VgpioExtension} keeps on disk. */
public enum KeepTrace {
    /** The traces of tests that failed (the default); a passing test's trace is deleted. */
    ON_FAILURE,
    /** Every test's trace. */
    ALWAYS,
    /** None: no trace is recorded at all. */
    NEVER
}
