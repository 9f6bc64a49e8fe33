package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random interleavings of SET_IRQ_TYPE, eventq buffers (unmask) and host-driven levels on one input line, through
 * real queues, compared event by event with a model of the spec's interrupt rules.
 */
class InterruptPropertiesTest {
    static final int LINE = 1;

    /** kind 0: SET_IRQ_TYPE value; 1: unmask; 2: drive value. */
    record Op(int kind, int value) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0 -> "irqType(" + value + ")";
                case 1 -> "unmask";
                default -> "drive(" + value + ")";
            };
        }
    }

    @Provide
    Arbitrary<Op> ops() {
        return Arbitraries.oneOf(
                Arbitraries.of(0, 1, 2, 3, 4, 8).map(t -> new Op(0, t)),
                Arbitraries.just(new Op(1, 0)),
                Arbitraries.just(new Op(1, 0)),
                Arbitraries.of(0, 1).map(l -> new Op(2, l)),
                Arbitraries.of(0, 1).map(l -> new Op(2, l)));
    }

    /** The spec's rules for one line: returns the statuses of the interrupt buffers returned by each step. */
    static final class Model {
        int type;
        boolean unmasked;
        boolean latched;
        int level;

        boolean edge() {
            return type >= 1 && type <= 3;
        }

        boolean levelActive() {
            return (type == 4 && level == 1) || (type == 8 && level == 0);
        }

        /** Returns the request status for SET_IRQ_TYPE, and adds returned buffers to {@code events}. */
        int apply(Op op, List<Integer> events) {
            switch (op.kind()) {
                case 0 -> {
                    int t = op.value();
                    if (t == 0) {
                        type = 0;
                        latched = false;
                        if (unmasked) {
                            unmasked = false;
                            events.add(0);
                        }
                        return 0;
                    }
                    if (type == t) {
                        return 0;
                    }
                    if (type != 0) {
                        return 1;
                    }
                    type = t;
                    latched = false;
                    return 0;
                }
                case 1 -> {
                    if (unmasked || type == 0) {
                        events.add(0);
                    } else if ((edge() && latched) || levelActive()) {
                        latched = false;
                        events.add(1);
                    } else {
                        unmasked = true;
                    }
                    return 0;
                }
                default -> {
                    if (op.value() == level) {
                        return 0;
                    }
                    level = op.value();
                    boolean rising = level == 1;
                    if (edge() && (type == 3 || (type == 1) == rising)) {
                        if (unmasked) {
                            unmasked = false;
                            events.add(1);
                        } else {
                            latched = true;
                        }
                    } else if (levelActive() && unmasked) {
                        unmasked = false;
                        events.add(1);
                    }
                    return 0;
                }
            }
        }
    }

    @Property(tries = 300)
    void interruptsFollowTheSpec(@ForAll @Size(max = 60) List<@From("ops") Op> ops) throws Exception {
        SimulatedChip chip = SimulatedChip.withLines("sim", 2, "L");
        Model model = new Model();
        try (GuestHarness guest = new GuestHarness(new GpioController(chip), true)) {
            assertThat(guest.request(MessageType.SET_DIRECTION, LINE, Direction.IN.code()).status()).isZero();
            List<String> trace = new ArrayList<>();
            for (Op op : ops) {
                trace.add(op.toString());
                List<Integer> expected = new ArrayList<>();
                int status = model.apply(op, expected);
                switch (op.kind()) {
                    case 0 -> assertThat(guest.request(MessageType.SET_IRQ_TYPE, LINE, op.value()).status())
                            .as("status after %s", trace).isEqualTo(status);
                    case 1 -> guest.unmask(LINE);
                    default -> {
                        chip.drive(LINE, op.value());
                        guest.virtio.onWakeup();
                    }
                }
                List<Integer> actual = guest.events().stream().map(e -> {
                    assertThat(e[2]).as("used length").isEqualTo(1);
                    return e[1];
                }).toList();
                assertThat(actual).as("interrupt buffers returned after %s", trace).isEqualTo(expected);
                assertThat(guest.virtio.controller().irqType(LINE)).isEqualTo(IrqType.fromCode(model.type));
            }
        }
    }
}
