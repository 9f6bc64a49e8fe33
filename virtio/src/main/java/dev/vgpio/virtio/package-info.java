/**
 * The device-agnostic virtio layer: what a virtio device offers a transport ({@link dev.vgpio.virtio.VirtioDevice}),
 * what a driver needs from a transport ({@link dev.vgpio.virtio.VirtioTransport}), the feature bits and their names
 * ({@link dev.vgpio.virtio.VirtioFeature}, {@link dev.vgpio.virtio.FeatureNames}), one exception type with a reason a
 * program can test ({@link dev.vgpio.virtio.VirtioException}), and the transport that joins a driver to a device in
 * one process ({@link dev.vgpio.virtio.InProcessTransport}). Nothing here knows which device it carries.
 */
package dev.vgpio.virtio;
