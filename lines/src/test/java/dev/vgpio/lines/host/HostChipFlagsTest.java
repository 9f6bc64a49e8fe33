package dev.vgpio.lines.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.Edge;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.sys.GpioUapi;
import org.junit.jupiter.api.Test;

/** The uAPI flags HostChip builds from a line's state, without a kernel (HostChipGuestTest has the kernel's view). */
class HostChipFlagsTest {
    private static final long BOTH = GpioUapi.FLAG_EDGE_RISING | GpioUapi.FLAG_EDGE_FALLING;

    @Test
    void aPlainLineHasOnlyItsDirection() {
        assertThat(HostChip.flags(Direction.IN, Edge.NONE, Bias.AS_IS, Drive.PUSH_PULL))
                .isEqualTo(GpioUapi.FLAG_INPUT);
        assertThat(HostChip.flags(Direction.OUT, Edge.NONE, Bias.AS_IS, Drive.PUSH_PULL))
                .isEqualTo(GpioUapi.FLAG_OUTPUT);
        assertThat(HostChip.flags(Direction.NONE, Edge.BOTH, Bias.PULL_UP, Drive.OPEN_DRAIN)).isZero();
    }

    @Test
    void eachBiasHasItsFlagWhateverTheDirection() {
        for (Direction d : new Direction[] {Direction.IN, Direction.OUT}) {
            long dir = d == Direction.IN ? GpioUapi.FLAG_INPUT : GpioUapi.FLAG_OUTPUT;
            assertThat(HostChip.flags(d, Edge.NONE, Bias.PULL_UP, Drive.PUSH_PULL))
                    .isEqualTo(dir | GpioUapi.FLAG_BIAS_PULL_UP);
            assertThat(HostChip.flags(d, Edge.NONE, Bias.PULL_DOWN, Drive.PUSH_PULL))
                    .isEqualTo(dir | GpioUapi.FLAG_BIAS_PULL_DOWN);
            assertThat(HostChip.flags(d, Edge.NONE, Bias.DISABLED, Drive.PUSH_PULL))
                    .isEqualTo(dir | GpioUapi.FLAG_BIAS_DISABLED);
        }
    }

    @Test
    void aDriveGoesOnlyWithAnOutputAndEdgesOnlyWithAnInput() {
        assertThat(HostChip.flags(Direction.OUT, Edge.BOTH, Bias.PULL_UP, Drive.OPEN_DRAIN))
                .as("the kernel refuses edges on an output (EINVAL)")
                .isEqualTo(GpioUapi.FLAG_OUTPUT | GpioUapi.FLAG_OPEN_DRAIN | GpioUapi.FLAG_BIAS_PULL_UP);
        assertThat(HostChip.flags(Direction.OUT, Edge.NONE, Bias.AS_IS, Drive.OPEN_SOURCE))
                .isEqualTo(GpioUapi.FLAG_OUTPUT | GpioUapi.FLAG_OPEN_SOURCE);
        assertThat(HostChip.flags(Direction.IN, Edge.BOTH, Bias.PULL_DOWN, Drive.OPEN_DRAIN))
                .as("the kernel refuses a drive on an input (EINVAL): held for when it is an output")
                .isEqualTo(GpioUapi.FLAG_INPUT | BOTH | GpioUapi.FLAG_BIAS_PULL_DOWN);
        assertThat(HostChip.flags(Direction.IN, Edge.RISING, Bias.AS_IS, Drive.PUSH_PULL))
                .isEqualTo(GpioUapi.FLAG_INPUT | GpioUapi.FLAG_EDGE_RISING);
        assertThat(HostChip.flags(Direction.IN, Edge.FALLING, Bias.AS_IS, Drive.PUSH_PULL))
                .isEqualTo(GpioUapi.FLAG_INPUT | GpioUapi.FLAG_EDGE_FALLING);
    }

    @Test
    void everyCombinationIsOneTheKernelTakes() {
        for (Direction d : Direction.values()) {
            for (Edge e : Edge.values()) {
                for (Bias b : Bias.values()) {
                    for (Drive dr : Drive.values()) {
                        long f = HostChip.flags(d, e, b, dr);
                        String what = d + "/" + e + "/" + b + "/" + dr;
                        assertThat(f & ~GpioUapi.FLAGS_KNOWN).as(what).isZero();
                        assertThat(Long.bitCount(f & (GpioUapi.FLAG_INPUT | GpioUapi.FLAG_OUTPUT))).as(what)
                                .isEqualTo(d == Direction.NONE ? 0 : 1);
                        assertThat(Long.bitCount(f & (GpioUapi.FLAG_BIAS_PULL_UP | GpioUapi.FLAG_BIAS_PULL_DOWN
                                | GpioUapi.FLAG_BIAS_DISABLED))).as(what).isLessThanOrEqualTo(1);
                        if ((f & (GpioUapi.FLAG_OPEN_DRAIN | GpioUapi.FLAG_OPEN_SOURCE)) != 0) {
                            assertThat(f & GpioUapi.FLAG_OUTPUT).as(what).isNotZero();
                        }
                        if ((f & BOTH) != 0) {
                            assertThat(f & GpioUapi.FLAG_INPUT).as(what).isNotZero();
                        }
                    }
                }
            }
        }
    }

    @Test
    void aDebouncePeriodGoesOnlyWithAnInput() {
        assertThat(HostChip.debounceArgument(Direction.IN, 5000)).isEqualTo(5000);
        assertThat(HostChip.debounceArgument(Direction.IN, 0)).isZero();
        assertThat(HostChip.debounceArgument(Direction.OUT, 5000)).as("the kernel: EINVAL on an output").isZero();
        assertThat(HostChip.debounceArgument(Direction.NONE, 5000)).isZero();
    }

    @Test
    void everyLineReportsEverySetting() {
        assertThat(HostChip.LINE_CAPS).isEqualTo(LineCaps.ALL);
    }
}
