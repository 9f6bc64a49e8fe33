/**
 * A virtio-gpio driver in Java, in the spirit of libgpiod v2: a {@link dev.vgpio.driver.GpioChip} gives line
 * counts, names and negotiated features; {@link dev.vgpio.driver.GpioChip#requestLines} gives
 * {@link dev.vgpio.driver.LineRequest}s, which configure lines (with a bias, a drive and a debounce period when the
 * device offers vgpio's VIRTIO_GPIO_F_LINE_CONFIG), read and set values and deliver edge events. Below
 * them, {@link dev.vgpio.driver.RequestRing} and {@link dev.vgpio.driver.EventRing} are the two queues seen from the
 * driver, and the dispatchers match answers and interrupts to the threads that wait for them. It runs over any
 * {@link dev.vgpio.virtio.VirtioTransport}: the vhost-user front end (to any vhost-user-gpio back end), or
 * {@link dev.vgpio.virtio.InProcessTransport} (vgpio's device in-process). Failures are
 * {@link dev.vgpio.virtio.VirtioException}s with a reason.
 */
package dev.vgpio.driver;
