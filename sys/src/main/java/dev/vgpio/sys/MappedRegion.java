package dev.vgpio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A shared read-write mapping of a file ({@code mmap(PROT_READ|PROT_WRITE, MAP_SHARED)}), such as a memfd that
 * holds guest memory. Its segment lives in a shared arena: after {@link #close()} the memory is unmapped and every
 * access through the segment, including copies taken earlier, fails with {@link IllegalStateException} instead of
 * touching unmapped memory.
 */
public final class MappedRegion implements AutoCloseable {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int SC_PAGESIZE = 30;

    private final long address;
    private final long size;
    private final Arena arena;
    private final MemorySegment segment;
    private volatile boolean closed;

    private MappedRegion(long address, long size) {
        this.address = address;
        this.size = size;
        this.arena = Arena.ofShared();
        this.segment = MemorySegment.ofAddress(address).reinterpret(size, arena, null);
    }

    /** The system's page size in bytes. */
    public static long pageSize() {
        Libc.requireSupported();
        return PageSize.VALUE;
    }

    /**
     * Maps {@code size} bytes of {@code fd} from {@code offset}, which must be a multiple of the page size. The
     * descriptor may be closed afterwards; the mapping stays. For a regular file (a memfd, a file on tmpfs or
     * hugetlbfs) the range must lie within the file, since touching a page past its end would raise SIGBUS.
     */
    public static MappedRegion map(int fd, long size, long offset) throws LinuxException {
        Libc.requireSupported();
        if (size <= 0) {
            throw new IllegalArgumentException("mapping size must be positive, not " + size);
        }
        if (offset < 0 || offset % PageSize.VALUE != 0) {
            throw new IllegalArgumentException("mapping offset " + offset
                    + " must be non-negative and a multiple of the page size (" + PageSize.VALUE + ")");
        }
        if (Fds.isRegularFile(fd)) {
            long fileSize = Fds.fileSize(fd);
            if (offset > fileSize || size > fileSize - offset) {
                throw new IllegalArgumentException("mapping " + size + " bytes at offset " + offset
                        + " goes past the end of the file (" + fileSize + " bytes)");
            }
        }
        long a = Libc.mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
        if (a < 0) {
            throw new LinuxException("mmap(fd " + fd + ", size " + size + ", offset " + offset + ")", (int) -a);
        }
        return new MappedRegion(a, size);
    }

    /** The mapped memory: exactly {@link #size()} bytes, native and page-aligned. */
    public MemorySegment segment() {
        if (closed) {
            throw new IllegalStateException("mapping of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " is closed");
        }
        return segment;
    }

    /** The size in bytes. */
    public long size() {
        return size;
    }

    /**
     * Unmaps the memory; later calls do nothing. Fails with {@link IllegalStateException} (and leaves the mapping)
     * while a system call on another thread is using the segment.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        arena.close();
        closed = true;
        Libc.munmap(address, size);
    }

    @Override
    public String toString() {
        return "MappedRegion[0x" + Long.toHexString(address) + ", " + size + " bytes" + (closed ? ", closed]" : "]");
    }

    private static final class PageSize {
        static final long VALUE = Libc.sysconf(SC_PAGESIZE);
    }
}
