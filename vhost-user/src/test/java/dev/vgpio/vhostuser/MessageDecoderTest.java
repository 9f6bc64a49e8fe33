package dev.vgpio.vhostuser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.sys.FdSet;
import dev.vgpio.sys.MemFd;
import dev.vgpio.virtio.VirtioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Decoding and checking front-end messages, without a socket or a session: each rule of each payload. */
class MessageDecoderTest {
    private static final int V1 = Header.FLAG_VERSION;
    private static final int QUEUES = 2;

    private final MemorySegment p = Arena.ofAuto().allocate(VhostUser.MAX_PAYLOAD, 8);
    private final FdSet fds = new FdSet(8);

    @AfterEach
    void close() {
        fds.closeAll();
    }

    private FrontEndRequest decode(int request, int size) throws ProtocolException {
        return MessageDecoder.decode(request, V1, p, size, fds, QUEUES);
    }

    private void withFds(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            fds.add(MemFd.create("decoder-test", 4096));
        }
    }

    private void withEventFd() throws Exception {
        try (dev.vgpio.sys.EventFd e = dev.vgpio.sys.EventFd.create()) {
            fds.add(dev.vgpio.sys.Fds.dup(e.fd()));
        }
    }

    private void refused(int request, int size, String message) {
        assertThatThrownBy(() -> decode(request, size)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((VirtioException) e).reason()).isEqualTo(VirtioException.Reason.PROTOCOL_VIOLATION);
    }

    @Test
    void theHeaderFlagsAreChecked() {
        assertThatThrownBy(() -> MessageDecoder.decode(VhostUser.GET_FEATURES, 2, p, 0, fds, QUEUES))
                .hasMessageContaining("has version 2, only version 1 exists");
        assertThatThrownBy(() -> MessageDecoder.decode(VhostUser.GET_FEATURES, V1 | Header.FLAG_REPLY, p, 0, fds,
                QUEUES)).hasMessageContaining("sent a reply (GET_FEATURES) as a request");
    }

    @Test
    void u64MessagesCarryExactlyEightBytes() throws Exception {
        U64.write(p, 0x1_0000_0001L);
        assertThat(decode(VhostUser.SET_FEATURES, 8)).isEqualTo(new FrontEndRequest.SetFeatures(0x1_0000_0001L));
        assertThat(decode(VhostUser.GET_FEATURES, 0)).isEqualTo(new FrontEndRequest.GetFeatures());
        refused(VhostUser.SET_FEATURES, 4, "SET_FEATURES payload is 4 bytes, expected 8");
        refused(VhostUser.GET_QUEUE_NUM, 8, "GET_QUEUE_NUM payload is 8 bytes, expected 0");
        withFds(1);
        refused(VhostUser.SET_OWNER, 0, "SET_OWNER carries 1 fds, expected 0");
    }

    @Test
    void vringStateFieldsAreInRange() throws Exception {
        VringState.write(p, 1, 256);
        assertThat(decode(VhostUser.SET_VRING_NUM, 8)).isEqualTo(new FrontEndRequest.SetVringNum(1, 256));
        VringState.write(p, 1, 100);
        refused(VhostUser.SET_VRING_NUM, 8, "SET_VRING_NUM 100 for queue 1 is not a power of two");
        VringState.write(p, 1, 65536);
        refused(VhostUser.SET_VRING_NUM, 8, "not a power of two between 1 and 32768");
        VringState.write(p, 2, 64);
        refused(VhostUser.SET_VRING_NUM, 8, "names queue 2, but the device has 2 queues");
        VringState.write(p, -1, 64);
        refused(VhostUser.GET_VRING_BASE, 8, "names queue 4294967295");
        VringState.write(p, 0, 0x1_0000);
        refused(VhostUser.SET_VRING_BASE, 8, "SET_VRING_BASE 65536 for queue 0 is not a 16-bit ring index");
        VringState.write(p, 0, 2);
        refused(VhostUser.SET_VRING_ENABLE, 8, "SET_VRING_ENABLE 2 for queue 0 is neither 0 nor 1");
        VringState.write(p, 0, 1);
        assertThat(decode(VhostUser.SET_VRING_ENABLE, 8)).isEqualTo(new FrontEndRequest.SetVringEnable(0, true));
    }

    @Test
    void aVringAddressIsDecodedFieldByField() throws Exception {
        VringAddress.write(p, 1, 0x1000, 0x3000, 0x2000);
        assertThat(decode(VhostUser.SET_VRING_ADDR, VringAddress.SIZE))
                .isEqualTo(new FrontEndRequest.SetVringAddr(1, 0x1000, 0x3000, 0x2000));
        refused(VhostUser.SET_VRING_ADDR, 32, "SET_VRING_ADDR payload is 32 bytes, expected 40");
    }

    @Test
    void aVringFdMessageTakesItsDescriptor() throws Exception {
        U64.write(p, VringFd.of(1, false));
        withFds(1);
        refused(VhostUser.SET_VRING_KICK, 8, "SET_VRING_KICK for queue 1 refused: fd ");
        assertThat(fds.get(0)).as("taken, and closed by the decoder").isEqualTo(-1);
        fds.closeAll();
        withEventFd();
        FrontEndRequest.SetVringFd kick = (FrontEndRequest.SetVringFd) decode(VhostUser.SET_VRING_KICK, 8);
        assertThat(kick.index()).isEqualTo(1);
        assertThat(kick.fd()).isNotNull();
        assertThat(fds.get(0)).as("taken out of the set, which no longer closes it").isEqualTo(-1);
        kick.fd().close();
        fds.closeAll(); // as the server does after every message
        U64.write(p, VringFd.of(0, true));
        assertThat(((FrontEndRequest.SetVringFd) decode(VhostUser.SET_VRING_CALL, 8)).fd()).isNull();
        refused(VhostUser.SET_VRING_KICK, 8, "asks for ring polling, which was not offered");
        U64.write(p, 0x200);
        refused(VhostUser.SET_VRING_ERR, 8, "payload 0x200 has unknown bits");
        U64.write(p, VringFd.of(0, false));
        refused(VhostUser.SET_VRING_CALL, 8, "SET_VRING_CALL carries 0 fds, expected 1");
    }

    @Test
    void aMemoryTableHasOneToEightRegionsEachWithItsDescriptor() throws Exception {
        List<MemoryRegion> two = List.of(new MemoryRegion(0, 1 << 20, 0x7f00_0000_0000L, 0),
                new MemoryRegion(1 << 30, 1 << 20, 0x7f10_0000_0000L, 4096));
        int size = MemoryTable.write(p, two);
        withFds(2);
        FrontEndRequest.SetMemTable t = (FrontEndRequest.SetMemTable) decode(VhostUser.SET_MEM_TABLE, size);
        assertThat(t.regions()).isEqualTo(two);
        assertThat(t.fds()).hasSize(2).doesNotContain(-1);
        refused(VhostUser.SET_MEM_TABLE, size - 8, "SET_MEM_TABLE payload is 64 bytes, expected 72");
        fds.closeAll();
        withFds(1);
        refused(VhostUser.SET_MEM_TABLE, size, "SET_MEM_TABLE carries 1 fds, expected 2");
        MemoryTable.write(p, List.of());
        refused(VhostUser.SET_MEM_TABLE, 8, "SET_MEM_TABLE with 0 regions (1 to 8 allowed)");
        refused(VhostUser.SET_MEM_TABLE, 4, "SET_MEM_TABLE of 4 bytes is too short");
        MemoryTable.write(p, List.of(new MemoryRegion(0, 0, 0, 0)));
        refused(VhostUser.SET_MEM_TABLE, MemoryTable.size(1), "memory region 0 has size 0");
        MemoryTable.write(p, List.of(new MemoryRegion(0, Long.MAX_VALUE, 0, Long.MAX_VALUE)));
        refused(VhostUser.SET_MEM_TABLE, MemoryTable.size(1), "memory region 0 has size");
    }

    @Test
    void aConfigMessageCarriesAsManyBytesAsItSays() throws Exception {
        int size = DeviceConfig.write(p, 4, 4);
        assertThat(decode(VhostUser.GET_CONFIG, size)).isEqualTo(new FrontEndRequest.GetConfig(4, 4));
        refused(VhostUser.GET_CONFIG, size + 1, "GET_CONFIG asks for 4 bytes but carries 5");
        refused(VhostUser.SET_CONFIG, 8, "SET_CONFIG of 8 bytes");
        assertThat(decode(VhostUser.SET_CONFIG, size + 1)).as("a write is refused by the session, not here")
                .isEqualTo(new FrontEndRequest.SetConfig(4, 4));
        refused(VhostUser.GET_CONFIG, DeviceConfig.DATA + DeviceConfig.MAX + 1, "GET_CONFIG of 269 bytes");
    }

    @Test
    void messagesOfFeaturesNotOfferedAreRefused() {
        refused(VhostUser.SET_LOG_BASE, 0, "dirty-page logging was not offered");
        refused(99, 0, "unsupported message request 99");
        refused(VhostUser.GET_FEATURES + 40, 0, "unsupported message GET_SHARED_OBJECT");
    }
}
