package dev.vgpio.device;

import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_IRQ_TYPE;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.Edge;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.protocol.IrqType;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-line interrupt state: enabled by SET_IRQ_TYPE, unmasked by an eventq buffer, latched edges. */
class InterruptTest {
    private static final int INVALID = 0;
    private static final int VALID = 1;
    private static final int BUTTON = 1;

    private final SimulatedChip chip = SimulatedChip.withLines("sim", 4, "L");
    private GuestHarness guest;

    @BeforeEach
    void open() throws Exception {
        guest = new GuestHarness(new GpioController(chip), true);
        assertThat(guest.request(SET_DIRECTION, BUTTON, Direction.IN.code()).status()).isZero();
    }

    @AfterEach
    void close() {
        guest.close();
    }

    private void enable(IrqType type) throws Exception {
        assertThat(guest.request(SET_IRQ_TYPE, BUTTON, type.code()).status()).isZero();
    }

    private void drive(int level) throws Exception {
        chip.drive(BUTTON, level);
        guest.virtio.onWakeup();
    }

    @Test
    void featureIsOfferedBecauseTheSimulatedChipReportsEdges() {
        assertThat(guest.virtio.controller().offeredFeatures() & GpioFeatures.IRQ).isEqualTo(GpioFeatures.IRQ);
    }

    @Test
    void enabledAndUnmaskedEdgeIsDeliveredOnceWithLengthOne() throws Exception {
        enable(IrqType.EDGE_RISING);
        assertThat(chip.edgeDetection(BUTTON)).isEqualTo(Edge.RISING);
        guest.unmask(BUTTON);
        assertThat(guest.events()).isEmpty();
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
        assertThat(guest.eventNotifications).isEqualTo(1);
        assertThat(guest.virtio.controller().isUnmasked(BUTTON)).as("delivery masks the line").isFalse();
    }

    @Test
    void edgeWhileMaskedIsLatchedAndDeliveredOnUnmask() throws Exception {
        enable(IrqType.EDGE_BOTH);
        drive(1);
        drive(0);
        assertThat(guest.events()).isEmpty();
        assertThat(guest.virtio.controller().isLatched(BUTTON)).isTrue();
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
        guest.unmask(BUTTON);
        assertThat(guest.events()).as("one latch, one delivery").isEmpty();
    }

    @Test
    void edgeBetweenDeliveryAndRequeueIsNotLost() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        drive(1);
        assertThat(guest.events()).hasSize(1);
        drive(0);
        drive(1); // arrives before the driver queued the buffer again
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void edgesOfTheOtherDirectionAreIgnored() throws Exception {
        enable(IrqType.EDGE_FALLING);
        guest.unmask(BUTTON);
        drive(1);
        assertThat(guest.events()).isEmpty();
        drive(0);
        assertThat(guest.events()).hasSize(1);
    }

    @Test
    void levelIsNotLatchedButFiresAgainWhileStillActiveOnUnmask() throws Exception {
        enable(IrqType.LEVEL_HIGH);
        drive(1);
        drive(0);
        guest.unmask(BUTTON);
        assertThat(guest.events()).as("a level that went away is not latched").isEmpty();
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
        guest.unmask(BUTTON);
        assertThat(guest.events()).as("still high: fires again at once").containsExactly(new int[] {BUTTON, VALID, 1});
        drive(0);
        guest.unmask(BUTTON);
        assertThat(guest.events()).isEmpty();
    }

