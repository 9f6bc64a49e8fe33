package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GuestHarness.Answer;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineNames;
import dev.vgpio.protocol.MessageType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random sequences of valid and invalid requests, sent through a driver-side virtqueue in guest memory, checked
 * answer by answer against a small model of the chip written from the spec.
 */
class DevicePropertiesTest {
    static final int LINES = 5;
    static final List<String> NAMES = Arrays.asList("A", "", "C", "D", "");

    /** One step: a request (maybe malformed in size), or the host driving an input. */
    record Step(int kind, int type, int gpio, long value, int requestSize, int responseSize, int level) {
        static final int REQUEST = 0;
        static final int DRIVE = 1;

        @Override
        public String toString() {
            return kind == DRIVE ? "drive(" + gpio + "," + level + ")"
                    : "req(type=" + type + ", gpio=" + gpio + ", value=" + value + ", sizes=" + requestSize + "/"
                            + responseSize + ")";
        }
    }

    @Provide
    Arbitrary<Step> steps() {
        Arbitrary<Integer> type = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(1, 6)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0, 7, 0x100, 0xffff)));
        Arbitrary<Integer> gpio = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(0, LINES - 1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(LINES, 0xffff)));
        Arbitrary<Long> value = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.longs().between(0, 3)),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(4L, 8L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(5L, 0x100L, 0xffff_ffffL)));
        Arbitrary<Integer> reqSize = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(30, Arbitraries.just(8)), net.jqwik.api.Tuple.of(1, Arbitraries.of(4, 7, 9)));
        Arbitrary<Integer> respDelta = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(30, Arbitraries.just(0)), net.jqwik.api.Tuple.of(1, Arbitraries.of(-1, 1, 5)));
        Arbitrary<Step> request = Combinators.combine(type, gpio, value, reqSize, respDelta)
                .as((t, g, v, rs, rd) -> new Step(Step.REQUEST, t, g, v, rs, rd, 0));
        Arbitrary<Step> drive = Combinators.combine(Arbitraries.integers().between(0, LINES - 1),
                Arbitraries.integers().between(0, 1)).as((g, l) -> new Step(Step.DRIVE, 0, g, 0, 0, 0, l));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, request), net.jqwik.api.Tuple.of(1, drive));
    }

    /** The spec's semantics for one chip, as simple as possible. */
    static final class Model {
        final boolean irq;
        final int namesSize = LineNames.encodedSize(NAMES);
        final int[] dir = new int[LINES]; // 0 none, 1 out, 2 in
        final int[] out = new int[LINES];
        final int[] pending = {-1, -1, -1, -1, -1};
        final int[] external = new int[LINES];
        final int[] irqType = new int[LINES];

        Model(boolean irq) {
            this.irq = irq;
        }

        int responseSize(int type) {
            return type == 1 ? 1 + namesSize : 2;
        }

        /** status | value << 8 */
        int apply(int type, int gpio, long value) {
            final int err = 1;
            if (type < 1 || type > 6) {
                return err;
            }
            if (type == 1) {
                return 0;
            }
            if (gpio >= LINES) {
                return err;
            }
            switch (type) {
                case 2:
                    return dir[gpio] << 8;
                case 3:
                    if (value > 2) {
                        return err;
                    }
                    if (value == 0) {
                        dir[gpio] = 0;
                        pending[gpio] = -1;
                        irqType[gpio] = 0;
                        out[gpio] = 0;
                    } else if (value == 1) {
                        if (irqType[gpio] != 0) {
                            return err;
                        }
                        out[gpio] = pending[gpio] >= 0 ? pending[gpio] : dir[gpio] == 1 ? out[gpio] : 0;
                        pending[gpio] = out[gpio];
                        dir[gpio] = 1;
                    } else {
                        dir[gpio] = 2;
                    }
                    return 0;
                case 4:
                    return (dir[gpio] == 1 ? out[gpio] : external[gpio]) << 8;
                case 5:
                    if (value > 1) {
                        return err;
                    }
                    if (dir[gpio] == 1) {
                        out[gpio] = (int) value;
                    }
                    pending[gpio] = (int) value;
                    return 0;
                default: // SET_IRQ_TYPE
                    if (!irq || IrqType.fromCode(value) == null) {
                        return err;
                    }
                    if (value == 0) {
                        irqType[gpio] = 0;
                        return 0;
                    }
                    if (dir[gpio] == 1) {
                        return err;
                    }
                    if (irqType[gpio] == value) {
                        return 0;
                    }
                    if (irqType[gpio] != 0) {
                        return err;
                    }
                    if (dir[gpio] == 0) {
                        dir[gpio] = 2;
                    }
                    irqType[gpio] = (int) value;
                    return 0;
            }
        }
    }

    @Property(tries = 300)
    void deviceAnswersLikeTheModel(@ForAll @Size(max = 80) List<@From("steps") Step> steps, @ForAll boolean irq)
            throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", NAMES);
        Model model = new Model(irq);
        try (GuestHarness guest = new GuestHarness(new GpioController(chip), irq)) {
            List<Step> batch = new ArrayList<>();
            for (Step s : steps) {
                if (s.kind() == Step.DRIVE) {
                    flush(guest, batch, model);
                    chip.drive(s.gpio(), s.level());
                    model.external[s.gpio()] = s.level();
                    guest.virtio.onWakeup();
                    continue;
                }
                int expectedSize = model.responseSize(s.type());
                int respSize = Math.max(1, expectedSize + s.responseSize());
                byte[] request = Arrays.copyOf(GpioRequest.toBytes(s.type(), s.gpio(), s.value()),
                        s.requestSize());
                guest.submit(request, new int[] {s.requestSize()}, new int[] {respSize});
                batch.add(new Step(s.kind(), s.type(), s.gpio(), s.value(), s.requestSize(), respSize, 0));
                if (batch.size() == 16) {
                    flush(guest, batch, model);
                }
            }
            flush(guest, batch, model);
            for (int i = 0; i < LINES; i++) {
                assertThat(chip.getDirection(i).code()).as("direction of line %d", i).isEqualTo(model.dir[i]);
                assertThat(chip.observe(i)).as("level of line %d", i)
                        .isEqualTo(model.dir[i] == 1 ? model.out[i] : model.external[i]);
                assertThat(guest.virtio.controller().irqType(i).code()).isEqualTo(model.irqType[i]);
            }
        }
    }

    private static void flush(GuestHarness guest, List<Step> batch, Model model) throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        List<Answer> answers = guest.serve();
        assertThat(answers).hasSize(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Step s = batch.get(i);
            Answer a = answers.get(i);
            int expectedSize = model.responseSize(s.type());
            if (s.requestSize() != 8 || s.responseSize() != expectedSize) {
                assertThat(a.usedLength()).as("%s", s).isEqualTo(Math.min(s.responseSize(), 2));
                assertThat(a.status()).as("%s", s).isEqualTo(1);
                continue;
            }
            int want = model.apply(s.type(), s.gpio(), s.value());
            assertThat(a.usedLength()).as("used length of %s", s).isEqualTo(expectedSize);
            assertThat(a.status()).as("status of %s", s).isEqualTo(want & 0xff);
            if (s.type() == MessageType.GET_LINE_NAMES.code()) {
                assertThat(LineNames.decode(Arrays.copyOfRange(a.bytes(), 1, a.bytes().length), LINES))
                        .containsExactlyElementsOf(NAMES.stream().map(n -> n == null ? "" : n).toList());
            } else {
                assertThat(a.value()).as("value of %s", s).isEqualTo(want >>> 8);
            }
        }
        batch.clear();
    }
}
