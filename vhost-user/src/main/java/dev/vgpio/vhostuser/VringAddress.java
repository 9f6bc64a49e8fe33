package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U32;
import static dev.vgpio.vhostuser.Wire.U64;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The vring address payload of SET_VRING_ADDR, {@code u32 index; u32 flags; u64 descriptor; u64 used; u64 available;
 * u64 log}: where the three parts of a ring are, as addresses in the front end's own address space.
 */
final class VringAddress {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            U32.withName("index"), U32.withName("flags"), U64.withName("descriptor"), U64.withName("used"),
            U64.withName("available"), U64.withName("log")).withName("vhost_vring_addr");
    static final int SIZE = (int) LAYOUT.byteSize();
    static final long INDEX = Wire.offset(LAYOUT, "index");
    static final long FLAGS = Wire.offset(LAYOUT, "flags");
    static final long DESCRIPTOR = Wire.offset(LAYOUT, "descriptor");
    static final long USED = Wire.offset(LAYOUT, "used");
    static final long AVAILABLE = Wire.offset(LAYOUT, "available");
    static final long LOG = Wire.offset(LAYOUT, "log");

    private VringAddress() {
    }

    static int index(MemorySegment p) {
        return p.get(U32, INDEX);
    }

    static long descriptor(MemorySegment p) {
        return p.get(U64, DESCRIPTOR);
    }

    static long used(MemorySegment p) {
        return p.get(U64, USED);
    }

    static long available(MemorySegment p) {
        return p.get(U64, AVAILABLE);
    }

    /** Writes an address payload without logging (flags and log 0). */
    static void write(MemorySegment p, int index, long descriptor, long used, long available) {
        p.set(U32, INDEX, index);
        p.set(U32, FLAGS, 0);
        p.set(U64, DESCRIPTOR, descriptor);
        p.set(U64, USED, used);
        p.set(U64, AVAILABLE, available);
        p.set(U64, LOG, 0);
    }
}
