package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An open GPIO character device ({@code /dev/gpiochipN}, uAPI v2): what the chip and its lines are, and line
 * requests, one line each, so that each line is held exactly while it is used. Cold path (set-up and
 * reconfiguration); the values and events of a requested line go through {@link GpioLineFd}, which allocates
 * nothing.
 */
public final class GpioChipFd implements AutoCloseable {
    static final int O_RDWR = 2;

    /** What {@code GPIO_GET_CHIPINFO_IOCTL} reports. */
    public record ChipInfo(String name, String label, int lines) {
    }

    /**
     * What {@code GPIO_V2_GET_LINEINFO_IOCTL} reports of one line: its flags ({@link GpioUapi#FLAG_USED} and the
     * rest) and, if the line has one, its debounce period (0 otherwise).
     */
    public record LineInfo(int offset, String name, String consumer, long flags, int debounceMicros) {
        public boolean used() {
            return (flags & GpioUapi.FLAG_USED) != 0;
        }
    }

    private final OwnedFd fd;
    private final Path path;

    private GpioChipFd(int fd, Path path) {
        this.fd = new OwnedFd(fd);
        this.path = path;
    }

    /** Opens {@code path} read-write, close-on-exec. */
    public static GpioChipFd open(Path path) throws LinuxException {
        Libc.requireSupported();
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.open(arena.allocateFrom(path.toString()), O_RDWR | SocketPath.O_CLOEXEC);
            if (fd < 0) {
                throw new LinuxException("open(" + path + ")", -fd);
            }
            return new GpioChipFd(fd, path);
        }
    }

    public Path path() {
        return path;
    }

    public int fd() {
        return fd.get();
    }

    public ChipInfo info() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(GpioUapi.CHIP_INFO);
            ioctl(GpioUapi.GET_CHIPINFO, s, "GPIO_GET_CHIPINFO");
            return new ChipInfo(string(s, GpioUapi.CHIP_INFO_NAME), string(s, GpioUapi.CHIP_INFO_LABEL),
                    s.get(ValueLayout.JAVA_INT, GpioUapi.CHIP_INFO_LINES));
        }
    }

    /** The names of all the chip's lines, in offset order ({@code ""} for a line without one). */
    public List<String> lineNames() throws LinuxException {
        int lines = info().lines();
        List<String> names = new ArrayList<>(lines);
        for (int i = 0; i < lines; i++) {
            names.add(lineInfo(i).name());
        }
        return names;
    }

    /**
     * The GPIO character devices in {@code dir} ({@code /dev} on a real system): the files named {@code gpiochipN},
     * in the kernel's numbering order.
     */
    public static List<Path> chipsIn(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().matches("gpiochip\\d{1,9}"))
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(8))))
                    .toList();
        }
    }

    public LineInfo lineInfo(int offset) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(GpioUapi.LINE_INFO);
            s.set(ValueLayout.JAVA_INT, GpioUapi.INFO_OFFSET, offset);
            ioctl(GpioUapi.GET_LINEINFO, s, "GPIO_V2_GET_LINEINFO(line " + offset + ")");
            return decodeLineInfo(s);
        }
    }

    static LineInfo decodeLineInfo(MemorySegment s) {
        int attrs = Math.min(s.get(ValueLayout.JAVA_INT, GpioUapi.INFO_NUM_ATTRS), GpioUapi.ATTRS_MAX);
        int debounce = 0;
        for (int i = 0; i < attrs; i++) {
            long a = GpioUapi.INFO_ATTRS + i * GpioUapi.ATTRIBUTE.byteSize();
            if (s.get(ValueLayout.JAVA_INT, a + GpioUapi.ATTR_ID) == GpioUapi.ATTR_ID_DEBOUNCE) {
                debounce = s.get(ValueLayout.JAVA_INT, a + GpioUapi.ATTR_VALUE);
            }
        }
        return new LineInfo(s.get(ValueLayout.JAVA_INT, GpioUapi.INFO_OFFSET), string(s, GpioUapi.INFO_NAME),
                string(s, GpioUapi.INFO_CONSUMER), s.get(ValueLayout.JAVA_LONG, GpioUapi.INFO_FLAGS), debounce);
    }

    /**
     * Requests line {@code offset} with {@code flags} (direction, edges, bias, drive), {@code outputValue} for an
     * output (so it never passes through another level), a debounce period (0 for none) and the consumer label the
     * host shows. The kernel's EBUSY (held by another consumer), EINVAL and EPERM come back as
     * {@link LinuxException}.
     */
    public GpioLineFd requestLine(int offset, long flags, int outputValue, int debounceMicros, String consumer)
            throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(GpioUapi.LINE_REQUEST);
            encodeRequest(r, offset, flags, outputValue, debounceMicros, consumer);
            ioctl(GpioUapi.GET_LINE, r, "GPIO_V2_GET_LINE(line " + offset + ", " + consumer + ")");
            int lineFd = r.get(ValueLayout.JAVA_INT, GpioUapi.REQ_FD);
            if (lineFd <= 0) {
                throw new LinuxException("GPIO_V2_GET_LINE(" + path + ", line " + offset + ") gave no fd",
                        Errno.EBADF);
            }
            return new GpioLineFd(lineFd, offset);
        }
    }

    /** Fills a zeroed {@code struct gpio_v2_line_request} for one line. */
    static void encodeRequest(MemorySegment r, int offset, long flags, int outputValue, int debounceMicros,
            String consumer) {
        r.set(ValueLayout.JAVA_INT, GpioUapi.REQ_OFFSETS, offset);
        r.set(ValueLayout.JAVA_INT, GpioUapi.REQ_NUM_LINES, 1);
        putString(r, GpioUapi.REQ_CONSUMER, consumer);
        encodeConfig(r.asSlice(GpioUapi.REQ_CONFIG, GpioUapi.LINE_CONFIG.byteSize()), flags, outputValue,
                debounceMicros);
    }

    /**
     * Fills a {@code struct gpio_v2_line_config} for one line (request index 0): the flags, then an output-values
     * attribute for an output and a debounce attribute when asked for. The rest is zeroed.
     */
    static void encodeConfig(MemorySegment c, long flags, int outputValue, int debounceMicros) {
        c.fill((byte) 0);
        c.set(ValueLayout.JAVA_LONG, GpioUapi.CONFIG_FLAGS, flags);
        int n = 0;
        if ((flags & GpioUapi.FLAG_OUTPUT) != 0) {
            putAttribute(c, n++, GpioUapi.ATTR_ID_OUTPUT_VALUES, outputValue != 0 ? 1 : 0);
        }
        if (debounceMicros > 0) {
            putAttribute(c, n++, GpioUapi.ATTR_ID_DEBOUNCE, debounceMicros);
        }
        c.set(ValueLayout.JAVA_INT, GpioUapi.CONFIG_NUM_ATTRS, n);
    }

    private static void putAttribute(MemorySegment c, int index, int id, long value) {
        long a = GpioUapi.CONFIG_ATTRS + index * GpioUapi.CONFIG_ATTR_SIZE;
        c.set(ValueLayout.JAVA_INT, a + GpioUapi.ATTR_ID, id);
        if (id == GpioUapi.ATTR_ID_DEBOUNCE) {
            c.set(ValueLayout.JAVA_INT, a + GpioUapi.ATTR_VALUE, (int) value);
        } else {
            c.set(ValueLayout.JAVA_LONG, a + GpioUapi.ATTR_VALUE, value);
        }
        c.set(ValueLayout.JAVA_LONG, a + GpioUapi.CONFIG_ATTR_MASK, 1L); // the request's line 0
    }

    private void ioctl(long request, MemorySegment arg, String what) throws LinuxException {
        int r;
        do {
            r = Libc.ioctl(fd.get(), request, arg);
        } while (r == -Errno.EINTR);
        if (r < 0) {
            throw new LinuxException(what + " on " + path, -r);
        }
    }

    static String string(MemorySegment s, long offset) {
        byte[] b = s.asSlice(offset, GpioUapi.NAME_SIZE).toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** Writes {@code text} NUL-terminated, cut to 31 bytes (the kernel's label size less its NUL). */
    static void putString(MemorySegment s, long offset, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, GpioUapi.NAME_SIZE - 1);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, offset, n);
        s.set(ValueLayout.JAVA_BYTE, offset + n, (byte) 0);
    }

    @Override
    public void close() {
        fd.close();
    }
}
