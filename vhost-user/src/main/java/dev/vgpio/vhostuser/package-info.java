/**
 * The vhost-user transport (QEMU {@code docs/interop/vhost-user.rst}): {@link dev.vgpio.vhostuser.VhostUserServer}
 * listens on a Unix socket and serves one {@link dev.vgpio.device.VirtioDevice} to a front end such as QEMU, with
 * guest memory mapped from the front end's file descriptors and eventfds for kicks and calls, all on one thread.
 */
package dev.vgpio.vhostuser;
