package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GuestHarness.Answer;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.GpioRequest;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
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
    /** What each line takes (docs/line-config.md): every setting, pulls only, nothing, debounce, open drain. */
    static final int[] CAPS = {LineCaps.ALL, LineCaps.PULL_UP | LineCaps.PULL_DOWN, 0, LineCaps.DEBOUNCE,
        LineCaps.OPEN_DRAIN | LineCaps.BIAS_DISABLED};

    /** One step: a request (maybe malformed in size), or the host driving an input. */
    record Step(int kind, int type, int gpio, long value, int requestSize, int responseSize, int level) {
        static final int REQUEST = 0;
        static final int DRIVE = 1;
        static final int RELEASE = 2;

        @Override
        public String toString() {
            return kind == RELEASE ? "release(" + gpio + ")" : kind == DRIVE ? "drive(" + gpio + "," + level + ")"
                    : "req(type=" + type + ", gpio=" + gpio + ", value=" + value + ", sizes=" + requestSize + "/"
                            + responseSize + ")";
        }
    }

    @Provide
    Arbitrary<Step> steps() {
        Arbitrary<Integer> type = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(1, 6)),
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(7, 8)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0, 9, 0x100, 0xffff)));
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
        Arbitrary<Long> setting = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, settings()),
                net.jqwik.api.Tuple.of(1, value));
        Arbitrary<Step> request = type.flatMap(t -> Combinators.combine(gpio, t == 8 ? setting : value, reqSize,
                respDelta).as((g, v, rs, rd) -> new Step(Step.REQUEST, t, g, v, rs, rd, 0)));
        Arbitrary<Step> drive = Combinators.combine(Arbitraries.integers().between(0, LINES - 1),
                Arbitraries.integers().between(0, 1)).as((g, l) -> new Step(Step.DRIVE, 0, g, 0, 0, 0, l));
        Arbitrary<Step> release = Arbitraries.integers().between(0, LINES - 1)
                .map(g -> new Step(Step.RELEASE, 0, g, 0, 0, 0, 0));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, request), net.jqwik.api.Tuple.of(1, drive),
                net.jqwik.api.Tuple.of(1, release));
    }

    /**
     * SET_LINE_CONFIG values: every parameter with good and bad arguments; debounce periods long enough (10 s and
     * more) that no change lasts them while a sequence runs, so that a debounced input keeps its level.
     */
    static Arbitrary<Long> settings() {
        Arbitrary<Integer> param = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 3)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0, 4, 0xff)));
        Arbitrary<Integer> arg = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 3)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(4, 10_000_000, LineConfig.MAX_DEBOUNCE_US)));
        return Combinators.combine(param, arg).as((p, a) -> (long) p | (long) a << 8);
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
        final boolean lineConfig;
        final boolean[] held = new boolean[LINES];
        final int[] bias = new int[LINES];
        final int[] drive = new int[LINES];
        final int[] debounce = new int[LINES];
        /** The level a debounced input settled at (no change lasts a period while a sequence runs). */
        final int[] settled = new int[LINES];

        Model(boolean irq, boolean lineConfig) {
            this.irq = irq;
            this.lineConfig = lineConfig;
        }

        /** The level the outside presents: what holds the line, else its pull, else where it was left. */
        int outside(int gpio) {
            return held[gpio] ? external[gpio] : bias[gpio] == 2 ? 1 : bias[gpio] == 3 ? 0 : external[gpio];
        }

        /** What the host sees on the wire. */
        int observe(int gpio) {
            if (dir[gpio] != 1) {
                return outside(gpio);
            }
            boolean letGo = drive[gpio] == 1 && out[gpio] == 1 || drive[gpio] == 2 && out[gpio] == 0;
            return letGo ? outside(gpio) : out[gpio];
        }

        /** What GET_VALUE answers: the wire, or a debounced input's settled level. */
        int value(int gpio) {
            return dir[gpio] == 2 && debounce[gpio] != 0 ? settled[gpio] : observe(gpio);
        }

        int setLineConfig(int gpio, long value) {
            final int err = 1;
            int param = (int) value & 0xff;
            int arg = (int) (value >>> 8);
            int caps = CAPS[gpio];
            switch (param) {
                case 1 -> {
                    int[] capOf = {0, LineCaps.BIAS_DISABLED, LineCaps.PULL_UP, LineCaps.PULL_DOWN};
                    if (arg > 3 || (caps & capOf[arg]) != capOf[arg]) {
                        return err;
                    }
                    if (!held[gpio]) {
                        external[gpio] = outside(gpio);
                    }
                    bias[gpio] = arg;
                }
                case 2 -> {
                    int[] capOf = {0, LineCaps.OPEN_DRAIN, LineCaps.OPEN_SOURCE};
                    if (arg > 2 || (caps & capOf[arg]) != capOf[arg]) {
                        return err;
                    }
                    drive[gpio] = arg;
                }
                case 3 -> {
                    if (arg != 0 && (caps & LineCaps.DEBOUNCE) == 0) {
                        return err;
                    }
                    if (arg != debounce[gpio]) {
                        settled[gpio] = outside(gpio);
                    }
                    debounce[gpio] = arg;
                }
                default -> {
                    return err;
                }
            }
            return 0;
        }

        int responseSize(int type) {
            return type == 1 ? 1 + namesSize : 2;
        }

        /** status | value << 8 */
        int apply(int type, int gpio, long value) {
            final int err = 1;
            if (type < 1 || type > 8 || type >= 7 && !lineConfig) {
                return err;
            }
            if (type == 1) {
                return 0;
            }
            if (gpio >= LINES) {
                return err;
            }
            switch (type) {
                case 7:
                    return CAPS[gpio] << 8;
                case 8:
                    return setLineConfig(gpio, value);
                case 2:
                    return dir[gpio] << 8;
                case 3:
                    if (value > 2) {
                        return err;
                    }
                    if (value == 0) {
                        if (!held[gpio]) {
                            external[gpio] = outside(gpio);
                        }
                        dir[gpio] = 0;
                        pending[gpio] = -1;
                        irqType[gpio] = 0;
                        out[gpio] = 0;
                        bias[gpio] = 0;
                        drive[gpio] = 0;
                        debounce[gpio] = 0;
                    } else if (value == 1) {
                        if (irqType[gpio] != 0) {
                            return err;
                        }
                        out[gpio] = pending[gpio] >= 0 ? pending[gpio] : dir[gpio] == 1 ? out[gpio] : 0;
                        pending[gpio] = out[gpio];
                        dir[gpio] = 1;
                    } else {
                        dir[gpio] = 2;
                        settled[gpio] = outside(gpio);
                    }
                    return 0;
                case 4:
                    return value(gpio) << 8;
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
                        settled[gpio] = outside(gpio);
                    }
                    irqType[gpio] = (int) value;
                    return 0;
            }
        }
    }

    @Property(tries = 500, edgeCases = net.jqwik.api.EdgeCasesMode.MIXIN)
    void deviceAnswersLikeTheModel(@ForAll @Size(max = 80) List<@From("steps") Step> steps, @ForAll boolean irq,
            @ForAll boolean lineConfig) throws Exception {
        SimulatedChip chip = new SimulatedChip("sim", NAMES, CAPS);
        Model model = new Model(irq, lineConfig);
        try (GuestHarness guest = new GuestHarness(new GpioController(chip), irq)) {
            guest.virtio.negotiate(VirtioFeature.SPLIT_RING | (irq ? GpioFeatures.IRQ : 0)
                    | (lineConfig ? GpioFeatures.LINE_CONFIG : 0));
            List<Step> batch = new ArrayList<>();
            for (Step s : steps) {
                if (s.kind() == Step.DRIVE) {
                    flush(guest, batch, model);
                    chip.drive(s.gpio(), s.level());
                    model.external[s.gpio()] = s.level();
                    model.held[s.gpio()] = true;
                    guest.virtio.onWakeup();
                    continue;
                }
                if (s.kind() == Step.RELEASE) {
                    flush(guest, batch, model);
                    chip.release(s.gpio());
                    model.held[s.gpio()] = false;
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
                assertThat(chip.observe(i)).as("level of line %d", i).isEqualTo(model.observe(i));
                assertThat(chip.bias(i).code()).as("bias of line %d", i).isEqualTo(model.bias[i]);
                assertThat(chip.drive(i).code()).as("drive of line %d", i).isEqualTo(model.drive[i]);
                assertThat(chip.debounce(i)).as("debounce of line %d", i).isEqualTo(model.debounce[i]);
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
