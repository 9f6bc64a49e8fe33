package dev.vgpio.memory;

/**
 * A guest address or range that no region maps, a range that crosses a region's end, or a misaligned atomic
 * access. Checked, so that every caller that walks guest-supplied addresses has to decide what the error means
 * for it (a malformed descriptor, a broken ring) instead of letting it escape a device loop.
 */
public final class GuestMemoryException extends Exception {
    private final long address;
    private final long length;

    public GuestMemoryException(String message, long address, long length) {
        super(message);
        this.address = address;
        this.length = length;
    }

    /** The guest physical address of the access that failed. */
    public long address() {
        return address;
    }

    /** The length in bytes of the access that failed. */
    public long length() {
        return length;
    }
}
