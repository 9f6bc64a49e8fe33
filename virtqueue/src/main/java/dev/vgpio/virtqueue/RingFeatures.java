package dev.vgpio.virtqueue;

/**
 * The negotiated features a split ring behaves by: VIRTIO_RING_F_EVENT_IDX (notification suppression by
 * used_event / avail_event instead of flags) and VIRTIO_RING_F_INDIRECT_DESC (descriptors may point at indirect
 * tables). The feature bits themselves, and their names, are the virtio layer's; it derives this record from a
 * negotiated feature word.
 */
public record RingFeatures(boolean eventIdx, boolean indirectDesc) {
    /** Both features: what vgpio's device queue supports. */
    public static final RingFeatures ALL = new RingFeatures(true, true);
    /** Neither feature: flags for notifications, direct descriptors only. */
    public static final RingFeatures NONE = new RingFeatures(false, false);
}
