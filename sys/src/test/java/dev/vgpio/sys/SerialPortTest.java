package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SerialPort and Pty over real pseudo-terminals: raw mode, speeds, transfers, timeouts, hangups and errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SerialPortTest {
    // <asm-generic/termbits.h>, octal
    private static final int IGNBRK = 01;
    private static final int BRKINT = 02;
    private static final int PARMRK = 010;
    private static final int ISTRIP = 040;
    private static final int INLCR = 0100;
    private static final int IGNCR = 0200;
    private static final int ICRNL = 0400;
    private static final int IXON = 02000;
    private static final int OPOST = 01;
    private static final int CSIZE = 060;
    private static final int CS8 = 060;
    private static final int PARENB = 0400;
    private static final int ISIG = 01;
    private static final int ICANON = 02;
    private static final int ECHO = 010;
    private static final int ECHONL = 0100;
    private static final int IEXTEN = 0100000;

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();
    /** Platform threads of its own: a thread blocked in a native read or write holds its carrier. */
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "serial-port-test");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void closeArena() {
        threads.shutdownNow();
        arena.close();
    }

    @ParameterizedTest
    @CsvSource({"9600, 015", "115200, 010002", "921600, 010007", "4000000, 010017"})
    void setsRawMode8N1WithoutFlowControlAndTheSpeed(int baud, String octalCode) throws Exception {
        try (Pty pty = Pty.open(); SerialPort port = SerialPort.open(pty.slavePath(), baud)) {
            assertThat(port.baud()).isEqualTo(baud);
            assertThat(port.path()).isEqualTo(pty.slavePath());
            MemorySegment t = termios(port.fd());
            int iflag = t.get(ValueLayout.JAVA_INT, SerialPort.C_IFLAG);
            int oflag = t.get(ValueLayout.JAVA_INT, SerialPort.C_OFLAG);
            int cflag = t.get(ValueLayout.JAVA_INT, SerialPort.C_CFLAG);
            int lflag = t.get(ValueLayout.JAVA_INT, SerialPort.C_LFLAG);
            assertThat(iflag & (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON
                    | SerialPort.IXOFF | SerialPort.IXANY)).isZero();
            assertThat(oflag & OPOST).isZero();
            assertThat(lflag & (ISIG | ICANON | ECHO | ECHONL | IEXTEN)).isZero();
            assertThat(cflag & CSIZE).isEqualTo(CS8);
            assertThat(cflag & (PARENB | SerialPort.CSTOPB | SerialPort.CRTSCTS)).isZero();
            assertThat(cflag & (SerialPort.CREAD | SerialPort.CLOCAL))
                    .isEqualTo(SerialPort.CREAD | SerialPort.CLOCAL);
            assertThat(cflag & SerialPort.CBAUD).isEqualTo(Integer.parseInt(octalCode, 8));
            assertThat(t.get(ValueLayout.JAVA_BYTE, SerialPort.C_CC + SerialPort.VMIN)).isEqualTo((byte) 1);
            assertThat(t.get(ValueLayout.JAVA_BYTE, SerialPort.C_CC + SerialPort.VTIME)).isEqualTo((byte) 0);
            assertThat(Fds.isNonBlocking(port.fd())).isFalse();
            assertThat(ProcFds.isCloseOnExec(port.fd())).isTrue();
        }
    }

    @Test
    void ptyEndsAreRawCloseOnExecAndNamed() throws Exception {
        try (Pty pty = Pty.open()) {
            assertThat(pty.slavePath().toString()).startsWith("/dev/pts/");
            assertThat(Files.exists(pty.slavePath())).isTrue();
            assertThat(pty.master().path()).isEqualTo(Path.of("/dev/ptmx"));
            assertThat(pty.slave().path()).isEqualTo(pty.slavePath());
            assertThat(Fds.describe(pty.slave().fd())).isEqualTo(pty.slavePath().toString());
            for (SerialPort end : new SerialPort[] {pty.master(), pty.slave()}) {
                assertThat(ProcFds.isCloseOnExec(end.fd())).isTrue();
                MemorySegment t = termios(end.fd());
                assertThat(t.get(ValueLayout.JAVA_INT, SerialPort.C_LFLAG) & (ICANON | ECHO | ISIG)).isZero();
                assertThat(t.get(ValueLayout.JAVA_INT, SerialPort.C_OFLAG) & OPOST).isZero();
                assertThat(t.get(ValueLayout.JAVA_INT, SerialPort.C_CFLAG) & SerialPort.CBAUD).isEqualTo(010002);
            }
        }
    }

    @Test
    void termiosLayoutIsGlibcs() {
        assertThat(SerialPort.TERMIOS.byteSize()).isEqualTo(60);
        assertThat(SerialPort.C_CC).isEqualTo(17);
        assertThat(SerialPort.TERMIOS.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("c_ospeed")))
                .isEqualTo(56);
    }

    @Test
    void bytesTravelBothWaysUntranslated() throws Exception {
        try (Pty pty = Pty.open(); SerialPort board = SerialPort.open(pty.slavePath(), 115200)) {
            SerialPort host = pty.master();
            // every byte a cooked terminal would act on: ^C ^D ^Q ^S ^Z CR NL DEL and the high bit
            byte[] awkward = {3, 4, 0x11, 0x13, 0x1a, '\r', '\n', 0x7f, (byte) 0xff, 0, (byte) 0x80, 'x'};
            MemorySegment out = arena.allocate(awkward.length);
            MemorySegment.copy(awkward, 0, out, ValueLayout.JAVA_BYTE, 0, awkward.length);
            host.write(out, 0, awkward.length);
            assertThat(readExactly(board, awkward.length)).isEqualTo(awkward);
            board.write(out, 0, awkward.length);
            assertThat(readExactly(host, awkward.length)).isEqualTo(awkward);
            // nothing echoed back to the writer
            MemorySegment in = arena.allocate(16);
            assertThat(host.read(in, 0, 16, 50)).isZero();
            assertThat(board.read(in, 0, 16, 0)).isZero();
        }
    }

    @Test
    void readsAndWritesHeapSegmentsAndByteBuffers() throws Exception {
        try (Pty pty = Pty.open()) {
            byte[] hello = "hello, board".getBytes(StandardCharsets.US_ASCII);
            pty.master().write(MemorySegment.ofArray(hello), 0, hello.length);
            byte[] got = new byte[64];
            int n = pty.slave().read(MemorySegment.ofArray(got), 3, 40, 1000);
            assertThat(n).isEqualTo(hello.length);
            assertThat(java.util.Arrays.copyOfRange(got, 3, 3 + n)).isEqualTo(hello);

            for (ByteBuffer src : new ByteBuffer[] {ByteBuffer.wrap(hello), ByteBuffer.allocateDirect(hello.length)}) {
                if (src.isDirect()) {
                    src.put(hello).flip();
                }
                pty.slave().write(src);
                assertThat(src.hasRemaining()).isFalse();
                for (ByteBuffer dst : new ByteBuffer[] {ByteBuffer.allocate(5), ByteBuffer.allocateDirect(64)}) {
                    dst.position(1);
                    int r = pty.master().read(dst, 1000);
                    assertThat(r).isPositive();
                    assertThat(dst.position()).isEqualTo(1 + r);
                }
                MemorySegment rest = arena.allocate(64);
                while (pty.master().read(rest, 0, 64, 100) > 0) {
                    // drain what the two buffers above left
                }
            }
            assertThatThrownBy(() -> pty.master().read(ByteBuffer.allocate(4).asReadOnlyBuffer(), 0))
                    .isInstanceOf(java.nio.ReadOnlyBufferException.class);
            assertThatThrownBy(() -> pty.master().read(arena.allocate(4), 0, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pty.master().read(arena.allocate(4).asReadOnly(), 0, 4, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> pty.master().read(arena.allocate(4), 2, 3, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            pty.master().write(arena.allocate(1), 0, 0);
        }
    }

    @Test
    void carries64KibInBothDirectionsAtOnce() throws Exception {
        int size = 64 * 1024;
        byte[] down = new byte[size];
        byte[] up = new byte[size];
        new Random(42).nextBytes(down);
        new Random(43).nextBytes(up);
        try (Pty pty = Pty.open(); SerialPort board = SerialPort.open(pty.slavePath(), 115200)) {
            SerialPort host = pty.master();
            CompletableFuture<Void> hostWrites = CompletableFuture.runAsync(() -> writeAll(host, down), threads);
            CompletableFuture<Void> boardWrites = CompletableFuture.runAsync(() -> writeAll(board, up), threads);
            CompletableFuture<byte[]> boardReads = CompletableFuture.supplyAsync(() -> readAll(board, size), threads);
            byte[] hostGot = readAll(host, size);
            assertThat(boardReads.get(30, TimeUnit.SECONDS)).isEqualTo(down);
            assertThat(hostGot).isEqualTo(up);
            hostWrites.get(5, TimeUnit.SECONDS);
            boardWrites.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void readTimesOutWithZero() throws Exception {
        try (Pty pty = Pty.open()) {
            MemorySegment in = arena.allocate(8);
            long start = System.nanoTime();
            assertThat(pty.slave().read(in, 0, 8, 100)).isZero();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(90));
            assertThat(pty.master().read(in, 0, 8, 0)).isZero();
            assertThat(pty.master().read(ByteBuffer.allocate(8), 10)).isZero();
        }
    }

    @Test
    void aReadWithoutLimitWaitsForTheByte() throws Exception {
        try (Pty pty = Pty.open()) {
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return pty.slave().read(MemorySegment.ofArray(new byte[4]), 0, 4, -1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, threads);
            Thread.sleep(100);
            assertThat(read).isNotDone();
            pty.master().write(ByteBuffer.wrap(new byte[] {1, 2}));
            assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void theMasterSeesAHangupOnceTheSlaveIsClosed() throws Exception {
        try (Pty pty = Pty.open()) {
            SerialPort board = SerialPort.open(pty.slavePath(), 115200);
            board.write(ByteBuffer.wrap(new byte[] {7}));
            MemorySegment in = arena.allocate(8);
            assertThat(pty.master().read(in, 0, 8, 1000)).isEqualTo(1);
            board.close();
            assertThat(pty.master().read(in, 0, 8, 0)).isZero(); // the pair's own slave descriptor is still open
            pty.slave().close();
            assertThat(pty.master().read(in, 0, 8, 1000)).isEqualTo(-1);
            assertThat(pty.master().read(in, 0, 8, -1)).isEqualTo(-1);
        }
    }

    @Test
    void theSlaveSeesAHangupOnceTheMasterIsClosed() throws Exception {
        try (Pty pty = Pty.open(); SerialPort board = SerialPort.open(pty.slavePath(), 115200)) {
            pty.master().close();
            MemorySegment in = arena.allocate(8);
            assertThat(board.read(in, 0, 8, 1000)).isEqualTo(-1);
            assertThat(pty.slave().read(in, 0, 8, 1000)).isEqualTo(-1);
            assertThatThrownBy(() -> board.write(in, 0, 1))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                    .hasMessageContaining("write(" + pty.slavePath() + ")");
        }
    }

    @Test
    void refusesWhatIsNotATerminal() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-tty"), "x");
        long before = ProcFds.openCount();
        for (Path path : new Path[] {Path.of("/dev/null"), file}) {
            assertThatThrownBy(() -> SerialPort.open(path, 115200))
                    .isInstanceOfSatisfying(LinuxException.class, e -> {
                        assertThat(e.errno()).isEqualTo(SerialPort.ENOTTY);
                        assertThat(Errno.name(e.errno())).isEqualTo("ENOTTY");
                    })
                    .hasMessageStartingWith(path + " is not a serial port");
        }
        assertThatThrownBy(() -> SerialPort.open(dir.resolve("ttyNone"), 115200))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessageContaining("open(" + dir.resolve("ttyNone") + ")");
        assertThat(ProcFds.openCount()).isEqualTo(before);
    }

    @Test
    void refusesAnUnsupportedBaudRateListingTheSupportedOnes() throws Exception {
        try (Pty pty = Pty.open()) {
            long before = ProcFds.openCount();
            for (int baud : new int[] {0, 300, 12345, 4000001, -9600}) {
                assertThatThrownBy(() -> SerialPort.open(pty.slavePath(), baud))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("unsupported baud rate " + baud)
                        .hasMessageContaining("9600, 19200, 38400, 57600, 115200")
                        .hasMessageContaining("3500000, 4000000");
            }
            assertThat(ProcFds.openCount()).isEqualTo(before);
        }
        assertThat(SerialPort.supportedBaudRates()).hasSize(18).startsWith(9600).endsWith(4000000).isSorted();
    }

    @Test
    void closingTwiceIsHarmlessAndAClosedPortSaysSo() throws Exception {
        Pty pty = Pty.open();
        SerialPort port = SerialPort.open(pty.slavePath(), 57600);
        int fd = port.fd();
        assertThat(port.isOpen()).isTrue();
        assertThat(port.toString()).contains(pty.slavePath().toString(), "57600 baud");
        port.close();
        port.close();
        assertThat(port.isOpen()).isFalse();
        assertThat(port.fd()).isEqualTo(-1);
        assertThat(ProcFds.isOpen(fd)).isFalse();
        assertThatThrownBy(() -> port.read(arena.allocate(1), 0, 1, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> port.write(arena.allocate(1), 0, 1))
                .isInstanceOf(IOException.class).hasMessageContaining("is closed");
        int master = pty.master().fd();
        pty.close();
        pty.close();
        assertThat(ProcFds.isOpen(master)).isFalse();
    }

    private static MemorySegment termios(int fd) {
        MemorySegment t = Arena.ofAuto().allocate(SerialPort.TERMIOS);
        assertThat(Libc.tcgetattr(fd, t)).isZero();
        return t;
    }

    private static byte[] readExactly(SerialPort port, int size) throws IOException {
        byte[] got = readAll(port, size);
        MemorySegment extra = Arena.ofAuto().allocate(1);
        assertThat(port.read(extra, 0, 1, 20)).as("bytes beyond the %d expected", size).isZero();
        return got;
    }

    private static byte[] readAll(SerialPort port, int size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(size);
            int done = 0;
            while (done < size) {
                int n = port.read(buf, done, size - done, 10_000);
                if (n <= 0) {
                    throw new AssertionError((n == 0 ? "timed out" : "hangup") + " after " + done + " bytes");
                }
                done += n;
            }
            return buf.toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeAll(SerialPort port, byte[] data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(data.length);
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            // in uneven pieces, so that the reader sees writes split and joined
            int done = 0;
            int piece = 1;
            while (done < data.length) {
                int n = Math.min(piece, data.length - done);
                port.write(buf, done, n);
                done += n;
                piece = piece * 3 % 7919 + 1;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
