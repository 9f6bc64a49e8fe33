/**
 * Host-side control of simulated lines: {@link dev.vgpio.control.HostControl} drives, pulses, toggles and inspects the
 * lines of a {@link dev.vgpio.lines.SimulatedChip}; {@link dev.vgpio.control.CtlServer} offers it on a Unix control
 * socket beside a device's vhost-user socket, and {@link dev.vgpio.control.CtlClient} talks to it.
 */
package dev.vgpio.control;
