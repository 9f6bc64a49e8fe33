package dev.vgpio.conformance;

import dev.vgpio.control.CtlClient;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Drives the level a device's line senses as an input, from outside the device (the "world" side of the line). The
 * interrupt-delivery checks need one; without it they are skipped. The line-configuration checks of a bias also
 * need it to let a line go ({@link #release}), so that the line takes the level of its bias.
 */
@FunctionalInterface
public interface InputDriver {
    /** Makes line {@code line} sense {@code level} (0 or 1) from now on. */
    void set(int line, int level) throws IOException;

    /** Whether {@link #release} works. */
    default boolean canRelease() {
        return false;
    }

    /**
     * Stops holding line {@code line} at a level: nothing outside drives it any more, and it takes the level of its
     * bias (or stays where it was, without one).
     *
     * @throws UnsupportedOperationException if this driver cannot ({@link #canRelease} is false)
     */
    default void release(int line) throws IOException {
        throw new UnsupportedOperationException(this + " cannot let a line go");
    }

    /**
     * The input driver of a vgpio back end: {@code set LINE LEVEL} and {@code release LINE} on its control socket
     * (normally {@code <socket>.ctl}, see {@code vgpio ctl}).
     */
    static InputDriver ctl(Path ctlSocket) {
        return new InputDriver() {
            @Override
            public void set(int line, int level) throws IOException {
                send("set " + line + " " + level);
            }

            @Override
            public boolean canRelease() {
                return true;
            }

            @Override
            public void release(int line) throws IOException {
                send("release " + line);
            }

            private void send(String command) throws IOException {
                CtlClient.Reply reply = CtlClient.send(ctlSocket, command);
                if (!reply.ok()) {
                    throw new IOException("the control socket " + ctlSocket + " refused '" + command + "': "
                            + reply.error());
                }
            }

            @Override
            public String toString() {
                return "control socket " + ctlSocket;
            }
        };
    }
}
