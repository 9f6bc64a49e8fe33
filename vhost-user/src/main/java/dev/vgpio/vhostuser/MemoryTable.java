package dev.vgpio.vhostuser;

import static dev.vgpio.vhostuser.Wire.U32;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of SET_MEM_TABLE: {@code u32 nregions; u32 padding;} then {@code nregions} {@link MemoryRegion}s, one
 * file descriptor per region with the message.
 */
final class MemoryTable {
    static final StructLayout HEADER = MemoryLayout.structLayout(U32.withName("nregions"), U32.withName("padding"))
            .withName("vhost_user_memory");
    static final long NREGIONS = Wire.offset(HEADER, "nregions");
    static final long PADDING = Wire.offset(HEADER, "padding");
    static final long REGIONS = HEADER.byteSize();
    /** The most regions the message may carry (VHOST_MEMORY_BASELINE_NREGIONS). */
    static final int MAX_REGIONS = 8;

    private MemoryTable() {
    }

    /** The payload size of a table of {@code n} regions. */
    static int size(int n) {
        return (int) REGIONS + MemoryRegion.SIZE * n;
    }

    static int count(MemorySegment p) {
        return p.get(U32, NREGIONS);
    }

    /** Checks the region count and the payload size, and reads every region, each checked. */
    static List<MemoryRegion> read(MemorySegment p, int payloadSize) throws ProtocolException {
        if (payloadSize < REGIONS) {
            throw new ProtocolException("SET_MEM_TABLE of " + payloadSize + " bytes is too short");
        }
        int n = count(p);
        if (n < 1 || n > MAX_REGIONS) {
            throw new ProtocolException("SET_MEM_TABLE with " + Integer.toUnsignedString(n) + " regions (1 to "
                    + MAX_REGIONS + " allowed)");
        }
        if (payloadSize != size(n)) {
            throw new ProtocolException("SET_MEM_TABLE payload is " + payloadSize + " bytes, expected " + size(n));
        }
        List<MemoryRegion> regions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemoryRegion r = MemoryRegion.read(p, REGIONS + (long) MemoryRegion.SIZE * i);
            r.check(i);
            regions.add(r);
        }
        return List.copyOf(regions);
    }

    /** Writes a table of {@code regions}; returns the payload size. */
    static int write(MemorySegment p, List<MemoryRegion> regions) {
        p.set(U32, NREGIONS, regions.size());
        p.set(U32, PADDING, 0);
        for (int i = 0; i < regions.size(); i++) {
            regions.get(i).write(p, REGIONS + (long) MemoryRegion.SIZE * i);
        }
        return size(regions.size());
    }
}
