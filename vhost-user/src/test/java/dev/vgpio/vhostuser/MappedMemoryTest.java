package dev.vgpio.vhostuser;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Guest memory on a file system whose server could stall the event loop is refused before it is touched. */
class MappedMemoryTest {
    @Test
    void fuseAndNetworkFileSystemsAreRefusedLocalOnesAccepted() {
        for (String fs : new String[] {"fuse.sshfs", "fuse", "fuseblk", "nfs4", "9p", "cifs", "virtiofs"}) {
            assertThatThrownBy(() -> MappedMemory.checkFileSystem(2, fs)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("memory region 2 is a file on a " + fs + " file system");
        }
        for (String fs : new String[] {"", "tmpfs", "hugetlbfs", "ext4", "xfs", "btrfs"}) {
            assertThatCode(() -> MappedMemory.checkFileSystem(0, fs)).doesNotThrowAnyException();
        }
    }
}