    @Test
    void levelLowFiresWhenLow() throws Exception {
        chip.drive(BUTTON, 1);
        enable(IrqType.LEVEL_LOW);
        guest.unmask(BUTTON);
        assertThat(guest.events()).isEmpty();
        drive(0);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void disableReturnsTheHeldBufferInvalidAndDiscardsTheLatch() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        assertThat(guest.request(SET_IRQ_TYPE, BUTTON, 0).status()).isZero();
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, INVALID, 1});
        assertThat(chip.edgeDetection(BUTTON)).isEqualTo(Edge.NONE);

        enable(IrqType.EDGE_RISING);
        drive(1); // latched
        guest.request(SET_IRQ_TYPE, BUTTON, 0);
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        assertThat(guest.events()).as("the latched edge was discarded by the disable").isEmpty();
    }

    @Test
    void releasingTheLineReturnsTheHeldBufferInvalid() throws Exception {
        enable(IrqType.EDGE_BOTH);
        guest.unmask(BUTTON);
        guest.request(SET_DIRECTION, BUTTON, Direction.NONE.code());
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, INVALID, 1});
        assertThat(guest.virtio.controller().irqType(BUTTON)).isEqualTo(IrqType.NONE);
    }

    @Test
    void bufferForALineWithoutAnEnabledInterruptComesBackInvalid() throws Exception {
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, INVALID, 1});
    }

    @Test
    void secondBufferForTheSameLineComesBackInvalidAndTheFirstStays() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, INVALID, 1});
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void everyInterruptBufferPutBackIsCounted() throws Exception {
        guest.unmask(BUTTON); // not enabled: INVALID
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        assertThat(guest.virtio.eventBuffersReturned()).as("the held buffer is not counted").isEqualTo(1);
        drive(1);
        assertThat(guest.events()).hasSize(2);
        assertThat(guest.virtio.eventBuffersReturned()).isEqualTo(2);
    }

    @Test
    void bufferForALineOutOfRangeComesBackInvalid() throws Exception {
        guest.unmask(4);
        guest.unmask(0xffff);
        assertThat(guest.events()).extracting(e -> e[1]).containsExactly(INVALID, INVALID);
    }

    @Test
    void eventBufferOfTheWrongShapeIsReturnedWithoutWedgingTheQueue() throws Exception {
        long base = GuestHarness.EVT_BUFS + 0x8000;
        guest.eventq.begin().readable(base, 4).writable(base + 8, 1).submit();
        guest.eventq.publish();
        guest.virtio.queueNotified(VirtioGpio.EVENTQ);
        List<int[]> used = new java.util.ArrayList<>();
        guest.eventq.drainUsed((h, len) -> used.add(new int[] {h, len}));
        assertThat(used).hasSize(1);
        assertThat(guest.memory.readU8(base + 8)).isEqualTo(INVALID);
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void interruptConfigurationOutlivesTheEventQueue() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        guest.virtio.stopQueue(VirtioGpio.EVENTQ);
        assertThat(guest.virtio.controller().isUnmasked(BUTTON)).as("held until the eventq starts elsewhere")
                .isTrue();
        assertThat(guest.virtio.controller().irqType(BUTTON)).isEqualTo(IrqType.EDGE_RISING);
        assertThat(chip.edgeDetection(BUTTON)).isEqualTo(Edge.RISING);
    }

    /**
     * QEMU killed while the guest waited for edges on two lines and drove a third, then a new VM: its driver starts
     * fresh rings and, like Linux after probe, takes every interrupt to be disabled and masked.
     */
    @Test
    void aNewDriverFindsEveryInterruptDisabledAndTheLinesAsTheOldDriverLeftThem() throws Exception {
        int watched = 2;
        int output = 3;
        enable(IrqType.EDGE_FALLING);
        guest.unmask(BUTTON);
        assertThat(guest.request(SET_DIRECTION, watched, Direction.IN.code()).status()).isZero();
        assertThat(guest.request(SET_IRQ_TYPE, watched, IrqType.EDGE_BOTH.code()).status()).isZero();
        assertThat(guest.request(SET_VALUE, output, 1).status()).isZero();
        assertThat(guest.request(SET_DIRECTION, output, Direction.OUT.code()).status()).isZero();
        guest.stopQueues(); // the connection and its rings are gone
        drive(1);
        drive(0); // a falling edge while no driver is there

        try (GuestHarness next = new GuestHarness(guest.virtio, true)) {
            GpioController c = next.virtio.controller();
            for (int gpio : new int[] {BUTTON, watched}) {
                assertThat(c.irqType(gpio)).as("line %d's interrupt", gpio).isEqualTo(IrqType.NONE);
                assertThat(c.isLatched(gpio)).as("line %d latched", gpio).isFalse();
                assertThat(chip.edgeDetection(gpio)).as("line %d's edge detection", gpio).isEqualTo(Edge.NONE);
                assertThat(c.direction(gpio)).as("line %d stays an input", gpio).isEqualTo(Direction.IN);
            }
            assertThat(c.direction(output)).isEqualTo(Direction.OUT);
            assertThat(chip.observe(output)).as("the output level stays").isEqualTo(1);

            // another trigger type than the first driver's is accepted, and nothing of the first driver's comes back
            assertThat(next.request(SET_IRQ_TYPE, BUTTON, IrqType.EDGE_RISING.code()).status()).isZero();
            next.unmask(BUTTON);
            assertThat(next.events()).as("no edge left over from the first driver").isEmpty();
            chip.drive(BUTTON, 1);
            next.virtio.onWakeup();
            assertThat(next.events()).containsExactly(new int[] {BUTTON, VALID, 1});
            // a line the first driver watched can be made an output
            assertThat(next.request(SET_DIRECTION, watched, Direction.OUT.code()).status()).isZero();
        }
    }

    /** A driver that did not negotiate line configuration could neither see nor undo an earlier driver's settings. */
    @Test
    void aNewDriverFindsEveryLineSettingBackToItsDefault() throws Exception {
        int output = 3;
        guest.virtio.negotiate(dev.vgpio.virtio.VirtioFeature.SPLIT_RING | GpioFeatures.IRQ
                | GpioFeatures.LINE_CONFIG);
        assertThat(guest.request(MessageType.SET_LINE_CONFIG, output, LineConfig.drive(Drive.OPEN_DRAIN)).status())
                .isZero();
        assertThat(guest.request(MessageType.SET_LINE_CONFIG, BUTTON, LineConfig.bias(Bias.PULL_UP)).status())
                .isZero();
        assertThat(guest.request(MessageType.SET_LINE_CONFIG, BUTTON, LineConfig.debounce(500_000)).status())
                .isZero();
        assertThat(guest.request(SET_VALUE, output, 1).status()).isZero();
        assertThat(guest.request(SET_DIRECTION, output, Direction.OUT.code()).status()).isZero();
        assertThat(chip.drive(output)).isEqualTo(Drive.OPEN_DRAIN);
        guest.stopQueues();

        try (GuestHarness next = new GuestHarness(guest.virtio, true)) {
            assertThat(chip.bias(BUTTON)).isEqualTo(Bias.AS_IS);
            assertThat(chip.debounce(BUTTON)).isZero();
            assertThat(chip.drive(output)).isEqualTo(Drive.PUSH_PULL);
            assertThat(next.virtio.controller().direction(output)).as("the direction stays").isEqualTo(Direction.OUT);
            assertThat(chip.observe(output)).as("the output drives what its driver set").isEqualTo(1);
        }
    }

    /** A driver without interrupts cannot disable the ones an earlier driver left enabled, so none may be left. */
    @Test
    void aNewDriverWithoutInterruptsCanDriveALineAnEarlierDriverWatched() throws Exception {
        enable(IrqType.EDGE_BOTH);
        guest.stopQueues();
        try (GuestHarness next = new GuestHarness(guest.virtio, false)) {
            assertThat(next.request(SET_DIRECTION, BUTTON, Direction.OUT.code()).status()).isZero();
            assertThat(chip.edgeDetection(BUTTON)).isEqualTo(Edge.NONE);
        }
    }

    /**
     * The same driver after its VM was paused (or its front end reconnected): the queues start again where they
     * stopped, not at 0, and the driver still has its interrupts enabled. Disabling them here would bounce every
     * buffer it queues back INVALID, and Linux queues it again at once.
     */
    @Test
    void aDriverThatResumesWhereItStoppedKeepsItsInterrupts() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
        guest.resume();
        assertThat(guest.virtio.controller().irqType(BUTTON)).isEqualTo(IrqType.EDGE_RISING);
        guest.unmask(BUTTON); // the driver queues its buffer again after the interrupt, as always
        assertThat(guest.events()).as("no INVALID: the line is still enabled").isEmpty();
        drive(0);
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    /**
     * A paused VM (vhost-user GET_VRING_BASE, later SET_VRING_BASE at the same index) waits for the buffers the
     * device held when it stopped and does not offer them again: they must still be served after the resume, and
     * an edge that came during the pause must reach them then.
     */
    @Test
    void aPausedDriverStillGetsItsInterruptsIntoTheBuffersTheDeviceHeld() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        guest.resume();
        assertThat(guest.events()).as("the held buffer is not returned by the pause").isEmpty();
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});

        guest.unmask(BUTTON);
        guest.stopQueues();
        drive(0);
        drive(1); // during the pause
        guest.startAgainWhereStopped();
        assertThat(guest.events()).as("delivered on resume").containsExactly(new int[] {BUTTON, VALID, 1});
    }

    /**
     * A front end that reconnects after a lost connection rewinds the eventq to its used index, offering the held
     * buffers again: the device must not keep the old ones too, and an edge that went into one the driver never
     * saw is latched for the buffer it offers again.
     */
    @Test
    void aRingRewoundToItsUsedIndexOffersTheBuffersAgainAndKeepsTheEdge() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        guest.stopQueues();
        drive(1); // the edge completes the held buffer while no ring is there
        guest.startAtUsedIndex();
        assertThat(guest.events()).as("nothing written into the old ring's buffer").isEmpty();
        guest.offerUnusedAgain();
        assertThat(guest.events()).as("the edge, in the buffer offered again").containsExactly(
                new int[] {BUTTON, VALID, 1});
    }

    /**
     * A front end that disconnects while the device holds its buffer: whatever index the next one starts the eventq
     * at, nothing is written into its rings for the old buffer (a hostile front end could choose the index).
     */
    @Test
    void buffersHeldForAFrontEndThatWentAwayAreNeverReturnedToTheNext() throws Exception {
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        guest.stopQueues();
        guest.virtio.driverGone();
        assertThat(guest.virtio.controller().isUnmasked(BUTTON)).isFalse();
        drive(1); // latched, not completed into the old buffer
        guest.startAgainWhereStopped(); // the same index, as a hostile front end could arrange
        assertThat(guest.events()).as("nothing returned into the new rings").isEmpty();
        guest.unmask(BUTTON);
        assertThat(guest.events()).as("the latched edge, in a buffer of the new front end")
                .containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void disableWhileAnEventIsInFlightReturnsNothingMoreAndForgetsTheLine() throws Exception {
        enable(IrqType.EDGE_BOTH);
        guest.unmask(BUTTON);
        drive(1); // VALID is on the used ring, the driver has not collected it yet
        drive(0); // latched behind it
        assertThat(guest.request(SET_IRQ_TYPE, BUTTON, 0).status()).isZero();
        assertThat(guest.events()).as("only the VALID that was already in flight")
                .containsExactly(new int[] {BUTTON, VALID, 1});
        assertThat(guest.virtio.controller().isLatched(BUTTON)).isFalse();
        // the driver re-queues its buffer (as Linux does after a late VALID): the line is disabled, so INVALID
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, INVALID, 1});
        // and the line works normally once enabled again
        enable(IrqType.EDGE_RISING);
        guest.unmask(BUTTON);
        drive(1);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void edgesPostedFromAnotherThreadAreDeliveredOnTheDeviceThreadInOrder() throws Exception {
        enable(IrqType.EDGE_BOTH);
        int[] wakeups = new int[1];
        guest.virtio.setWakeup(() -> wakeups[0]++);
        Thread host = Thread.ofPlatform().start(() -> {
            try {
                chip.drive(BUTTON, 1);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        host.join();
        assertThat(wakeups[0]).as("the lines' thread only wakes the device thread").isEqualTo(1);
        assertThat(guest.virtio.controller().isLatched(BUTTON)).as("nothing happens until the device thread runs")
                .isFalse();
        guest.virtio.onWakeup();
        assertThat(guest.virtio.controller().isLatched(BUTTON)).isTrue();
        guest.unmask(BUTTON);
        assertThat(guest.events()).containsExactly(new int[] {BUTTON, VALID, 1});
    }

    @Test
    void aBurstOfPacedEdgesIsDeliveredOneForOne() throws Exception {
        enable(IrqType.EDGE_BOTH);
        guest.unmask(BUTTON);
        int delivered = 0;
        for (int i = 0; i < 200; i++) {
            drive(i % 2 == 0 ? 1 : 0);
            List<int[]> events = guest.events();
            delivered += events.size();
            guest.unmask(BUTTON);
        }
        assertThat(delivered).isEqualTo(200);
        assertThat(guest.virtio.edgesLost()).isZero();
    }
}
