package dev.vgpio.device;

import static dev.vgpio.protocol.MessageType.GET_DIRECTION;
import static dev.vgpio.protocol.MessageType.GET_LINE_NAMES;
import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_IRQ_TYPE;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GuestHarness.Answer;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.LineNames;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The six requestq messages through a real split virtqueue, with exact used lengths. */
class RequestqTest {
    private static final int OK = 0;
    private static final int ERR = 1;

    private final SimulatedChip chip = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"));
    private GuestHarness guest;

    private GuestHarness guest(boolean irq) throws Exception {
        guest = new GuestHarness(new GpioController(chip), irq);
        return guest;
    }

    @AfterEach
    void close() {
        if (guest != null) {
            guest.close();
        }
    }

    private static void assertAnswer(Answer a, int status, int value) {
        assertThat(a.usedLength()).as("used length").isEqualTo(2);
        assertThat(a.status()).as("status").isEqualTo(status);
        assertThat(a.value()).as("value").isEqualTo(value);
    }

    @Test
    void configReportsLinesAndNamesSize() throws Exception {
        GpioController device = new GpioController(chip);
        assertThat(device.config().ngpio()).isEqualTo(4);
        assertThat(device.config().gpioNamesSize()).isEqualTo(LineNames.encodedSize(chip.lineNames()));
    }

    @Test
    void getLineNamesReturnsTheBlockWithLengthOnePlusNamesSize() throws Exception {
        Answer a = guest(false).request(GET_LINE_NAMES, 0, 0);
        int size = (int) guest.virtio.controller().config().gpioNamesSize();
        assertThat(a.usedLength()).isEqualTo(1 + size);
        assertThat(a.status()).isEqualTo(OK);
        assertThat(LineNames.decode(Arrays.copyOfRange(a.bytes(), 1, 1 + size), 4))
                .containsExactly("LED", "BUTTON", "", "RESET");
    }

    @Test
    void deviceWithoutNamesHasNamesSizeZeroAndRefusesGetLineNames() throws Exception {
        SimulatedChip unnamed = new SimulatedChip("anon", Arrays.asList("", ""));
        guest = new GuestHarness(new GpioController(unnamed), false);
        assertThat(guest.virtio.controller().config().gpioNamesSize()).isZero();
        Answer a = guest.request(GET_LINE_NAMES, 0, 0);
        assertThat(a.usedLength()).isEqualTo(1);
        assertThat(a.status()).isEqualTo(ERR);
    }

    @Test
    void directionsAreSetAndReported() throws Exception {
        guest(false);
        assertAnswer(guest.request(GET_DIRECTION, 1, 0), OK, Direction.NONE.code());
        assertAnswer(guest.request(SET_DIRECTION, 1, Direction.IN.code()), OK, 0);
        assertAnswer(guest.request(GET_DIRECTION, 1, 0), OK, Direction.IN.code());
        assertAnswer(guest.request(SET_DIRECTION, 1, Direction.OUT.code()), OK, 0);
        assertAnswer(guest.request(GET_DIRECTION, 1, 0), OK, Direction.OUT.code());
        assertAnswer(guest.request(SET_DIRECTION, 1, 3), ERR, 0);
        assertAnswer(guest.request(GET_DIRECTION, 1, 0), OK, Direction.OUT.code());
    }

    @Test
    void setValueBeforeSetDirectionOutGivesTheInitialLevel() throws Exception {
        guest(false);
        List<Integer> seen = new java.util.ArrayList<>();
        chip.addStateListener((off, dir, level) -> seen.add(level));
        assertAnswer(guest.request(SET_VALUE, 0, 1), OK, 0);
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
        assertAnswer(guest.request(SET_DIRECTION, 0, Direction.OUT.code()), OK, 0);
        assertThat(chip.observe(0)).isEqualTo(1);
        assertThat(seen).as("the line went straight to 1, never through 0").containsExactly(1);
        assertAnswer(guest.request(GET_VALUE, 0, 0), OK, 1);
        assertAnswer(guest.request(SET_VALUE, 0, 0), OK, 0);
        assertThat(chip.observe(0)).isZero();
    }

    @Test
    void setDirectionOutWithoutAValueStartsLow() throws Exception {
        guest(false);
        chip.drive(3, 1);
        assertAnswer(guest.request(SET_DIRECTION, 3, Direction.OUT.code()), OK, 0);
        assertThat(chip.observe(3)).isZero();
    }

