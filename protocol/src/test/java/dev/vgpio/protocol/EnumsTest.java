package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnumsTest {
    @Test
    void messageTypeCodesMatchTheSpecAndRoundTrip() {
        assertThat(MessageType.GET_LINE_NAMES.code()).isEqualTo(0x1);
        assertThat(MessageType.GET_DIRECTION.code()).isEqualTo(0x2);
        assertThat(MessageType.SET_DIRECTION.code()).isEqualTo(0x3);
        assertThat(MessageType.GET_VALUE.code()).isEqualTo(0x4);
        assertThat(MessageType.SET_VALUE.code()).isEqualTo(0x5);
        assertThat(MessageType.SET_IRQ_TYPE.code()).isEqualTo(0x6);
        assertThat(MessageType.GET_LINE_CAPS.code()).as("docs/line-config.md").isEqualTo(0x7);
        assertThat(MessageType.SET_LINE_CONFIG.code()).as("docs/line-config.md").isEqualTo(0x8);
        for (MessageType t : MessageType.values()) {
            assertThat(MessageType.fromCode(t.code())).isSameAs(t);
        }
        for (long unknown : new long[] {0, 9, 0xff, 0xffff, 0x10001, 0x1_0000_0001L, -1, Long.MIN_VALUE}) {
            assertThat(MessageType.fromCode(unknown)).as("code %d", unknown).isNull();
        }
    }

    @Test
    void lineConfigCodesAreTheProposalsAndRoundTrip() {
        assertThat(GpioFeatures.F_LINE_CONFIG).isEqualTo(1);
        assertThat(GpioFeatures.NAMES.name(GpioFeatures.F_LINE_CONFIG)).isEqualTo("VIRTIO_GPIO_F_LINE_CONFIG");
        assertThat(LineCaps.names(LineCaps.ALL)).containsExactly("bias-disabled", "pull-up", "pull-down",
                "open-drain", "open-source", "debounce");
        assertThat(LineCaps.ALL).isEqualTo(0x3f);
        assertThat(LineCaps.describe(0)).isEqualTo("none");
        assertThat(LineCaps.describe(LineCaps.PULL_UP | 1 << 7)).isEqualTo("pull-up,bit7");
        for (Bias b : Bias.values()) {
            assertThat(Bias.fromCode(b.code())).isSameAs(b);
            assertThat(Bias.fromLabel(b.label())).isSameAs(b);
        }
        for (Drive d : Drive.values()) {
            assertThat(Drive.fromCode(d.code())).isSameAs(d);
            assertThat(Drive.fromLabel(d.label())).isSameAs(d);
        }
        assertThat(Bias.fromCode(4)).isNull();
        assertThat(Drive.fromCode(3)).isNull();
        assertThat(Bias.PULL_DOWN.code()).isEqualTo(3);
        assertThat(Drive.OPEN_SOURCE.code()).isEqualTo(2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bias.fromLabel("up"))
                .hasMessageContaining("give as-is, disabled, pull-up or pull-down");
    }

    @Test
    void aSettingPacksAsLinuxPacksPinConfiguration() {
        assertThat(LineConfig.bias(Bias.PULL_UP)).isEqualTo(0x0201);
        assertThat(LineConfig.drive(Drive.OPEN_DRAIN)).isEqualTo(0x0102);
        assertThat(LineConfig.debounce(LineConfig.MAX_DEBOUNCE_US)).isEqualTo(0xffff_ff03L);
        long v = LineConfig.debounce(10_000);
        assertThat(LineConfig.param(v)).isEqualTo(LineConfig.Param.DEBOUNCE.code());
        assertThat(LineConfig.argument(v)).isEqualTo(10_000);
        assertThat(LineConfig.Param.fromCode(0)).isNull();
        assertThat(LineConfig.Param.fromCode(4)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LineConfig.debounce(1 << 24))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void directionCodesRoundTrip() {
        assertThat(Direction.NONE.code()).isZero();
        assertThat(Direction.OUT.code()).isEqualTo(1);
        assertThat(Direction.IN.code()).isEqualTo(2);
        for (Direction d : Direction.values()) {
            assertThat(Direction.fromCode(d.code())).isSameAs(d);
        }
        for (long unknown : new long[] {3, 0xff, 0x10000, 0x1_0000_0000L, -1}) {
            assertThat(Direction.fromCode(unknown)).isNull();
        }
    }

    @Test
    void irqTypeCodesRoundTripAndClassify() {
        assertThat(IrqType.LEVEL_LOW.code()).isEqualTo(8);
        assertThat(IrqType.LEVEL_HIGH.code()).isEqualTo(4);
        assertThat(IrqType.EDGE_BOTH.code()).isEqualTo(3);
        for (IrqType t : IrqType.values()) {
            assertThat(IrqType.fromCode(t.code())).isSameAs(t);
        }
        for (long unknown : new long[] {5, 6, 7, 9, 0x10, 0x10004, 0x1_0000_0004L, -1}) {
            assertThat(IrqType.fromCode(unknown)).as("code %d", unknown).isNull();
        }
        assertThat(IrqType.NONE.isEdge() || IrqType.NONE.isLevel()).isFalse();
        assertThat(IrqType.EDGE_RISING.isEdge()).isTrue();
        assertThat(IrqType.EDGE_BOTH.isLevel()).isFalse();
        assertThat(IrqType.LEVEL_LOW.isLevel()).isTrue();
        assertThat(IrqType.LEVEL_HIGH.isEdge()).isFalse();

        assertThat(IrqType.EDGE_RISING.triggersOnRising()).isTrue();
        assertThat(IrqType.EDGE_RISING.triggersOnFalling()).isFalse();
        assertThat(IrqType.EDGE_FALLING.triggersOnRising()).isFalse();
        assertThat(IrqType.EDGE_FALLING.triggersOnFalling()).isTrue();
        assertThat(IrqType.EDGE_BOTH.triggersOnRising()).isTrue();
        assertThat(IrqType.EDGE_BOTH.triggersOnFalling()).isTrue();
        assertThat(IrqType.LEVEL_HIGH.triggersOnRising()).isFalse();
        assertThat(IrqType.NONE.triggersOnFalling()).isFalse();

        assertThat(IrqType.LEVEL_HIGH.activeAt(1)).isTrue();
        assertThat(IrqType.LEVEL_HIGH.activeAt(0)).isFalse();
        assertThat(IrqType.LEVEL_LOW.activeAt(0)).isTrue();
        assertThat(IrqType.LEVEL_LOW.activeAt(1)).isFalse();
        assertThat(IrqType.EDGE_BOTH.activeAt(1)).isFalse();
        assertThat(IrqType.NONE.activeAt(0)).isFalse();
    }

    @Test
    void statusCodesRoundTrip() {
        assertThat(Status.fromCode(0)).isSameAs(Status.OK);
        assertThat(Status.fromCode(1)).isSameAs(Status.ERR);
        assertThat(Status.fromCode(2)).isNull();
        assertThat(Status.fromCode(0x1_0000_0000L)).isNull();
        assertThat(IrqStatus.fromCode(0)).isSameAs(IrqStatus.INVALID);
        assertThat(IrqStatus.fromCode(1)).isSameAs(IrqStatus.VALID);
        assertThat(IrqStatus.fromCode(-1)).isNull();
        assertThat(IrqStatus.fromCode(0x10001)).isNull();
        assertThat(Status.ERR.code()).isEqualTo(1);
        assertThat(IrqStatus.VALID.code()).isEqualTo(1);
    }

    @Test
    void constantsMatchTheSpec() {
        assertThat(VirtioGpio.DEVICE_ID).isEqualTo(41);
        assertThat(VirtioGpio.REQUESTQ).isZero();
        assertThat(VirtioGpio.EVENTQ).isEqualTo(1);
        assertThat(GpioFeatures.F_IRQ).isZero();
        assertThat(VirtioGpio.MAX_LINES).isEqualTo(0xffff);
    }

    @Test
    void featuresAreDescribed() {
        assertThat(GpioFeatures.IRQ).isEqualTo(1L);
        assertThat(GpioFeatures.hasIrq(1L | 1L << 32)).isTrue();
        assertThat(GpioFeatures.hasIrq(1L << 32)).isFalse();
        assertThat(GpioFeatures.NAMES.list(0)).isEqualTo("none");
        assertThat(GpioFeatures.NAMES.list(GpioFeatures.IRQ)).isEqualTo("VIRTIO_GPIO_F_IRQ");
        assertThat(GpioFeatures.NAMES.shortList(GpioFeatures.IRQ | 1L << 5 | 1L << 23 | 1L << 32))
                .isEqualTo("IRQ, bit 5, bit 23, VERSION_1");
    }
}
