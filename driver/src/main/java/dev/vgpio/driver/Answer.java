package dev.vgpio.driver;

/**
 * The device's answer to one requestq message, as it came: the status and value bytes, and the used length the
 * device reported (a correct device reports exactly the response size).
 */
public record Answer(int status, int value, int usedLength) {
    public boolean ok() {
        return status == dev.vgpio.protocol.Status.OK.code();
    }
}
