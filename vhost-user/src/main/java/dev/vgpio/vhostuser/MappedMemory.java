package dev.vgpio.vhostuser;

import dev.vgpio.memory.GuestMemory;
import dev.vgpio.memory.GuestRegion;
import dev.vgpio.sys.Fds;
import dev.vgpio.sys.MappedRegion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The front end's memory as SET_MEM_TABLE describes it: each region's fd mapped shared, as guest memory (by guest
 * physical address) and as the front end's user addresses (which SET_VRING_ADDR uses). Owns the mappings.
 */
final class MappedMemory implements AutoCloseable {
    private final List<MemoryRegion> regions;
    private final List<MappedRegion> mappings;
    private final GuestMemory memory;

    private MappedMemory(List<MemoryRegion> regions, List<MappedRegion> mappings, GuestMemory memory) {
        this.regions = regions;
        this.mappings = mappings;
        this.memory = memory;
    }

    /**
     * Maps every region (each already {@linkplain MemoryRegion#check checked}); on failure nothing stays mapped.
     * The fds are only used for mmap (the caller closes them).
     *
     * @throws ProtocolException if a region overlaps another, is larger than its fd, or cannot be mapped
     */
    /** File systems served over a network or by a user process: a page fault there can wait for ever. */
    private static final java.util.Set<String> REMOTE = java.util.Set.of("nfs", "nfs4", "cifs", "smb3", "9p",
            "ceph", "glusterfs", "afs", "virtiofs");

    /** Refuses guest memory on a file system served by a user process or over a network. */
    static void checkFileSystem(int region, String fs) throws ProtocolException {
        if (fs.startsWith("fuse") || REMOTE.contains(fs)) {
            throw new ProtocolException(String.format("memory region %d is a file on a %s file system, whose"
                    + " server could stall every access; guest memory must be a memfd or on tmpfs, hugetlbfs"
                    + " or a local disk", region, fs));
        }
    }

    static MappedMemory map(List<MemoryRegion> regions, int[] fds) throws ProtocolException {
        List<MappedRegion> mappings = new ArrayList<>();
        List<GuestRegion> guest = new ArrayList<>();
        try {
            for (int i = 0; i < regions.size(); i++) {
                MemoryRegion r = regions.get(i);
                checkFileSystem(i, Fds.fileSystemType(fds[i])); // before fstat, which such a file system could stall
                long fileSize = Fds.fileSize(fds[i]);
                if (fileSize > 0 && fileSize < r.mmapOffset() + r.size()) {
                    throw new ProtocolException(String.format(
                            "memory region %d needs %d bytes at offset %d of its fd, which has only %d", i, r.size(),
                            r.mmapOffset(), fileSize));
                }
                MappedRegion m = MappedRegion.map(fds[i], r.mmapOffset() + r.size(), 0);
                mappings.add(m);
                guest.add(new GuestRegion(r.guestPhysAddr(), r.size(),
                        m.segment().asSlice(r.mmapOffset(), r.size())));
            }
            return new MappedMemory(List.copyOf(regions), mappings, GuestMemory.of(guest));
        } catch (ProtocolException e) {
            mappings.forEach(MappedRegion::close);
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            mappings.forEach(MappedRegion::close);
            throw new ProtocolException("cannot map guest memory: " + e.getMessage(), e);
        }
    }

    GuestMemory memory() {
        return memory;
    }

    /** Translates a front-end user address to a guest physical address, or returns -1. */
    long userToGuest(long userAddr, long length) {
        for (MemoryRegion r : regions) {
            long off = userAddr - r.userAddr();
            if (Long.compareUnsigned(userAddr, r.userAddr()) >= 0 && Long.compareUnsigned(off, r.size()) < 0
                    && Long.compareUnsigned(length, r.size() - off) <= 0) {
                return r.guestPhysAddr() + off;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        mappings.forEach(MappedRegion::close);
    }
}