    @Test
    void getValueReadsTheLevelTheHostDrives() throws Exception {
        guest(false);
        assertAnswer(guest.request(SET_DIRECTION, 1, Direction.IN.code()), OK, 0);
        chip.drive(1, 1);
        assertAnswer(guest.request(GET_VALUE, 1, 0), OK, 1);
        chip.drive(1, 0);
        assertAnswer(guest.request(GET_VALUE, 1, 0), OK, 0);
    }

    @Test
    void directionNoneDiscardsTheLineState() throws Exception {
        guest(false);
        guest.request(SET_VALUE, 0, 1);
        guest.request(SET_DIRECTION, 0, Direction.OUT.code());
        assertAnswer(guest.request(SET_DIRECTION, 0, Direction.NONE.code()), OK, 0);
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
        // the earlier SET_VALUE is forgotten: a new output starts low
        assertAnswer(guest.request(SET_DIRECTION, 0, Direction.OUT.code()), OK, 0);
        assertThat(chip.observe(0)).isZero();
    }

    @Test
    void valuesOtherThanZeroOrOneAreRefused() throws Exception {
        guest(false);
        guest.request(SET_DIRECTION, 0, Direction.OUT.code());
        assertAnswer(guest.request(SET_VALUE, 0, 2), ERR, 0);
        assertAnswer(guest.request(SET_VALUE, 0, 0xffff_ffffL), ERR, 0);
        assertThat(chip.observe(0)).isZero();
    }

    @Test
    void outOfRangeLinesAndUnknownTypesAreRefused() throws Exception {
        guest(false);
        for (var t : List.of(GET_DIRECTION, SET_DIRECTION, GET_VALUE, SET_VALUE)) {
            assertAnswer(guest.request(t, 4, 0), ERR, 0);
            assertAnswer(guest.request(t, 0xffff, 0), ERR, 0);
        }
        assertAnswer(guest.request(0, 0, 0), ERR, 0);
        assertAnswer(guest.request(9, 0, 0), ERR, 0);
        assertAnswer(guest.request(0xffff, 0, 0), ERR, 0);
    }

