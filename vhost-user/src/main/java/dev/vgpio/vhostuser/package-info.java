/**
 * The vhost-user transport (QEMU {@code docs/interop/vhost-user.rst}) for any virtio device:
 * {@link dev.vgpio.vhostuser.VhostUserServer} listens on a Unix socket and serves one
 * {@link dev.vgpio.virtio.VirtioDevice} to a front end such as QEMU, with guest memory mapped from the front end's
 * file descriptors and eventfds for kicks and calls, all on one thread; {@link dev.vgpio.vhostuser.VhostUserSession}
 * keeps the protocol state of a connection, and {@link dev.vgpio.vhostuser.VhostUserFrontend} is the other side, a
 * {@link dev.vgpio.virtio.VirtioTransport} to any back end. Each message layout is declared once ({@code Header},
 * {@code U64}, {@code VringState}, {@code VringAddress}, {@code VringFd}, {@code MemoryTable},
 * {@code MemoryRegion}, {@code DeviceConfig}) and {@code MessageDecoder} checks every message before the session
 * acts on it. Nothing here knows which device it carries.
 */
package dev.vgpio.vhostuser;
