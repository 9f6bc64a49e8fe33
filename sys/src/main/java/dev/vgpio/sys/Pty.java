package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A pseudo-terminal pair ({@code openpty}), both ends in raw mode, so that a test can play a board on one end of a
 * serial line and the host on the other.
 *
 * <p>Bytes written to the {@linkplain #master master} arrive at the {@linkplain #slave slave} and the other way
 * round. A program under test can also open the slave by its {@linkplain #slavePath path} with
 * {@link SerialPort#open} (which discards input that is waiting, so open it before writing to the master). Once
 * every descriptor of the slave is closed, the master reads a hangup (-1); once the master is closed, the slave
 * does. Both descriptors are close-on-exec.
 *
 * @param master the master end
 * @param slave the slave end, open here as well so that the pair lives until it is closed
 * @param slavePath the slave's device, such as {@code /dev/pts/3}
 */
public record Pty(SerialPort master, SerialPort slave, Path slavePath) implements AutoCloseable {
    /** The speed both ends are set to (a pty ignores it). */
    static final int BAUD = 115200;
    /** glibc copies the slave's name into the caller's buffer without a bound; its own buffer is this long. */
    static final int PATH_MAX = 4096;

    /**
     * Checks that no part is null.
     *
     * @param master the master end
     * @param slave the slave end
     * @param slavePath the slave's device
     */
    public Pty {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(slave, "slave");
        Objects.requireNonNull(slavePath, "slavePath");
    }

    /**
     * A new pseudo-terminal pair: {@code openpty}, then both ends set up as {@link SerialPort#open} does, at
     * 115200 baud.
     *
     * @return the pair; the caller closes it
     * @throws LinuxException if there is no pty to be had ({@code /dev/ptmx} missing or the limit reached) or it
     *         cannot be set up
     */
    public static Pty open() throws LinuxException {
        Libc.requireSupported();
        int master;
        int slave;
        String name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            MemorySegment nameBuffer = arena.allocate(PATH_MAX);
            int r = Libc.openpty(fds, fds.asSlice(4), nameBuffer);
            if (r < 0) {
                throw new LinuxException("openpty(/dev/ptmx)", -r);
            }
            master = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            slave = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            name = nameBuffer.getString(0);
        }
        try {
            // glibc's openpty opens both without O_CLOEXEC
            closeOnExec(master, "pty master of " + name);
            closeOnExec(slave, name);
            int code = SerialPort.speedCode(BAUD);
            SerialPort.configure(slave, name, BAUD, code);
            SerialPort.configure(master, "pty master of " + name, BAUD, code);
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(slave);
            Fds.closeQuietly(master);
            throw e;
        }
        Path slavePath = Path.of(name);
        return new Pty(SerialPort.adopt(master, Path.of("/dev/ptmx"), "pty master of " + name, BAUD),
                SerialPort.adopt(slave, slavePath, name, BAUD), slavePath);
    }

    /** Closes both ends (the slave first); later calls do nothing. */
    @Override
    public void close() {
        slave.close();
        master.close();
    }

    private static void closeOnExec(int fd, String name) throws LinuxException {
        int r = Libc.fcntl(fd, Fds.F_SETFD, Fds.FD_CLOEXEC);
        if (r < 0) {
            throw new LinuxException("fcntl(" + name + ", F_SETFD, FD_CLOEXEC)", -r);
        }
    }
}
