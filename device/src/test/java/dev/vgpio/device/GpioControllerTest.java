package dev.vgpio.device;

import static dev.vgpio.protocol.MessageType.GET_DIRECTION;
import static dev.vgpio.protocol.MessageType.GET_LINE_NAMES;
import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_IRQ_TYPE;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.IrqStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The controller alone: outcomes, refusals as returned values, and line state kept by the controller itself. */
class GpioControllerTest {
    private final SimulatedChip chip = new SimulatedChip("t", List.of("A", "B"));
    private final GpioController controller = new GpioController(chip);

    private int handle(MessageType type, int gpio, long value) {
        return controller.handle(type.code(), gpio, value);
    }

    private Refusal refusalOf(MessageType type, int gpio, long value) {
        return GpioController.refusal(handle(type, gpio, value));
    }

    @Test
    void anAcceptedRequestHasTheWireResponseAndNoRefusal() throws Exception {
        chip.drive(1, 1);
        int outcome = handle(GET_VALUE, 1, 0);
        assertThat(GpioController.refused(outcome)).isFalse();
        assertThat(GpioController.refusal(outcome)).isNull();
        assertThat(GpioController.response(outcome)).isEqualTo(GpioResponse.ok(1));
    }

    @Test
    void everyRuleOfTheSpecHasItsRefusal() {
        controller.negotiate(GpioFeatures.IRQ);
        assertThat(GpioController.refusal(controller.handle(0x9, 0, 0))).isEqualTo(Refusal.UNKNOWN_TYPE);
        assertThat(refusalOf(GET_DIRECTION, 2, 0)).isEqualTo(Refusal.NO_SUCH_LINE);
        assertThat(refusalOf(GET_DIRECTION, -1, 0)).as("a caller in Java can pass any int")
                .isEqualTo(Refusal.NO_SUCH_LINE);
        assertThat(refusalOf(SET_DIRECTION, 0, 3)).isEqualTo(Refusal.INVALID_DIRECTION);
        assertThat(refusalOf(SET_VALUE, 0, 2)).isEqualTo(Refusal.INVALID_VALUE);
        assertThat(refusalOf(SET_IRQ_TYPE, 0, 5)).isEqualTo(Refusal.INVALID_IRQ_TYPE);
        assertThat(refusalOf(SET_IRQ_TYPE, 0, IrqType.EDGE_RISING.code())).isNull();
        assertThat(refusalOf(SET_IRQ_TYPE, 0, IrqType.EDGE_FALLING.code())).isEqualTo(Refusal.IRQ_TYPE_CHANGED);
        assertThat(refusalOf(SET_DIRECTION, 0, Direction.OUT.code())).isEqualTo(Refusal.INTERRUPT_ENABLED);
        assertThat(refusalOf(SET_DIRECTION, 1, Direction.OUT.code())).isNull();
        assertThat(refusalOf(SET_IRQ_TYPE, 1, IrqType.EDGE_RISING.code())).isEqualTo(Refusal.IRQ_ON_OUTPUT);
        int refused = handle(SET_IRQ_TYPE, 1, IrqType.EDGE_RISING.code());
        assertThat(GpioResponse.status(GpioController.response(refused))).isEqualTo(Status.ERR.code());
        assertThat(GpioResponse.value(GpioController.response(refused))).isZero();
    }

    @Test
    void interruptsNeedTheFeatureAndNamesNeedNames() {
        assertThat(refusalOf(SET_IRQ_TYPE, 0, IrqType.EDGE_BOTH.code())).isEqualTo(Refusal.IRQ_NOT_NEGOTIATED);
        GpioController unnamed = new GpioController(new SimulatedChip("u", List.of("", "")));
        assertThat(GpioController.refusal(unnamed.handle(GET_LINE_NAMES.code(), 0, 0)))
                .isEqualTo(Refusal.NO_LINE_NAMES);
        assertThat(refusalOf(GET_LINE_NAMES, 0, 0)).isNull();
    }

