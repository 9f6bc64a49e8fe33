package dev.vgpio.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ActivityRingTest {
    /** A record copied out of the ring. */
    record Copy(byte kind, int line, int type, int value, int outcome, int state, int irqType, long nanos) {
        static Copy of(ActivityRing.Record r) {
            return new Copy(r.kind(), r.line(), r.type(), r.value(), r.outcome(), r.state(), r.irqType(), r.nanos());
        }
    }

    private static List<Copy> drain(ActivityRing ring) {
        List<Copy> out = new ArrayList<>();
        ring.drain(r -> out.add(Copy.of(r)), Integer.MAX_VALUE);
        return out;
    }

    @Test
    void recordsComeOutAsWrittenWithEveryFieldWhole() {
        ActivityRing ring = new ActivityRing(8);
        long before = System.nanoTime();
        assertThat(ring.write(ActivityRing.REQUEST, 65535, 0xffff, -1, 0x10001, 0xff, 8)).isTrue();
        assertThat(ring.write(ActivityRing.EDGE, 3, 0, 1, 0, 1, 3)).isTrue();
        List<Copy> got = drain(ring);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).isEqualTo(new Copy(ActivityRing.REQUEST, 65535, 0xffff, -1, 0x10001, 0xff, 8,
                got.get(0).nanos()));
        assertThat(got.get(0).nanos()).isBetween(before, System.nanoTime());
        assertThat(got.get(1).kind()).isEqualTo(ActivityRing.EDGE);
        assertThat(drain(ring)).isEmpty();
    }

    @Test
    void aFullRingDropsAndCountsInsteadOfWaiting() {
        ActivityRing ring = new ActivityRing(4);
        for (int i = 0; i < 4; i++) {
            assertThat(ring.write(ActivityRing.DRIVEN, i, 0, 1, 0, 0, 0)).isTrue();
        }
        assertThat(ring.write(ActivityRing.DRIVEN, 9, 0, 1, 0, 0, 0)).isFalse();
        assertThat(ring.dropped()).isEqualTo(1);
        assertThat(ring.drain(r -> { }, 2)).isEqualTo(2);
        assertThat(ring.write(ActivityRing.DRIVEN, 4, 0, 1, 0, 0, 0)).isTrue();
        assertThat(drain(ring)).extracting(Copy::line).containsExactly(2, 3, 4);
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new ActivityRing(3)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ActivityRing(1)).hasMessageContaining("power of two");
    }

    @Test
    void twoWritersAndAReaderLoseNothingAndKeepEachWritersOrder() throws Exception {
        ActivityRing ring = new ActivityRing(64);
        int each = 200_000;
        AtomicBoolean go = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            writers.add(Thread.ofPlatform().start(() -> {
                while (!go.get()) {
                    Thread.onSpinWait();
                }
                for (int i = 0; i < each; ) {
                    if (ring.write(ActivityRing.DRIVEN, writer, 0, i, ~i, 0, 0)) {
                        i++; // full: try again (a real writer would drop it)
                    }
                }
            }));
        }
        int[] next = new int[2];
        long[] bad = new long[1];
        go.set(true);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ((next[0] < each || next[1] < each) && System.nanoTime() < deadline) {
            ring.drain(r -> {
                int w = r.line();
                if (r.value() != next[w] || r.outcome() != ~r.value()) {
                    bad[0]++;
                }
                next[w] = r.value() + 1;
            }, 64);
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(next).containsExactly(each, each);
        assertThat(bad[0]).isZero();
    }

    @Test
    void theControllerRecordsRequestsWithTheLinesStateAfterThem() throws Exception {
        SimulatedChip chip = new SimulatedChip("t", List.of("LED", "BUTTON"));
        GpioController c = new GpioController(chip);
        c.negotiate(dev.vgpio.protocol.GpioFeatures.IRQ);
        ActivityRing ring = new ActivityRing(16);
        c.setActivity(ring);
        c.handle(MessageType.SET_VALUE.code(), 0, 1);
        c.handle(MessageType.SET_DIRECTION.code(), 0, Direction.OUT.code());
        c.handle(MessageType.SET_DIRECTION.code(), 1, Direction.IN.code());
        c.handle(MessageType.SET_IRQ_TYPE.code(), 1, IrqType.EDGE_RISING.code());
        c.handle(MessageType.SET_VALUE.code(), 7, 1);
        c.unmask(1, 42);
        c.onEdge(1, true);
        List<Copy> got = drain(ring);
        assertThat(got).extracting(Copy::kind).containsExactly(ActivityRing.REQUEST, ActivityRing.REQUEST,
                ActivityRing.REQUEST, ActivityRing.REQUEST, ActivityRing.REQUEST, ActivityRing.UNMASK,
                ActivityRing.EDGE, ActivityRing.INTERRUPT);
        assertThat(got.get(0).state()).as("a value set before the direction")
                .isEqualTo(ActivityRing.STATE_VALUE | ActivityRing.STATE_VALUE_SET);
        assertThat(got.get(1).state() & ActivityRing.STATE_DIRECTION_MASK).isEqualTo(Direction.OUT.code());
        assertThat(got.get(3).irqType()).isEqualTo(IrqType.EDGE_RISING.code());
        assertThat(GpioController.refused(got.get(4).outcome())).as("line 7 does not exist").isTrue();
        assertThat(got.get(5).state() & ActivityRing.STATE_UNMASKED).isNotZero();
        assertThat(got.get(6).value()).as("rising").isEqualTo(1);
        assertThat(got.get(7).type()).isEqualTo(dev.vgpio.protocol.IrqStatus.VALID.code());
        assertThat(got.get(7).state() & ActivityRing.STATE_UNMASKED).as("the buffer went back").isZero();
    }
}
