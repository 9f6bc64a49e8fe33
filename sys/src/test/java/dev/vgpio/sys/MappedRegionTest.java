package dev.vgpio.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MappedRegionTest {
    private final int fd;

    MappedRegionTest() throws LinuxException {
        fd = MemFd.create("mapped-region-test", 4 * MappedRegion.pageSize());
    }

    @AfterEach
    void close() {
        Fds.closeQuietly(fd);
    }

    @Test
    void mapsPageAlignedNativeMemoryOfExactlyTheSize() throws Exception {
        long page = MappedRegion.pageSize();
        assertThat(page).isEqualTo(4096);
        try (MappedRegion whole = MappedRegion.map(fd, 4 * page, 0);
                MappedRegion tail = MappedRegion.map(fd, page, 3 * page)) {
            MemorySegment s = whole.segment();
            assertThat(s.byteSize()).isEqualTo(4 * page).isEqualTo(whole.size());
            assertThat(s.isNative()).isTrue();
            assertThat(s.address() % page).isZero();
            assertThat(s.get(ValueLayout.JAVA_LONG, 3 * page)).isZero();
            s.set(ValueLayout.JAVA_INT, 3 * page + 12, 77);
            assertThat(tail.segment().get(ValueLayout.JAVA_INT, 12)).isEqualTo(77);
        }
    }

    @Test
    void checksItsArguments() {
        assertThatThrownBy(() -> MappedRegion.map(fd, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> MappedRegion.map(fd, 4096, -4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page size");
        assertThatThrownBy(() -> MappedRegion.map(fd, 4096, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of the page size");
        assertThatThrownBy(() -> MappedRegion.map(fd, 8192, 3 * 4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the end of the file");
        assertThatThrownBy(() -> MappedRegion.map(-1, 4096, 0))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    @Test
    void closingUnmapsOnceAndInvalidatesTheSegment() throws Exception {
        MappedRegion region = MappedRegion.map(fd, 4096, 0);
        MemorySegment s = region.segment();
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        region.close();
        region.close();
        assertThatThrownBy(region::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void memFdsHaveTheirSizeAndCloseOnExec() throws Exception {
        int other = MemFd.create("sized", 12345);
        try {
            assertThat(Fds.fileSize(other)).isEqualTo(12345);
            assertThat(ProcFds.isCloseOnExec(other)).isTrue();
            assertThat(Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + other)).toString())
                    .startsWith("/memfd:sized");
        } finally {
            Fds.close(other);
        }
    }
}
