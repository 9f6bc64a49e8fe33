package dev.vgpio.conformance;

import dev.vgpio.control.CtlClient;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Drives the level a device's line senses as an input, from outside the device (the "world" side of the line). The
 * interrupt-delivery checks need one; without it they are skipped.
 */
@FunctionalInterface
public interface InputDriver {
    /** Makes line {@code line} sense {@code level} (0 or 1) from now on. */
    void set(int line, int level) throws IOException;

    /**
     * The input driver of a vgpio back end: {@code set LINE LEVEL} on its control socket (normally
     * {@code <socket>.ctl}, see {@code vgpio ctl}).
     */
    static InputDriver ctl(Path ctlSocket) {
        return new InputDriver() {
            @Override
            public void set(int line, int level) throws IOException {
                String command = "set " + line + " " + level;
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
