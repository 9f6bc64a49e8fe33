package dev.vgpio.device;

import dev.vgpio.virtqueue.FuzzInput;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.device.GuestHarness.Answer;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import dev.vgpio.protocol.VirtioGpio;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the virtio-gpio device through real virtqueues ({@link GuestHarness}): requests with any bytes in chains of
 * any shape, batches of them, eventq buffers of any shape for any line, and input changes on the simulated chip, in
 * any order, with or without VIRTIO_GPIO_F_IRQ and line names.
 *
 * <p>Invariants: no exception escapes the device; every used length is at most the chain's writable bytes, and is
 * exactly what the spec gives for the request's shape (0 for a malformed chain or one without room, the response
 * size otherwise); every status is OK or ERR, every interrupt status VALID or INVALID, and VALID only for a line whose
 * interrupt is enabled; the chip and the controller hold exactly the line state that the requests answered OK set
 * (a model of direction, output value and interrupt type, checked on every line after every step), and GET_VALUE and
 * GET_DIRECTION report it; afterwards valid SET_VALUE and GET_VALUE requests on an output and an input are answered
 * correctly.
 *
 * <p>Input (see {@link FuzzInput}): a config byte (IRQ, names), the line count, then steps: 0 a well-formed request,
 * 1 a batch of requests in chains of any shape, 2 an eventq buffer, 3 an input change.
 */
class GpioDeviceFuzzTest {
    private static final int MAX_STEPS = 64;

    /** What the device should hold per line, from the requests it answered OK. */
    private static final class Model {
        final int[] direction;
        final int[] value;
        final IrqType[] irq;

        Model(int lines) {
            direction = new int[lines];
            value = new int[lines];
            irq = new IrqType[lines];
            Arrays.fill(value, -1);
            Arrays.fill(irq, IrqType.NONE);
        }

        /** Applies a request the device answered OK. */
        void ok(int type, int gpio, long v) {
            if (type == MessageType.SET_DIRECTION.code()) {
                if (v == Direction.NONE.code()) {
                    irq[gpio] = IrqType.NONE;
                    value[gpio] = -1;
                } else if (v == Direction.OUT.code()) {
                    value[gpio] = Math.max(value[gpio], 0);
                }
                direction[gpio] = (int) v;
            } else if (type == MessageType.SET_VALUE.code()) {
                value[gpio] = (int) v;
            } else if (type == MessageType.SET_IRQ_TYPE.code()) {
                IrqType t = IrqType.fromCode(v);
                if (t != IrqType.NONE && direction[gpio] == Direction.NONE.code()) {
                    direction[gpio] = Direction.IN.code();
                }
                irq[gpio] = t;
            }
        }
    }

    /** One eventq buffer pair in flight: its line, its slot, where its status byte is, and its writable bytes. */
    private record EventBuffer(int gpio, int slot, long status, int writable, boolean wellFormed) {
    }

