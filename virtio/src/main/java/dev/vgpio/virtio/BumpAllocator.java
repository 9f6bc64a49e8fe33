package dev.vgpio.virtio;

/**
 * Hands out aligned pieces of a transport's shared memory, never freed until the transport closes (rings and request
 * buffers live as long as the driver). Thread-safe.
 */
public final class BumpAllocator {
    private final long base;
    private final long size;
    private final String what;
    private long next;

    /** Allocates from {@code [base, base + size)}; {@code what} names the memory in the exhaustion message. */
    public BumpAllocator(long base, long size, String what) {
        this.base = base;
        this.size = size;
        this.what = what;
        this.next = base;
    }

    /** The guest address of {@code bytes} bytes aligned to {@code align} (a power of two). */
    public synchronized long allocate(long bytes, long align) {
        if (bytes < 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("cannot allocate " + bytes + " bytes aligned to " + align);
        }
        long at = (next + align - 1) & -align;
        if (at + bytes > base + size) {
            throw new IllegalStateException(what + " of " + size + " bytes is exhausted");
        }
        next = at + bytes;
        return at;
    }
}
