package dev.vgpio.device;

import static dev.vgpio.protocol.MessageType.GET_LINE_CAPS;
import static dev.vgpio.protocol.MessageType.GET_VALUE;
import static dev.vgpio.protocol.MessageType.SET_DIRECTION;
import static dev.vgpio.protocol.MessageType.SET_LINE_CONFIG;
import static dev.vgpio.protocol.MessageType.SET_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.GpioResponse;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.protocol.LineConfig;
import dev.vgpio.protocol.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GET_LINE_CAPS and SET_LINE_CONFIG (docs/line-config.md) in the controller alone. */
class GpioControllerLineConfigTest {
    private static final int PULLS = LineCaps.PULL_UP | LineCaps.PULL_DOWN;
    private final SimulatedChip chip = new SimulatedChip("t", List.of("ALL", "PULLS", "NOTHING"),
            new int[] {LineCaps.ALL, PULLS, 0});
    private final GpioController controller = new GpioController(chip);

    private int handle(MessageType type, int gpio, long value) {
        return controller.handle(type.code(), gpio, value);
    }

    private Refusal refusalOf(MessageType type, int gpio, long value) {
        return GpioController.refusal(handle(type, gpio, value));
    }

    @Test
    void theBitIsOfferedOnlyWhenSomeLineTakesASetting() {
        assertThat(controller.offeredFeatures() & GpioFeatures.LINE_CONFIG).isNotZero();
        SimulatedChip none = new SimulatedChip("n", List.of("A", "B"), new int[] {0, 0});
        assertThat(new GpioController(none).offeredFeatures()).isEqualTo(GpioFeatures.IRQ);
    }

    @Test
    void withoutTheBitBothMessagesAreRefused() {
        controller.negotiate(GpioFeatures.IRQ);
        assertThat(refusalOf(GET_LINE_CAPS, 0, 0)).isEqualTo(Refusal.LINE_CONFIG_NOT_NEGOTIATED);
        assertThat(refusalOf(SET_LINE_CONFIG, 0, LineConfig.bias(Bias.PULL_UP)))
                .isEqualTo(Refusal.LINE_CONFIG_NOT_NEGOTIATED);
        assertThat(GpioController.response(handle(GET_LINE_CAPS, 0, 0))).isEqualTo(GpioResponse.ERR);
    }

    @Test
    void capsAnswerPerLine() {
        controller.negotiate(GpioFeatures.LINE_CONFIG);
        assertThat(GpioController.response(handle(GET_LINE_CAPS, 0, 0))).isEqualTo(GpioResponse.ok(LineCaps.ALL));
        assertThat(GpioController.response(handle(GET_LINE_CAPS, 1, 0))).isEqualTo(GpioResponse.ok(PULLS));
        assertThat(GpioController.response(handle(GET_LINE_CAPS, 2, 0))).isEqualTo(GpioResponse.ok(0));
        assertThat(refusalOf(GET_LINE_CAPS, 3, 0)).isEqualTo(Refusal.NO_SUCH_LINE);
        assertThat(refusalOf(SET_LINE_CONFIG, 3, LineConfig.bias(Bias.PULL_UP))).isEqualTo(Refusal.NO_SUCH_LINE);
    }

    @Test
    void settingsReachTheLinesAndBadOnesChangeNothing() throws Exception {
        controller.negotiate(GpioFeatures.LINE_CONFIG);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, LineConfig.bias(Bias.PULL_UP))).isNull();
        assertThat(chip.bias(1)).isEqualTo(Bias.PULL_UP);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, LineConfig.bias(Bias.DISABLED)))
                .isEqualTo(Refusal.SETTING_UNSUPPORTED);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, LineConfig.drive(Drive.OPEN_DRAIN)))
                .isEqualTo(Refusal.SETTING_UNSUPPORTED);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, LineConfig.debounce(10))).isEqualTo(Refusal.SETTING_UNSUPPORTED);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, 0)).isEqualTo(Refusal.INVALID_CONFIG_PARAM);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, 4)).isEqualTo(Refusal.INVALID_CONFIG_PARAM);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, 1 | 4 << 8)).isEqualTo(Refusal.INVALID_CONFIG_ARGUMENT);
        assertThat(refusalOf(SET_LINE_CONFIG, 1, 2 | 3 << 8)).isEqualTo(Refusal.INVALID_CONFIG_ARGUMENT);
        assertThat(chip.bias(1)).as("refusals change nothing").isEqualTo(Bias.PULL_UP);
        for (long always : new long[] {LineConfig.bias(Bias.AS_IS), LineConfig.drive(Drive.PUSH_PULL),
            LineConfig.debounce(0)}) {
            assertThat(refusalOf(SET_LINE_CONFIG, 2, always)).as("%x on a line that takes nothing", always).isNull();
        }
        assertThat(refusalOf(SET_LINE_CONFIG, 0, LineConfig.debounce(LineConfig.MAX_DEBOUNCE_US))).isNull();
        assertThat(chip.debounce(0)).isEqualTo(LineConfig.MAX_DEBOUNCE_US);
    }

    @Test
    void anOpenDrainOutputReadsItsPullAndReleaseDiscardsTheSettings() throws Exception {
        controller.negotiate(GpioFeatures.LINE_CONFIG);
        handle(SET_LINE_CONFIG, 0, LineConfig.drive(Drive.OPEN_DRAIN));
        handle(SET_LINE_CONFIG, 0, LineConfig.bias(Bias.PULL_UP));
        handle(SET_VALUE, 0, 1);
        handle(SET_DIRECTION, 0, Direction.OUT.code());
        assertThat(chip.observe(0)).isEqualTo(1);
        chip.drive(0, 0);
        assertThat(GpioController.response(handle(GET_VALUE, 0, 0))).isEqualTo(GpioResponse.ok(0));
        handle(SET_DIRECTION, 0, Direction.NONE.code());
        assertThat(chip.bias(0)).isEqualTo(Bias.AS_IS);
        assertThat(chip.drive(0)).isEqualTo(Drive.PUSH_PULL);
    }
}
