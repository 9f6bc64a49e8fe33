package dev.vgpio.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.virtqueue.RingFeatures;
import org.junit.jupiter.api.Test;

class FeatureNamesTest {
    @Test
    void theVirtioBitsHaveTheSpecificationsNumbersAndNames() {
        assertThat(VirtioFeature.RING_INDIRECT_DESC.bit()).isEqualTo(28);
        assertThat(VirtioFeature.RING_EVENT_IDX.bit()).isEqualTo(29);
        assertThat(VirtioFeature.VERSION_1.bit()).isEqualTo(32);
        assertThat(VirtioFeature.ACCESS_PLATFORM.bit()).isEqualTo(33);
        assertThat(VirtioFeature.RING_PACKED.bit()).isEqualTo(34);
        assertThat(VirtioFeature.ADMIN_VQ.bit()).isEqualTo(41);
        assertThat(VirtioFeature.VERSION_1.mask()).isEqualTo(1L << 32);
        assertThat(VirtioFeature.RING_EVENT_IDX.specName()).isEqualTo("VIRTIO_RING_F_EVENT_IDX");
        for (VirtioFeature f : VirtioFeature.values()) {
            assertThat(f.bit()).as(f.name()).isBetween(24, 63);
            assertThat(f.specName()).as(f.name()).startsWith("VIRTIO_").endsWith(f.name().replace("RING_", ""));
        }
        assertThat(VirtioFeature.DEVICE_BITS).isEqualTo(0xff_ffffL);
    }

    @Test
    void aFeatureWordIsListedLowestBitFirstByLongOrShortName() {
        FeatureNames gpio = FeatureNames.VIRTIO.with(0, "VIRTIO_GPIO_F_IRQ");
        long f = 1L | VirtioFeature.RING_INDIRECT_DESC.mask() | VirtioFeature.RING_EVENT_IDX.mask()
                | VirtioFeature.VERSION_1.mask();
        assertThat(gpio.list(f))
                .isEqualTo("VIRTIO_GPIO_F_IRQ, VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX,"
                        + " VIRTIO_F_VERSION_1");
        assertThat(gpio.shortList(f)).isEqualTo("IRQ, INDIRECT_DESC, EVENT_IDX, VERSION_1");
        assertThat(gpio.describe(f)).isEqualTo("0x130000001 (" + gpio.list(f) + ")");
        assertThat(gpio.list(1L << 5 | 1L << 63)).isEqualTo("bit 5, bit 63");
        assertThat(gpio.list(0)).isEqualTo("none");
        assertThat(FeatureNames.VIRTIO.list(1)).as("the table it was made from is unchanged").isEqualTo("bit 0");
    }

    @Test
    void namesAreCheckedWhenAdded() {
        assertThatThrownBy(() -> FeatureNames.VIRTIO.with(64, "X")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FeatureNames.VIRTIO.with(1, " ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ringFeaturesComeFromTheNegotiatedWord() {
        assertThat(VirtioFeature.ringFeatures(VirtioFeature.SPLIT_RING)).isEqualTo(RingFeatures.ALL);
        assertThat(VirtioFeature.ringFeatures(VirtioFeature.VERSION_1.mask())).isEqualTo(RingFeatures.NONE);
        assertThat(VirtioFeature.ringFeatures(VirtioFeature.RING_EVENT_IDX.mask()))
                .isEqualTo(new RingFeatures(true, false));
    }
}
