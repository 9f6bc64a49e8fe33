package dev.vgpio.driver;

/**
 * The device did not behave as a virtio-gpio device must (a spec violation: wrong used length, duplicate line names,
 * a buffer it never got), did not answer in time, or refused a request. The message says which and names the line.
 */
public class DriverException extends java.io.IOException {
    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