    @Test
    void aRefusedInterruptBufferSaysWhy() {
        controller.negotiate(GpioFeatures.IRQ);
        int[] returned = new int[1];
        controller.setIrqSink((token, gpio, status) -> returned[0]++);
        assertThat(controller.unmask(9, 1)).isEqualTo(Refusal.IRQ_NO_SUCH_LINE);
        assertThat(controller.unmask(-1, 1)).isEqualTo(Refusal.IRQ_NO_SUCH_LINE);
        assertThat(controller.unmask(0, 2)).isEqualTo(Refusal.IRQ_NOT_ENABLED);
        handle(SET_IRQ_TYPE, 0, IrqType.EDGE_BOTH.code());
        assertThat(controller.unmask(0, 3)).isNull();
        assertThat(controller.unmask(0, 4)).isEqualTo(Refusal.IRQ_BUFFER_TWICE);
        assertThat(returned[0]).as("each refused buffer came back at once").isEqualTo(4);
    }

    @Test
    void disablingEveryInterruptReturnsTheHeldBufferAndKeepsDirectionsAndValues() throws Exception {
        controller.negotiate(GpioFeatures.IRQ);
        List<String> returned = new ArrayList<>();
        controller.setIrqSink((token, gpio, status) -> returned.add(token + ":" + gpio + ":" + status));
        handle(SET_DIRECTION, 0, Direction.IN.code());
        handle(SET_IRQ_TYPE, 0, IrqType.EDGE_BOTH.code());
        assertThat(controller.unmask(0, 7)).isNull();
        handle(SET_IRQ_TYPE, 1, IrqType.EDGE_RISING.code());
        controller.onEdge(1, true); // latched: line 1 has no buffer
        assertThat(controller.isLatched(1)).isTrue();

        assertThat(controller.disableInterrupts()).as("lines that had an interrupt enabled").isEqualTo(2);
        assertThat(returned).containsExactly("7:0:" + IrqStatus.INVALID.code());
        for (int gpio = 0; gpio < 2; gpio++) {
            assertThat(controller.irqType(gpio)).isEqualTo(IrqType.NONE);
            assertThat(controller.isUnmasked(gpio)).isFalse();
            assertThat(controller.isLatched(gpio)).isFalse();
            assertThat(chip.edgeDetection(gpio)).isEqualTo(Edge.NONE);
            assertThat(controller.direction(gpio)).as("line %d stays an input", gpio).isEqualTo(Direction.IN);
        }
        assertThat(controller.disableInterrupts()).as("nothing left to disable").isZero();
        assertThat(refusalOf(SET_VALUE, 1, 1)).isNull();
        assertThat(refusalOf(SET_DIRECTION, 1, Direction.OUT.code())).as("no interrupt stands in the way").isNull();
        assertThat(chip.observe(1)).isEqualTo(1);
    }

