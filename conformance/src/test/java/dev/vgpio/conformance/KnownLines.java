package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.driver.Answer;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.util.List;

/**
 * The lines of the daemons the hostile-guest suite and the soak attack, and the state they must keep: lines 0 and
 * 1 are the conformance suite's and 2 and 3 scratch lines (all released between uses); 4 to 7 are set once, through
 * a well-behaved front end, and checked after everything, through a new front end and then the chip. A new driver
 * finds every interrupt disabled (the device disables them when a driver starts afresh), so no interrupt is part
 * of the state: rows that enable one do so on their own connection.
 */
final class KnownLines {
    static final List<String> NAMES = List.of("LED", "BUTTON", "SCRATCH_A", "SCRATCH_B", "OUT_HIGH", "OUT_LOW",
            "IRQ_RISING", "IN_HIGH");
    static final int SCRATCH_A = 2;
    static final int SCRATCH_B = 3;
    static final int OUT_HIGH = 4;
    static final int OUT_LOW = 5;
    static final int IRQ_RISING = 6;
    static final int IN_HIGH = 7;

    private KnownLines() {
    }

    /** Sets lines 4 to 7: an output at 1, an output at 0, an input (whose interrupt rows enable), an input at 1. */
    static void set(SimulatedChip sim, Target target) throws Exception {
        try (Session s = Session.open(target, "known state", true, new Observations())) {
            ok(s, MessageType.SET_VALUE, OUT_HIGH, 1);
            ok(s, MessageType.SET_DIRECTION, OUT_HIGH, Direction.OUT.code());
            ok(s, MessageType.SET_DIRECTION, OUT_LOW, Direction.OUT.code());
            ok(s, MessageType.SET_DIRECTION, IRQ_RISING, Direction.IN.code());
            ok(s, MessageType.SET_DIRECTION, IN_HIGH, Direction.IN.code());
        }
        sim.drive(IN_HIGH, 1);
    }

    /**
     * Lines 0 to 3 released, lines 4 to 7 as {@link #set} left them, and no line detecting edges: seen by a new
     * front end, then by the chip.
     */
    static void assertIntact(SimulatedChip sim, Target target, String when) throws Exception {
        try (Session s = Session.open(target, "line state " + when, true, new Observations())) {
            int[] want = {0, 0, 0, 0, Direction.OUT.code(), Direction.OUT.code(), Direction.IN.code(),
                Direction.IN.code()};
            for (int line = 0; line < want.length; line++) {
                assertThat(ok(s, MessageType.GET_DIRECTION, line, 0)).as("%s: GET_DIRECTION %d", when, line)
                        .isEqualTo(want[line]);
            }
            assertThat(ok(s, MessageType.GET_VALUE, OUT_HIGH, 0)).as("%s: GET_VALUE OUT_HIGH", when).isEqualTo(1);
            assertThat(ok(s, MessageType.GET_VALUE, OUT_LOW, 0)).as("%s: GET_VALUE OUT_LOW", when).isZero();
            assertThat(ok(s, MessageType.GET_VALUE, IRQ_RISING, 0)).as("%s: GET_VALUE IRQ_RISING", when).isZero();
            assertThat(ok(s, MessageType.GET_VALUE, IN_HIGH, 0)).as("%s: GET_VALUE IN_HIGH", when).isEqualTo(1);
        }
        for (int line = 0; line <= SCRATCH_B; line++) {
            assertThat(sim.getDirection(line)).as("%s: line %d direction", when, line).isEqualTo(Direction.NONE);
        }
        for (int line = 0; line < NAMES.size(); line++) {
            assertThat(sim.edgeDetection(line)).as("%s: line %d edge detection", when, line).isEqualTo(Edge.NONE);
        }
        assertThat(sim.getDirection(OUT_HIGH)).as("%s: OUT_HIGH", when).isEqualTo(Direction.OUT);
        assertThat(sim.observe(OUT_HIGH)).as("%s: OUT_HIGH level", when).isEqualTo(1);
        assertThat(sim.getDirection(OUT_LOW)).as("%s: OUT_LOW", when).isEqualTo(Direction.OUT);
        assertThat(sim.observe(OUT_LOW)).as("%s: OUT_LOW level", when).isZero();
        assertThat(sim.getDirection(IRQ_RISING)).as("%s: IRQ_RISING", when).isEqualTo(Direction.IN);
        assertThat(sim.getDirection(IN_HIGH)).as("%s: IN_HIGH", when).isEqualTo(Direction.IN);
    }

    static int ok(Session s, MessageType type, int gpio, long value) throws IOException {
        Answer a = s.call(type.code(), gpio, value);
        assertThat(a.status()).as("%s for line %d", type, gpio).isZero();
        return a.value();
    }
}
