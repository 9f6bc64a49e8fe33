/**
 * The channel transport for any virtio device (docs/channel.md): each virtqueue buffer travels as a frame over a
 * Unix socket, TCP or a serial line. {@link dev.vgpio.channel.ChannelServer} serves a device that way, and
 * {@link dev.vgpio.channel.ChannelTransport} is the driver's side.
 */
package dev.vgpio.channel;