    @Test
    void aFailureOfTheLinesIsARefusalAndChangesNothing() {
        GpioController failing = new GpioController(new CountingLines(chip) {
            @Override
            public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
                throw new LineException("line " + offset + " is busy on the host");
            }
        });
        assertThat(GpioController.refusal(failing.handle(SET_DIRECTION.code(), 0, Direction.OUT.code())))
                .isEqualTo(Refusal.LINES_FAILED);
        assertThat(failing.direction(0)).isEqualTo(Direction.NONE);
    }

    @Test
    void theControllerKeepsDirectionsAndValuesItselfAndAsksTheLinesOnlyForLevels() throws Exception {
        CountingLines lines = new CountingLines(chip);
        GpioController c = new GpioController(lines);
        int atStart = lines.directionReads.get();
        c.handle(SET_VALUE.code(), 0, 1);
        c.handle(SET_DIRECTION.code(), 0, Direction.OUT.code());
        c.handle(SET_DIRECTION.code(), 1, Direction.IN.code());
        for (int i = 0; i < 100; i++) {
            assertThat(GpioResponse.value(GpioController.response(c.handle(GET_DIRECTION.code(), i % 2, 0))))
                    .isEqualTo(i % 2 == 0 ? Direction.OUT.code() : Direction.IN.code());
            c.handle(SET_VALUE.code(), 0, i & 1);
        }
        assertThat(lines.directionReads.get()).as("directions read from the lines after start-up")
                .isEqualTo(atStart);
        chip.drive(1, 1);
        assertThat(GpioResponse.value(GpioController.response(c.handle(GET_VALUE.code(), 1, 0))))
                .as("an input's level comes from the lines").isEqualTo(1);
    }

    @Test
    void directionsAndOutputValuesStartAsTheLinesReportThem() throws Exception {
        chip.setDirection(1, Direction.OUT, 1);
        GpioController c = new GpioController(chip);
        assertThat(c.direction(1)).isEqualTo(Direction.OUT);
        c.handle(SET_DIRECTION.code(), 1, Direction.IN.code());
        c.handle(SET_DIRECTION.code(), 1, Direction.OUT.code());
        assertThat(chip.observe(1)).as("the output value it started with is kept").isEqualTo(1);
    }

    /** Lines that count how often the controller asks them for a direction. */
    private static class CountingLines implements GpioLines {
        final AtomicInteger directionReads = new AtomicInteger();
        private final GpioLines inner;

        CountingLines(GpioLines inner) {
            this.inner = inner;
        }

        @Override
        public String label() {
            return inner.label();
        }

        @Override
        public int lineCount() {
            return inner.lineCount();
        }

        @Override
        public List<String> lineNames() {
            return inner.lineNames();
        }

        @Override
        public Direction getDirection(int offset) throws LineException {
            directionReads.incrementAndGet();
            return inner.getDirection(offset);
        }

        @Override
        public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
            inner.setDirection(offset, direction, outputValue);
        }

        @Override
        public int getValue(int offset) throws LineException {
            return inner.getValue(offset);
        }

        @Override
        public void setValue(int offset, int value) throws LineException {
            inner.setValue(offset, value);
        }

        @Override
        public boolean supportsEdgeEvents() {
            return inner.supportsEdgeEvents();
        }

        @Override
        public void setEdgeDetection(int offset, Edge edge) throws LineException {
            inner.setEdgeDetection(offset, edge);
        }

        @Override
        public void setEventListener(LineEventListener listener) {
            inner.setEventListener(listener);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** A request cut short after the line changed but before it was recorded (a late memory fault) is repaired. */
    @Test
    void theRecordFollowsTheLinesWhereACutShortRequestLeftThemApart() throws Exception {
        SimulatedChip c = SimulatedChip.withLines("r", 3, "R");
        GpioController g = new GpioController(c);
        g.handle(dev.vgpio.protocol.MessageType.SET_VALUE.code(), 2, 1); // held for a released line
        c.setDirection(0, dev.vgpio.protocol.Direction.OUT, 1); // the line changed, the record did not
        assertThat(g.direction(0)).isEqualTo(dev.vgpio.protocol.Direction.NONE);
        assertThat(g.resyncFromLines()).isOne();
        assertThat(g.direction(0)).isEqualTo(dev.vgpio.protocol.Direction.OUT);
        assertThat(GpioController.response(g.handle(dev.vgpio.protocol.MessageType.GET_VALUE.code(), 0, 0)))
                .isEqualTo(dev.vgpio.protocol.GpioResponse.pack(0, 1));
        g.handle(dev.vgpio.protocol.MessageType.SET_DIRECTION.code(), 2, dev.vgpio.protocol.Direction.OUT.code());
        assertThat(c.observe(2)).as("the value held for the released line stayed").isEqualTo(1);
        assertThat(g.resyncFromLines()).isZero();
    }
}