    @FuzzTest
    void requestsAndInterrupts(byte[] bytes) throws Exception {
        FuzzInput in = new FuzzInput(bytes);
        int config = in.u8();
        boolean irq = (config & 1) != 0;
        boolean named = (config & 2) != 0;
        int lines = 1 + in.below(8);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            names.add(named && i != 1 ? "L" + i : "");
        }
        SimulatedChip chip = new SimulatedChip("fuzz", names);
        GpioController controller = new GpioController(chip);
        Model model = new Model(lines);
        Map<Integer, EventBuffer> events = new HashMap<>();
        try (GuestHarness guest = new GuestHarness(controller, irq)) {
            for (int step = 0; step < MAX_STEPS && in.hasMore(); step++) {
                switch (in.u8() & 3) {
                    case 0 -> wellFormedRequest(in, guest, chip, model);
                    case 1 -> requestBatch(in, guest, chip, model);
                    case 2 -> {
                        if (irq) {
                            eventBuffer(in, guest, events);
                        }
                    }
                    default -> {
                        chip.drive(in.below(lines), in.u8() & 1);
                        guest.virtio.onWakeup();
                    }
                }
                checkEvents(guest, model, events);
                checkLines(chip, controller, model);
            }
            validRequestsAreAnswered(guest, chip, irq);
        }
    }

    private static void wellFormedRequest(FuzzInput in, GuestHarness guest, SimulatedChip chip, Model model)
            throws Exception {
        int type = in.u8() % 8;
        int gpio = in.u8() % 10;
        long value = in.u8() % 10;
        int size = guest.virtio.controller().responseSize(type);
        int head = guest.submit(GpioRequest.toBytes(type, gpio, value), new int[] {8}, new int[] {size});
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(1);
        check(answers.getFirst(), head, type, gpio, value, new int[] {8}, new int[] {size}, guest, chip, model);
    }

    private static void requestBatch(FuzzInput in, GuestHarness guest, SimulatedChip chip, Model model)
            throws Exception {
        int count = 1 + in.below(4);
        Map<Integer, long[]> requests = new HashMap<>();
        Map<Integer, int[]> readables = new HashMap<>();
        Map<Integer, int[]> writables = new HashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] request = in.bytes(GpioRequest.SIZE);
            request = Arrays.copyOf(request, GpioRequest.SIZE);
            int[] readable = lengths(in);
            int[] writable = lengths(in);
            if (readable.length + writable.length == 0) {
                writable = new int[] {2};
            }
            int head = guest.submit(request, readable, writable);
            requests.put(head, new long[] {GpioRequest.read(MemorySegment.ofArray(request), 0)});
            readables.put(head, readable);
            writables.put(head, writable);
        }
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(count);
        for (Answer a : answers) {
            long[] r = requests.remove(a.head());
            assertThat(r).as("an answer for chain %d, which was submitted once", a.head()).isNotNull();
            check(a, a.head(), GpioRequest.type(r[0]), GpioRequest.gpio(r[0]), GpioRequest.value(r[0]),
                    readables.get(a.head()), writables.get(a.head()), guest, chip, model);
        }
    }

    private static boolean hasEmptyBuffer(int[] lengths) {
        return Arrays.stream(lengths).anyMatch(l -> l == 0);
    }

    /** Up to three buffer lengths of up to 255 bytes (0 makes the chain malformed). */
    private static int[] lengths(FuzzInput in) {
        int[] lengths = new int[in.below(4)];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = in.u8();
        }
        return lengths;
    }

    /**
     * Checks one answer against what the spec gives for a request of this shape, and the model against the
     * answer; applies the request to the model if it was answered OK.
     */
    private static void check(Answer a, int head, int type, int gpio, long value, int[] readables, int[] writable,
            GuestHarness guest, SimulatedChip chip, Model model) throws Exception {
        assertThat(a.head()).isEqualTo(head);
        int room = Arrays.stream(writable).sum();
        int readable = Arrays.stream(readables).sum();
        assertThat(a.usedLength()).as("used length").isBetween(0, room);
        GpioController controller = guest.virtio.controller();
        if (hasEmptyBuffer(readables) || hasEmptyBuffer(writable) || room == 0) {
            assertThat(a.usedLength()).as("used length of a chain the device cannot answer").isZero();
            return;
        }
        int size = controller.responseSize(type);
        boolean wellFormed = readable == GpioRequest.SIZE && room == size;
        if (!wellFormed) {
            assertThat(a.usedLength()).isEqualTo(Math.min(room, 2));
            assertThat(a.status()).isEqualTo(Status.ERR.code());
            return;
        }
        assertThat(a.usedLength()).isEqualTo(size);
        assertThat(a.status()).isIn(Status.OK.code(), Status.ERR.code());
        if (a.status() != Status.OK.code()) {
            return;
        }
        assertThat(type).isBetween(MessageType.GET_LINE_NAMES.code(), MessageType.SET_IRQ_TYPE.code());
        if (type == MessageType.GET_LINE_NAMES.code()) {
            assertThat(Arrays.copyOfRange(a.bytes(), 1, a.bytes().length))
                    .isEqualTo(LineNames.encode(chip.lineNames()));
            return;
        }
        assertThat(gpio).isLessThan(model.direction.length);
        if (type == MessageType.GET_VALUE.code()) {
            int expected = model.direction[gpio] == Direction.OUT.code() ? model.value[gpio] : chip.drivenLevel(gpio);
            assertThat(a.value()).as("GET_VALUE of line %d", gpio).isEqualTo(expected);
        } else if (type == MessageType.GET_DIRECTION.code()) {
            assertThat(a.value()).as("GET_DIRECTION of line %d", gpio).isEqualTo(model.direction[gpio]);
        } else {
            assertThat(a.value()).isZero();
            model.ok(type, gpio, value);
        }
    }

    private static void eventBuffer(FuzzInput in, GuestHarness guest, Map<Integer, EventBuffer> events)
            throws Exception {
        int gpio = in.u16();
        int shape = in.u8();
        int[] readable = {2};
        int[] writable = {1};
        if (shape != 0) {
            readable = small(in, shape & 3);
            writable = small(in, (shape >>> 2) & 3);
            if (readable.length + writable.length == 0) {
                writable = new int[] {1};
            }
        }
        int slot = 0;
        while (slot < GuestHarness.QUEUE_SIZE && slotTaken(events, slot)) {
            slot++;
        }
        if (guest.eventq.freeDescriptors() < readable.length + writable.length || slot == GuestHarness.QUEUE_SIZE) {
            return;
        }
        long base = GuestHarness.EVT_BUFS + 0x40L * slot;
        guest.memory.writeU16(base, gpio);
        guest.memory.fill(base + 2, 0x3e, (byte) 0xee);
        guest.eventq.begin();
        long at = base;
        for (int len : readable) {
            guest.eventq.readable(at, len);
            at += len;
        }
        long status = base + 0x20;
        at = status;
        for (int len : writable) {
            guest.eventq.writable(at, len);
            at += len;
        }
        int head = guest.eventq.submit();
        boolean wellFormed = !hasEmptyBuffer(readable) && !hasEmptyBuffer(writable)
                && Arrays.stream(readable).sum() == 2 && Arrays.stream(writable).sum() == 1;
        events.put(head, new EventBuffer(gpio, slot, status, Arrays.stream(writable).sum(), wellFormed));
        guest.eventq.publish();
        guest.virtio.queueNotified(VirtioGpio.EVENTQ);
    }

    private static boolean slotTaken(Map<Integer, EventBuffer> events, int slot) {
        return events.values().stream().anyMatch(b -> b.slot() == slot);
    }

    private static int[] small(FuzzInput in, int count) {
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            lengths[i] = in.u8() % 9;
        }
        return lengths;
    }

    /** Every returned interrupt buffer: a used length within its room, a valid status, VALID only if enabled. */
    private static void checkEvents(GuestHarness guest, Model model, Map<Integer, EventBuffer> events)
            throws Exception {
        List<int[]> used = new ArrayList<>();
        guest.eventq.drainUsed((h, len) -> used.add(new int[] {h, len}));
        for (int[] u : used) {
            EventBuffer b = events.remove(u[0]);
            assertThat(b).as("eventq returned chain %d, which is in flight", u[0]).isNotNull();
            assertThat(u[1]).as("eventq used length").isBetween(0, b.writable());
            if (b.wellFormed()) {
                assertThat(u[1]).isEqualTo(1);
            }
            if (u[1] == 0) {
                continue;
            }
            int status = guest.memory.readU8(b.status());
            assertThat(status).isIn(IrqStatus.INVALID.code(), IrqStatus.VALID.code());
            if (status == IrqStatus.VALID.code()) {
                assertThat(b.wellFormed()).isTrue();
                assertThat(b.gpio()).isLessThan(model.irq.length);
                assertThat(model.irq[b.gpio()]).as("interrupt of line %d", b.gpio()).isNotEqualTo(IrqType.NONE);
            }
        }
    }

    /** The chip and the controller hold what the model says, on every line. */
    private static void checkLines(SimulatedChip chip, GpioController controller, Model model) throws Exception {
        for (int gpio = 0; gpio < model.direction.length; gpio++) {
            Direction d = Direction.fromCode(model.direction[gpio]);
            assertThat(chip.getDirection(gpio)).as("direction of line %d on the chip", gpio).isEqualTo(d);
            assertThat(controller.direction(gpio)).as("direction of line %d", gpio).isEqualTo(d);
            if (d == Direction.OUT) {
                assertThat(chip.observe(gpio)).as("output of line %d", gpio).isEqualTo(model.value[gpio]);
            }
            IrqType irq = model.irq[gpio];
            assertThat(controller.irqType(gpio)).as("interrupt type of line %d", gpio).isEqualTo(irq);
            assertThat(chip.edgeDetection(gpio)).as("edge detection of line %d", gpio).isEqualTo(edgeOf(irq));
        }
    }

    private static Edge edgeOf(IrqType type) {
        return switch (type) {
            case NONE -> Edge.NONE;
            case EDGE_RISING -> Edge.RISING;
            case EDGE_FALLING -> Edge.FALLING;
            default -> Edge.BOTH;
        };
    }

    /** Line 0 as an output driven high and low, then as an input reading what the chip presents. */
    private static void validRequestsAreAnswered(GuestHarness guest, SimulatedChip chip, boolean irq)
            throws Exception {
        if (irq) {
            assertOk(guest.request(MessageType.SET_IRQ_TYPE, 0, IrqType.NONE.code()), 0);
        }
        assertOk(guest.request(MessageType.SET_DIRECTION, 0, Direction.OUT.code()), 0);
        for (int v : new int[] {1, 0}) {
            assertOk(guest.request(MessageType.SET_VALUE, 0, v), 0);
            assertOk(guest.request(MessageType.GET_VALUE, 0, 0), v);
            assertThat(chip.observe(0)).isEqualTo(v);
        }
        assertOk(guest.request(MessageType.SET_DIRECTION, 0, Direction.IN.code()), 0);
        for (int v : new int[] {1, 0}) {
            chip.drive(0, v);
            guest.virtio.onWakeup();
            assertOk(guest.request(MessageType.GET_VALUE, 0, 0), v);
        }
    }

    private static void assertOk(Answer a, int value) {
        assertThat(a.usedLength()).isEqualTo(2);
        assertThat(a.status()).isEqualTo(Status.OK.code());
        assertThat(a.value()).isEqualTo(value);
    }
}
