package dev.vgpio.conformance;

/** A check cannot run against this target (no interrupts offered, no input driver); the message says why. */
final class CheckSkipped extends RuntimeException {
    CheckSkipped(String why) {
        super(why, null, false, false);
    }
}
