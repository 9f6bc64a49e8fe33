package dev.vgpio.sys;

import java.io.IOException;

/**
 * A system call that failed, with its errno. The message names the call (with what it acted on) and the error,
 * for example {@code connect(/tmp/x.sock) failed: ENOENT (No such file or directory)}.
 */
public class LinuxException extends IOException {
    private final String call;
    private final int errno;

    /**
     * @param call the call and what it acted on, such as {@code "connect(/tmp/x.sock)"}
     * @param errno the positive errno value
     */
    public LinuxException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The errno value, comparable with the constants of {@link Errno}. */
    public int errno() {
        return errno;
    }

    /** The call that failed, as given to the constructor. */
    public String call() {
        return call;
    }
}
