package dev.vgpio.virtqueue;

import static dev.vgpio.virtqueue.Ring.DATA;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class VirtqueuePropertiesTest {
    record Spec(List<Integer> readable, List<Integer> writable, boolean indirect) {
        int buffers() {
            return readable.size() + writable.size();
        }
    }

    @Provide
    Arbitrary<Spec> chains() {
        Arbitrary<List<Integer>> lengths = Arbitraries.integers().between(1, 64).list().ofMaxSize(4);
        return Combinators.combine(lengths, lengths, Arbitraries.of(true, false))
                .as(Spec::new)
                .filter(s -> s.buffers() > 0);
    }

    /**
     * Whatever mix of direct and indirect chains the driver submits, in whatever batches, the device sees exactly
     * those buffers in order and the driver gets every head back with the device's length, and all descriptors
     * are free again at the end.
     */
    @Property(tries = 150)
    void deviceSeesExactlyWhatTheDriverSubmitted(@ForAll @Size(max = 60) List<@From("chains") Spec> specs,
            @ForAll boolean eventIdx) throws Exception {
        RingFeatures features = new RingFeatures(eventIdx, true);
        try (Ring ring = new Ring(16, features)) {
            ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
            List<Integer> returned = new ArrayList<>();
            List<Integer> expected = new ArrayList<>();
            long cursor = DATA;
            long tables = DATA + 0x4_0000;
            int i = 0;
            while (i < specs.size() || !inFlight.isEmpty()) {
                // submit as many as fit
                while (i < specs.size()) {
                    Spec s = specs.get(i);
                    int needed = s.indirect() ? 1 : s.buffers();
                    if (needed > ring.driver.freeDescriptors()) {
                        break;
                    }
                    ring.driver.begin();
                    List<long[]> bufs = new ArrayList<>();
                    for (int len : s.readable()) {
                        ring.driver.readable(cursor, len);
                        bufs.add(new long[] {cursor, len, 0});
                        cursor += len;
                    }
                    for (int len : s.writable()) {
                        ring.driver.writable(cursor, len);
                        bufs.add(new long[] {cursor, len, 1});
                        cursor += len;
                    }
                    int head = s.indirect() ? ring.driver.submitIndirect(tables + 0x100L * i) : ring.driver.submit();
                    inFlight.add(new Object[] {head, bufs});
                    i++;
                }
                ring.driver.publish();
                // device serves everything available
                while (ring.device.pop(ring.chain)) {
                    Object[] want = inFlight.poll();
                    assertThat(want).isNotNull();
                    assertThat(ring.chain.head()).isEqualTo(want[0]);
                    @SuppressWarnings("unchecked")
                    List<long[]> bufs = (List<long[]>) want[1];
                    assertThat(ring.chain.size()).isEqualTo(bufs.size());
                    for (int b = 0; b < bufs.size(); b++) {
                        assertThat(ring.chain.address(b)).isEqualTo(bufs.get(b)[0]);
                        assertThat(ring.chain.length(b)).isEqualTo((int) bufs.get(b)[1]);
                        assertThat(ring.chain.isWritable(b)).isEqualTo(bufs.get(b)[2] == 1);
                    }
                    int len = (int) Math.min(ring.chain.writableBytes(), 3);
                    ring.device.addUsed(ring.chain.head(), len);
                    expected.add(ring.chain.head() * 100 + len);
                }
                ring.driver.drainUsed((h, len) -> returned.add(h * 100 + len));
            }
            assertThat(returned).isEqualTo(expected);
            assertThat(returned).hasSize(specs.size());
            assertThat(ring.driver.freeDescriptors()).isEqualTo(16);
            assertThat(ring.driver.inFlightChains()).isZero();
        }
    }
}
