package dev.vgpio.virtio;

import dev.vgpio.virtqueue.RingFeatures;

/**
 * The device-independent feature bits of virtio 1.x ("Reserved Feature Bits", 24 to 41), with their names in the
 * specification. Device-specific bits (0 to 23) are named by each device's {@link FeatureNames}.
 */
public enum VirtioFeature {
    NOTIFY_ON_EMPTY(24, "VIRTIO_F_NOTIFY_ON_EMPTY"),
    ANY_LAYOUT(27, "VIRTIO_F_ANY_LAYOUT"),
    RING_INDIRECT_DESC(28, "VIRTIO_RING_F_INDIRECT_DESC"),
    RING_EVENT_IDX(29, "VIRTIO_RING_F_EVENT_IDX"),
    VERSION_1(32, "VIRTIO_F_VERSION_1"),
    ACCESS_PLATFORM(33, "VIRTIO_F_ACCESS_PLATFORM"),
    RING_PACKED(34, "VIRTIO_F_RING_PACKED"),
    IN_ORDER(35, "VIRTIO_F_IN_ORDER"),
    ORDER_PLATFORM(36, "VIRTIO_F_ORDER_PLATFORM"),
    SR_IOV(37, "VIRTIO_F_SR_IOV"),
    NOTIFICATION_DATA(38, "VIRTIO_F_NOTIFICATION_DATA"),
    NOTIF_CONFIG_DATA(39, "VIRTIO_F_NOTIF_CONFIG_DATA"),
    RING_RESET(40, "VIRTIO_F_RING_RESET"),
    ADMIN_VQ(41, "VIRTIO_F_ADMIN_VQ");

    /** The mask of the device-specific bits, 0 to 23; the bits above belong to the queues and the transport. */
    public static final long DEVICE_BITS = (1L << 24) - 1;
    /** What vgpio's split ring serves on the device side, offered with every device: VERSION_1, EVENT_IDX, INDIRECT. */
    public static final long SPLIT_RING = VERSION_1.mask() | RING_EVENT_IDX.mask() | RING_INDIRECT_DESC.mask();

    private final int bit;
    private final String specName;

    VirtioFeature(int bit, String specName) {
        this.bit = bit;
        this.specName = specName;
    }

    /** The bit number in the 64-bit feature word. */
    public int bit() {
        return bit;
    }

    public long mask() {
        return 1L << bit;
    }

    /** The name in the virtio specification, for example {@code VIRTIO_RING_F_EVENT_IDX}. */
    public String specName() {
        return specName;
    }

    /** Whether {@code features} has this bit. */
    public boolean in(long features) {
        return (features & mask()) != 0;
    }

    /** The ring features a split virtqueue follows under the negotiated {@code features}. */
    public static RingFeatures ringFeatures(long features) {
        return new RingFeatures(RING_EVENT_IDX.in(features), RING_INDIRECT_DESC.in(features));
    }
}
