package dev.vgpio.virtqueue;

/** Transport-level virtio feature bits (virtio 1.x "Reserved Feature Bits") that the split ring depends on. */
public final class VirtioFeatures {
    /** VIRTIO_RING_F_INDIRECT_DESC: descriptors may point at indirect descriptor tables. */
    public static final int RING_INDIRECT_DESC = 28;
    /** VIRTIO_RING_F_EVENT_IDX: used_event / avail_event notification suppression. */
    public static final int RING_EVENT_IDX = 29;
    /** VIRTIO_F_VERSION_1: a virtio 1.x device (little-endian, modern layout). */
    public static final int VERSION_1 = 32;

    private VirtioFeatures() {
    }

    /** The mask of one feature bit. */
    public static long bit(int feature) {
        return 1L << feature;
    }

    /** Whether {@code features} has {@code feature} set. */
    public static boolean has(long features, int feature) {
        return (features & bit(feature)) != 0;
    }
}
