/**
 * Virtio 1.x split virtqueues over {@link dev.vgpio.memory.GuestMemory}: the device side
 * ({@link dev.vgpio.virtqueue.DeviceQueue}, which walks and validates descriptor chains) and the driver side
 * ({@link dev.vgpio.virtqueue.DriverQueue}, which builds them), with notification suppression with and without
 * VIRTIO_RING_F_EVENT_IDX.
 */
package dev.vgpio.virtqueue;
