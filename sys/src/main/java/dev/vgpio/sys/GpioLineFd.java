package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One requested GPIO line (the fd {@code GPIO_V2_GET_LINE_IOCTL} returns), non-blocking so an event loop can watch
 * it: its value read and set, its configuration changed, and its edge events read in batches into a caller's buffer
 * of {@code struct gpio_v2_line_event} records. Reading and setting the value and reading events allocate nothing.
 * Closing it releases the line.
 */
public final class GpioLineFd implements AutoCloseable {
    private final OwnedFd fd;
    private final int offset;
    private final MemorySegment values = Arena.ofAuto().allocate(GpioUapi.LINE_VALUES);

    GpioLineFd(int fd, int offset) throws LinuxException {
        this.fd = new OwnedFd(fd);
        this.offset = offset;
        try {
            Fds.setNonBlocking(fd, true);
        } catch (LinuxException e) {
            this.fd.close();
            throw e;
        }
    }

    /** The descriptor, to watch with {@link Epoll} for events; -1 once closed. */
    public int fd() {
        return fd.get();
    }

    /** The line's offset on its chip. */
    public int offset() {
        return offset;
    }

    /** The line's logical value, 0 or 1 ({@code GPIO_V2_LINE_GET_VALUES_IOCTL}). */
    public int get() throws LinuxException {
        values.set(ValueLayout.JAVA_LONG, GpioUapi.VALUES_BITS, 0);
        values.set(ValueLayout.JAVA_LONG, GpioUapi.VALUES_MASK, 1);
        ioctl(GpioUapi.LINE_GET_VALUES, values, "GPIO_V2_LINE_GET_VALUES");
        return (int) (values.get(ValueLayout.JAVA_LONG, GpioUapi.VALUES_BITS) & 1);
    }

    /** Drives the output to {@code value} ({@code GPIO_V2_LINE_SET_VALUES_IOCTL}). */
    public void set(int value) throws LinuxException {
        values.set(ValueLayout.JAVA_LONG, GpioUapi.VALUES_BITS, value != 0 ? 1 : 0);
        values.set(ValueLayout.JAVA_LONG, GpioUapi.VALUES_MASK, 1);
        ioctl(GpioUapi.LINE_SET_VALUES, values, "GPIO_V2_LINE_SET_VALUES");
    }

    /** Changes direction, edges, bias or drive in place ({@code GPIO_V2_LINE_SET_CONFIG_IOCTL}); cold path. */
    public void reconfigure(long flags, int outputValue, int debounceMicros) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(GpioUapi.LINE_CONFIG);
            GpioChipFd.encodeConfig(c, flags, outputValue, debounceMicros);
            ioctl(GpioUapi.LINE_SET_CONFIG, c, "GPIO_V2_LINE_SET_CONFIG");
        }
    }

    /**
     * Reads the edge events waiting, as many whole records as {@code buffer} holds: returns how many, 0 if none
     * waits. Read them with {@link #eventId}, {@link #eventTimestamp} and the other accessors.
     */
    public int readEvents(MemorySegment buffer) throws LinuxException {
        long room = buffer.byteSize() / GpioUapi.LINE_EVENT.byteSize() * GpioUapi.LINE_EVENT.byteSize();
        if (room == 0) {
            throw new IllegalArgumentException("the buffer holds no whole gpio_v2_line_event");
        }
        long n = Fds.read(fd.get(), buffer, room);
        if (n < 0) {
            return 0;
        }
        if (n % GpioUapi.LINE_EVENT.byteSize() != 0) {
            throw new LinuxException("read(line " + offset + " events) returned " + n
                    + " bytes, not whole events", Errno.EINVAL);
        }
        return (int) (n / GpioUapi.LINE_EVENT.byteSize());
    }

    /** {@link GpioUapi#EVENT_RISING_EDGE} or {@link GpioUapi#EVENT_FALLING_EDGE} of event {@code i}. */
    public static int eventId(MemorySegment buffer, int i) {
        return buffer.get(ValueLayout.JAVA_INT, at(i) + GpioUapi.EVENT_ID);
    }

    /** CLOCK_MONOTONIC nanoseconds of event {@code i} (the kernel's default event clock). */
    public static long eventTimestamp(MemorySegment buffer, int i) {
        return buffer.get(ValueLayout.JAVA_LONG, at(i) + GpioUapi.EVENT_TIMESTAMP);
    }

    public static int eventOffset(MemorySegment buffer, int i) {
        return buffer.get(ValueLayout.JAVA_INT, at(i) + GpioUapi.EVENT_OFFSET);
    }

    /** The line's own sequence number of event {@code i}: a gap means the kernel's buffer overflowed. */
    public static int eventLineSeqno(MemorySegment buffer, int i) {
        return buffer.get(ValueLayout.JAVA_INT, at(i) + GpioUapi.EVENT_LINE_SEQNO);
    }

    private static long at(int i) {
        return i * GpioUapi.LINE_EVENT.byteSize();
    }

    private void ioctl(long request, MemorySegment arg, String what) throws LinuxException {
        int r;
        do {
            r = Libc.ioctl(fd.get(), request, arg);
        } while (r == -Errno.EINTR);
        if (r < 0) {
            throw new LinuxException(what + "(line " + offset + ")", -r);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
