package dev.vgpio.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * A terminal device ({@code /dev/ttyS0}, {@code /dev/ttyUSB0}, a pty) in raw mode at a fixed speed, read and written
 * as a plain byte stream.
 *
 * <p>{@link #open} puts the line in the state of {@code cfmakeraw} (no echo, no canonical input, no signal
 * characters, no translation of CR or NL, no output processing), 8N1 without hardware or software flow control,
 * ignoring the modem control lines ({@code CLOCAL}), with {@code VMIN=1, VTIME=0}; it then discards any input that
 * was waiting. The descriptor is blocking and close-on-exec, and the device does not become the process's
 * controlling terminal.
 *
 * <p>{@link #read} waits with {@code poll} for at most a given time and reports a hangup (the other end of a pty
 * closed, a USB adapter unplugged) as -1; {@link #write} writes everything. Buffers may be native or heap memory
 * segments or byte buffers; native ones are used in place, so reading and writing them allocates nothing. One
 * thread may read while another writes, but two threads must not read (or write) at once. {@link #close} does not
 * wake a thread waiting in {@link #read} (it returns at its timeout); close the port once no thread uses it, since
 * the descriptor's number may be reused at once.
 */
public final class SerialPort implements AutoCloseable {
    /** {@code struct termios} of glibc on x86_64 (60 bytes): what tcgetattr fills in and tcsetattr takes. */
    static final StructLayout TERMIOS = MemoryLayout.structLayout(
            JAVA_INT.withName("c_iflag"),
            JAVA_INT.withName("c_oflag"),
            JAVA_INT.withName("c_cflag"),
            JAVA_INT.withName("c_lflag"),
            JAVA_BYTE.withName("c_line"),
            MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("c_cc"),
            MemoryLayout.paddingLayout(3),
            JAVA_INT.withName("c_ispeed"),
            JAVA_INT.withName("c_ospeed"));
    static final long C_IFLAG = TERMIOS.byteOffset(groupElement("c_iflag"));
    static final long C_OFLAG = TERMIOS.byteOffset(groupElement("c_oflag"));
    static final long C_CFLAG = TERMIOS.byteOffset(groupElement("c_cflag"));
    static final long C_LFLAG = TERMIOS.byteOffset(groupElement("c_lflag"));
    static final long C_CC = TERMIOS.byteOffset(groupElement("c_cc"));

    // <asm-generic/termbits.h>, octal as there
    static final int VTIME = 5;
    static final int VMIN = 6;
    static final int IXANY = 04000;
    static final int IXOFF = 010000;
    static final int CBAUD = 010017;
    static final int CSTOPB = 0100;
    static final int CREAD = 0200;
    static final int CLOCAL = 04000;
    static final int CRTSCTS = 020000000000;
    static final int TCSANOW = 0;
    static final int TCIFLUSH = 0;

    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int ENOTTY = Errno.ENOTTY;
    static final short POLLIN = 1;
    static final short POLLOUT = 4;
    static final short POLLNVAL = 0x20;

    /** The rates {@link #open} takes, and their {@code Bxxx} codes in {@code c_cflag}. */
    private static final int[] RATES = {9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000,
        921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000};
    private static final int[] CODES = {015, 016, 017, 010001, 010002, 010003, 010004, 010005, 010006,
        010007, 010010, 010011, 010012, 010013, 010014, 010015, 010016, 010017};

    /** Heap buffers go through native memory in pieces of this size. */
    private static final int BOUNCE = 16384;

    private final OwnedFd fd;
    private final Path path;
    private final String name;
    private final int baud;
    private MemorySegment readBounce;
    private MemorySegment writeBounce;

    private SerialPort(int fd, Path path, String name, int baud) {
        this.fd = new OwnedFd(fd);
        this.path = path;
        this.name = name;
        this.baud = baud;
    }

    /**
     * Opens the terminal device at {@code path} ({@code O_RDWR | O_NOCTTY | O_CLOEXEC}) and sets it up as the class
     * comment describes, at {@code baud} bits per second in both directions. A pty ignores the speed but keeps it.
     *
     * @param path the device, such as {@code /dev/ttyUSB0} or a pty's {@code /dev/pts/3}
     * @param baud one of {@link #supportedBaudRates()}
     * @return the open port; the caller closes it
     * @throws IllegalArgumentException if {@code baud} is not a supported rate (nothing is opened then)
     * @throws LinuxException if the device cannot be opened or set up; with errno {@code ENOTTY} (25) and a message
     *         saying so if {@code path} is not a serial port or other terminal (such as {@code /dev/null} or a file)
     */
    public static SerialPort open(Path path, int baud) throws LinuxException {
        Libc.requireSupported();
        Objects.requireNonNull(path, "path");
        int code = speedCode(baud);
        int f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString());
            do {
                // non-blocking, so that a port without carrier does not hang open before CLOCAL is set
                f = Libc.open(p, O_RDWR | O_NOCTTY | SocketPath.O_CLOEXEC | O_NONBLOCK);
            } while (f == -Errno.EINTR);
        }
        if (f < 0) {
            String call = "open(" + path + ")";
            if (f == -Errno.EACCES) {
                call = "open(" + path + "; it needs read and write permission, usually membership of its group)";
            }
            throw new LinuxException(call, -f);
        }
        try {
            configure(f, path.toString(), baud, code);
            Fds.setNonBlocking(f, false);
        } catch (LinuxException | RuntimeException e) {
            Fds.closeQuietly(f);
            throw e;
        }
        return new SerialPort(f, path, path.toString(), baud);
    }

    /**
     * Takes over {@code fd}, a terminal already {@linkplain #configure set up}; for {@link Pty}.
     *
     * @param name what messages call it
     */
    static SerialPort adopt(int fd, Path path, String name, int baud) {
        return new SerialPort(fd, path, name, baud);
    }

    /**
     * Puts the terminal {@code fd} in raw mode, 8N1, no flow control, {@code CLOCAL}, at {@code baud} ({@code code}
     * is its {@code Bxxx}), then discards its pending input.
     */
    static void configure(int fd, String name, int baud, int code) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS);
            int r = Libc.tcgetattr(fd, t);
            if (r == -ENOTTY) {
                throw new LinuxException(name + " is not a serial port or other terminal: tcgetattr(" + name + ")",
                        ENOTTY);
            }
            if (r < 0) {
                throw new LinuxException("tcgetattr(" + name + ")", -r);
            }
            Libc.cfmakeraw(t);
            t.set(JAVA_INT, C_IFLAG, t.get(JAVA_INT, C_IFLAG) & ~(IXOFF | IXANY));
            t.set(JAVA_INT, C_CFLAG, (t.get(JAVA_INT, C_CFLAG) & ~(CSTOPB | CRTSCTS)) | CREAD | CLOCAL);
            t.set(JAVA_BYTE, C_CC + VMIN, (byte) 1);
            t.set(JAVA_BYTE, C_CC + VTIME, (byte) 0);
            // glibc 2.42 made speed_t the rate itself; before it, speed_t is the Bxxx code
            boolean numeric = Libc.hasNumericBaud();
            int in = numeric ? Libc.cfsetibaud(t, baud) : Libc.cfsetispeed(t, code);
            int out = numeric ? Libc.cfsetobaud(t, baud) : Libc.cfsetospeed(t, code);
            if (in < 0 || out < 0) {
                throw new LinuxException("cfsetspeed(" + name + ", " + baud + " baud)", -Math.min(in, out));
            }
            do {
                r = Libc.tcsetattr(fd, TCSANOW, t);
            } while (r == -Errno.EINTR);
            if (r < 0) {
                throw new LinuxException("tcsetattr(" + name + ", raw " + baud + " baud 8N1)", -r);
            }
            r = Libc.tcflush(fd, TCIFLUSH);
            if (r < 0) {
                throw new LinuxException("tcflush(" + name + ", TCIFLUSH)", -r);
            }
        }
    }

    /**
     * The rates {@link #open} accepts, in bits per second, ascending: 9600 to 4000000.
     *
     * @return an unmodifiable list
     */
    public static List<Integer> supportedBaudRates() {
        return java.util.Arrays.stream(RATES).boxed().toList();
    }

    /** The {@code Bxxx} code of {@code baud}; IllegalArgumentException listing the supported rates if none. */
    static int speedCode(int baud) {
        for (int i = 0; i < RATES.length; i++) {
            if (RATES[i] == baud) {
                return CODES[i];
            }
        }
        StringJoiner all = new StringJoiner(", ");
        for (int rate : RATES) {
            all.add(Integer.toString(rate));
        }
        throw new IllegalArgumentException("unsupported baud rate " + baud + "; supported: " + all);
    }

    /**
     * Reads what has arrived, up to {@code length} bytes, into {@code buf[offset, offset + length)}, waiting at most
     * {@code timeoutMillis} for the first byte. Retries EINTR.
     *
     * @param buf a native or heap segment
     * @param offset where in {@code buf} the bytes go
     * @param length at most this many bytes; at least 1
     * @param timeoutMillis how long to wait for a byte: 0 does not wait, a negative value waits without limit
     * @return how many bytes were read (at least 1); 0 if none arrived in time; -1 at end of file or on hangup (the
     *         other end of a pty closed, the device went away), as every later call will also return
     * @throws IOException if the port is closed, or a {@link LinuxException} if {@code poll} or {@code read} fails
     * @throws IllegalArgumentException if {@code length} is 0 or {@code buf} is read-only
     * @throws IndexOutOfBoundsException if the range is not inside {@code buf}
     */
    public int read(MemorySegment buf, long offset, int length, int timeoutMillis) throws IOException {
        Objects.checkFromIndexSize(offset, length, buf.byteSize());
        if (length == 0) {
            throw new IllegalArgumentException("cannot read into an empty range");
        }
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        if (buf.isNative()) {
            return readNative(buf.asSlice(offset, length), timeoutMillis);
        }
        if (readBounce == null) {
            readBounce = Arena.ofAuto().allocate(BOUNCE);
        }
        int n = readNative(readBounce.asSlice(0, Math.min(length, BOUNCE)), timeoutMillis);
        if (n > 0) {
            MemorySegment.copy(readBounce, 0, buf, offset, n);
        }
        return n;
    }

    /**
     * Reads into {@code dst} from its position up to its limit, as {@link #read(MemorySegment, long, int, int)}
     * does, and advances its position past the bytes read.
     *
     * @param dst a direct or heap buffer with room left
     * @param timeoutMillis how long to wait for a byte: 0 does not wait, a negative value waits without limit
     * @return how many bytes were read; 0 if none arrived in time; -1 at end of file or on hangup
     * @throws IOException if the port is closed, or a {@link LinuxException} if {@code poll} or {@code read} fails
     */
    public int read(ByteBuffer dst, int timeoutMillis) throws IOException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int n = read(MemorySegment.ofBuffer(dst), 0, dst.remaining(), timeoutMillis);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /**
     * Writes all of {@code buf[offset, offset + length)}, over as many {@code write} calls as it takes (retrying
     * EINTR, and waiting with {@code poll} if the descriptor was made non-blocking).
     *
     * @param buf a native or heap segment
     * @param offset where in {@code buf} the bytes start
     * @param length how many bytes; 0 writes nothing
     * @throws IOException if the port is closed, or a {@link LinuxException} if {@code write} fails (EIO after a
     *         hangup)
     */
    public void write(MemorySegment buf, long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buf.byteSize());
        if (buf.isNative()) {
            writeNative(buf.asSlice(offset, length));
            return;
        }
        if (writeBounce == null) {
            writeBounce = Arena.ofAuto().allocate(BOUNCE);
        }
        for (long done = 0; done < length; ) {
            int part = (int) Math.min(length - done, BOUNCE);
            MemorySegment.copy(buf, offset + done, writeBounce, 0, part);
            writeNative(writeBounce.asSlice(0, part));
            done += part;
        }
    }

    /**
     * Writes all of {@code src} from its position to its limit, as {@link #write(MemorySegment, long, long)} does,
     * and sets its position to its limit.
     *
     * @param src a direct or heap buffer
     * @throws IOException if the port is closed, or a {@link LinuxException} if {@code write} fails
     */
    public void write(ByteBuffer src) throws IOException {
        write(MemorySegment.ofBuffer(src), 0, src.remaining());
        src.position(src.limit());
    }

    /**
     * The descriptor, for callers that wait on it themselves ({@code poll}, {@link Epoll}); -1 once closed. It
     * stays owned by this port.
     *
     * @return the descriptor
     */
    public int fd() {
        return fd.get();
    }

    /**
     * The device it was opened at; {@code /dev/ptmx} for a pty's master.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * The speed it was set to, in bits per second.
     *
     * @return the rate
     */
    public int baud() {
        return baud;
    }

    /**
     * Whether it has not been closed.
     *
     * @return true until {@link #close()}
     */
    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "SerialPort[" + name + ", " + baud + " baud, fd " + fd + "]";
    }

    private int readNative(MemorySegment dst, int timeoutMillis) throws IOException {
        int f = openFd();
        long deadline = System.nanoTime() + Math.max(timeoutMillis, 0) * 1_000_000L;
        int wait = timeoutMillis;
        while (true) {
            int ready = poll(f, POLLIN, wait);
            if (ready > 0) {
                long n = Libc.read(f, dst, dst.byteSize());
                if (n > 0) {
                    return (int) n;
                }
                if (n == 0 || n == -Errno.EIO) {
                    return -1; // a hung-up terminal reads as end of file (a pty slave) or EIO (a pty master)
                }
                if (n != -Errno.EINTR && n != -Errno.EAGAIN) {
                    throw new LinuxException("read(" + name + ")", (int) -n);
                }
            }
            if (timeoutMillis >= 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                wait = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            }
        }
    }

    private void writeNative(MemorySegment src) throws IOException {
        int f = openFd();
        long length = src.byteSize();
        long done = 0;
        while (done < length) {
            long n = Libc.write(f, done == 0 ? src : src.asSlice(done), length - done);
            if (n > 0) {
                done += n;
            } else if (n == 0 || n == -Errno.EAGAIN) {
                poll(f, POLLOUT, -1);
            } else if (n != -Errno.EINTR) {
                throw new LinuxException("write(" + name + ")", (int) -n);
            }
        }
    }

    /** {@code poll} on {@code f} alone: 1 if it is ready (or hung up), 0 on timeout or EINTR. */
    private int poll(int f, short events, int timeoutMillis) throws IOException {
        MemorySegment pollfd = Libc.scratch();
        pollfd.set(JAVA_INT, 0, f);
        pollfd.set(JAVA_SHORT, 4, events);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        int r = Libc.poll(pollfd, 1, timeoutMillis);
        if (r == -Errno.EINTR || r == 0) {
            return 0;
        }
        if (r < 0) {
            throw new LinuxException("poll(" + name + ")", -r);
        }
        if ((pollfd.get(JAVA_SHORT, 6) & POLLNVAL) != 0) {
            openFd();
            throw new LinuxException("poll(" + name + ")", Errno.EBADF);
        }
        return 1;
    }

    private int openFd() throws IOException {
        int f = fd.get();
        if (f < 0) {
            throw new IOException("serial port " + name + " is closed");
        }
        return f;
    }
}
