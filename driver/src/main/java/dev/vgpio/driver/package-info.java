/**
 * A virtio-gpio driver in Java, in the spirit of libgpiod v2: a {@link dev.vgpio.driver.GpioChip} gives line
 * counts, names and negotiated features; {@link dev.vgpio.driver.LineRequest}s configure lines, read and set values
 * and deliver edge events. It runs over any {@link dev.vgpio.driver.VirtioTransport}: the vhost-user front end (to
 * any vhost-user-gpio back end) or {@link dev.vgpio.driver.InProcessTransport} (vgpio's device model in-process).
 */
package dev.vgpio.driver;
