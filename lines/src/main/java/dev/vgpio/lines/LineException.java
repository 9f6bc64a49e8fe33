package dev.vgpio.lines;

/** {@link GpioLines} could not carry out a line operation (bad offset, a line busy on the host, an I/O error). */
public final class LineException extends Exception {
    public LineException(String message) {
        super(message);
    }

    public LineException(String message, Throwable cause) {
        super(message, cause);
    }
}
