package dev.vgpio.conformance;

/** A check saw the device break the statement it checks; the message says exactly what was observed. */
final class CheckFailed extends RuntimeException {
    CheckFailed(String observed) {
        super(observed, null, false, false);
    }
}
