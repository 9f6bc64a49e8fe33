/**
 * The virtio-gpio device model: {@link dev.vgpio.device.GpioDevice} holds the spec's per-line semantics (requests,
 * interrupt enable and mask state) over any {@link dev.vgpio.lines.LineBackend} and knows nothing of transports;
 * {@link dev.vgpio.device.VirtioGpioDevice} serves it over a requestq and an eventq in guest memory.
 */
package dev.vgpio.device;
