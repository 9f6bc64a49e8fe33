package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GuestHarness.Answer;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests read and responses written in place in guest memory (one buffer each, the usual case) give the same
 * answers as the gathering and scattering path, which serves every other layout.
 */
class InPlaceRequestTest {
    private SimulatedChip chip;
    private GuestHarness guest;

    @AfterEach
    void close() {
        if (guest != null) {
            guest.close();
        }
    }

    private void guest() throws Exception {
        chip = SimulatedChip.withLines("t", 4, "l");
        guest = new GuestHarness(new GpioController(chip), false);
    }

    @Test
    void everyBufferLayoutGetsTheSameAnswer() throws Exception {
        guest();
        chip.drive(2, 1);
        byte[] request = GpioRequest.toBytes(MessageType.GET_VALUE.code(), 2, 0);
        int[][] reads = {{8}, {4, 4}, {1, 7}, {2, 2, 2, 2}};
        int[][] writes = {{2}, {1, 1}};
        for (int[] r : reads) {
            for (int[] w : writes) {
                guest.submit(request, r, w);
            }
        }
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(reads.length * writes.length);
        for (Answer a : answers) {
            assertThat(a.usedLength()).isEqualTo(2);
            assertThat(a.status()).isEqualTo(Status.OK.code());
            assertThat(a.value()).isEqualTo(1);
        }
    }

    @Test
    void requestFieldsAreDecodedLittleEndian() throws Exception {
        guest();
        Answer a = guest.request(MessageType.SET_DIRECTION, 3, Direction.OUT.code());
        assertThat(a.status()).isEqualTo(Status.OK.code());
        assertThat(chip.getDirection(3)).isEqualTo(Direction.OUT);
        assertThat(guest.request(MessageType.SET_VALUE, 3, 1).status()).isEqualTo(Status.OK.code());
        assertThat(chip.observe(3)).isEqualTo(1);
        assertThat(guest.request(MessageType.SET_VALUE, 3, 0x8000_0001L).status())
                .as("the value is all 32 bits").isEqualTo(Status.ERR.code());
        assertThat(guest.request(0x0104, 3, 0).status()).as("the type is all 16 bits").isEqualTo(Status.ERR.code());
    }
}
