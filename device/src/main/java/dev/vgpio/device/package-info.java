/**
 * The virtio-gpio device: {@link dev.vgpio.device.GpioController} holds the spec's per-line state and message
 * semantics over any {@link dev.vgpio.lines.GpioLines} and knows nothing of queues or transports;
 * {@link dev.vgpio.device.VirtioGpioDevice} serves it over a requestq and an eventq in guest memory as a
 * {@link dev.vgpio.virtio.VirtioDevice}, which any transport can carry.
 */
package dev.vgpio.device;