    @Test
    void irqMessagesWithoutTheFeatureAreRefused() throws Exception {
        guest(false);
        guest.request(SET_DIRECTION, 1, Direction.IN.code());
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 1), ERR, 0);
    }

    @Test
    void irqTypeRules() throws Exception {
        guest(true);
        guest.request(SET_DIRECTION, 1, Direction.IN.code());
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 5), ERR, 0);
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 0x10), ERR, 0);
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 1), OK, 0);
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 1), OK, 0); // same type again is fine
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 2), ERR, 0); // change without NONE
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 0), OK, 0);
        assertAnswer(guest.request(SET_IRQ_TYPE, 1, 8), OK, 0);
        assertAnswer(guest.request(SET_IRQ_TYPE, 4, 1), ERR, 0);
        guest.request(SET_DIRECTION, 0, Direction.OUT.code());
        assertAnswer(guest.request(SET_IRQ_TYPE, 0, 1), ERR, 0);
        assertThat(GpioController.refusal(guest.virtio.controller().handle(SET_IRQ_TYPE.code(), 0, 1)))
                .isEqualTo(Refusal.IRQ_ON_OUTPUT);
    }

    @Test
    void anOutputCannotBeMadeWhileItsInterruptIsEnabled() throws Exception {
        guest(true);
        guest.request(SET_DIRECTION, 1, Direction.IN.code());
        guest.request(SET_IRQ_TYPE, 1, 3);
        assertAnswer(guest.request(SET_DIRECTION, 1, Direction.OUT.code()), ERR, 0);
        assertThat(chip.getDirection(1)).isEqualTo(Direction.IN);
    }

    @Test
    void requestSplitOverSeveralDescriptorsIsReassembled() throws Exception {
        guest(false);
        chip.drive(1, 1);
        guest.submit(GpioRequest.toBytes(GET_VALUE.code(), 1, 0), new int[] {3, 1, 4}, new int[] {1, 1});
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(1);
        assertAnswer(answers.getFirst(), OK, 1);
    }

    @Test
    void wrongRequestSizeIsAnsweredWithErr() throws Exception {
        guest(false);
        byte[] nine = Arrays.copyOf(GpioRequest.toBytes(SET_DIRECTION.code(), 0, 1), 9);
        guest.submit(nine, new int[] {9}, new int[] {2});
        guest.submit(Arrays.copyOf(nine, 7), new int[] {7}, new int[] {2});
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(2);
        answers.forEach(a -> assertAnswer(a, ERR, 0));
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void wrongResponseSizeIsAnsweredWithErrInTheRoomGiven() throws Exception {
        guest(false);
        guest.submit(GpioRequest.toBytes(SET_DIRECTION.code(), 0, 1), new int[] {8}, new int[] {1});
        guest.submit(GpioRequest.toBytes(SET_DIRECTION.code(), 0, 1), new int[] {8}, new int[] {3});
        guest.submit(GpioRequest.toBytes(GET_LINE_NAMES.code(), 0, 0), new int[] {8}, new int[] {2});
        List<Answer> answers = guest.serve();
        assertThat(answers).extracting(Answer::usedLength).containsExactly(1, 2, 2);
        assertThat(answers).extracting(Answer::status).containsOnly(ERR);
        assertThat(chip.getDirection(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void chainWithoutWritableBufferIsDroppedAndTheQueueGoesOn() throws Exception {
        guest(false);
        guest.submit(GpioRequest.toBytes(SET_DIRECTION.code(), 0, 1), new int[] {8}, new int[0]);
        guest.submit(GpioRequest.toBytes(GET_DIRECTION.code(), 0, 0), new int[] {8}, new int[] {2});
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0).usedLength()).isZero();
        assertAnswer(answers.get(1), OK, Direction.NONE.code());
        assertThat(guest.virtio.chainsDropped()).isEqualTo(1);
    }

    @Test
    void malformedChainIsReturnedEmptyAndTheQueueGoesOn() throws Exception {
        guest(false);
        guest.requestq.writeDescriptor(60, GuestHarness.REQ_BUFS, 8, 1, 60); // a descriptor linked to itself
        guest.requestq.pushAvail(60);
        guest.submit(GpioRequest.toBytes(GET_DIRECTION.code(), 0, 0), new int[] {8}, new int[] {2});
        guest.virtio.queueNotified(VirtioGpio.REQUESTQ);
        List<int[]> used = new java.util.ArrayList<>();
        // collect raw used elements: head 60 was never submitted through the driver queue's allocator
        long usedRing = guest.requestq.config().usedRing();
        int idx = guest.memory.readU16(usedRing + 2);
        for (int i = 0; i < idx; i++) {
            used.add(new int[] {(int) guest.memory.readU32(usedRing + 4 + 8L * i),
                (int) guest.memory.readU32(usedRing + 8 + 8L * i)});
        }
        assertThat(used).hasSize(2);
        assertThat(used.get(0)).containsExactly(60, 0);
        assertThat(used.get(1)[1]).isEqualTo(2);
    }

    @Test
    void driverIsNotifiedAfterABatch() throws Exception {
        guest(false);
        for (int i = 0; i < 5; i++) {
            guest.submit(GpioRequest.toBytes(GET_DIRECTION.code(), i % 4, 0), new int[] {8}, new int[] {2});
        }
        assertThat(guest.serve()).hasSize(5);
        assertThat(guest.requestNotifications).isEqualTo(1);
    }

    @Test
    void messagesForOneLineAreAnsweredInOrder() throws Exception {
        guest(false);
        int[] heads = new int[6];
        heads[0] = guest.submit(GpioRequest.toBytes(SET_VALUE.code(), 0, 1), new int[] {8}, new int[] {2});
        heads[1] = guest.submit(GpioRequest.toBytes(SET_DIRECTION.code(), 0, 1), new int[] {8}, new int[] {2});
        heads[2] = guest.submit(GpioRequest.toBytes(GET_VALUE.code(), 0, 0), new int[] {8}, new int[] {2});
        heads[3] = guest.submit(GpioRequest.toBytes(SET_VALUE.code(), 0, 0), new int[] {8}, new int[] {2});
        heads[4] = guest.submit(GpioRequest.toBytes(GET_VALUE.code(), 0, 0), new int[] {8}, new int[] {2});
        heads[5] = guest.submit(GpioRequest.toBytes(GET_DIRECTION.code(), 0, 0), new int[] {8}, new int[] {2});
        List<Answer> answers = guest.serve();
        assertThat(answers).extracting(Answer::head).containsExactly(heads[0], heads[1], heads[2], heads[3],
                heads[4], heads[5]);
        assertThat(answers).extracting(Answer::value).containsExactly(0, 0, 1, 0, 0, Direction.OUT.code());
    }
}
