package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U64;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * One memory region of SET_MEM_TABLE, {@code u64 guest_address; u64 size; u64 user_address; u64 mmap_offset}: guest
 * physical memory that the file descriptor sent with the region holds from {@code mmapOffset} on, and where the front
 * end itself has it mapped.
 */
record MemoryRegion(long guestPhysAddr, long size, long userAddr, long mmapOffset) {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U64.withName("guest_address"), U64.withName("size"), U64.withName("user_address"),
            U64.withName("mmap_offset")).withName("vhost_user_memory_region");
    static final int SIZE = (int) LAYOUT.byteSize();
    static final long GUEST_ADDRESS = Wire.offset(LAYOUT, "guest_address");
    static final long REGION_SIZE = Wire.offset(LAYOUT, "size");
    static final long USER_ADDRESS = Wire.offset(LAYOUT, "user_address");
    static final long MMAP_OFFSET = Wire.offset(LAYOUT, "mmap_offset");

    static MemoryRegion read(MemorySegment p, long at) {
        return new MemoryRegion(p.get(U64, at + GUEST_ADDRESS), p.get(U64, at + REGION_SIZE),
                p.get(U64, at + USER_ADDRESS), p.get(U64, at + MMAP_OFFSET));
    }

    void write(MemorySegment p, long at) {
        p.set(U64, at + GUEST_ADDRESS, guestPhysAddr);
        p.set(U64, at + REGION_SIZE, size);
        p.set(U64, at + USER_ADDRESS, userAddr);
        p.set(U64, at + MMAP_OFFSET, mmapOffset);
    }

    /** A region is not empty, and its end in the file does not overflow. */
    void check(int i) throws ProtocolException {
        if (size <= 0 || mmapOffset < 0 || size + mmapOffset < size) {
            throw new ProtocolException("memory region " + i + " has size " + size + " and mmap offset " + mmapOffset);
        }
    }
}
