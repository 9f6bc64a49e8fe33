/**
 * GPIO lines as a device serves them: the {@link dev.vgpio.lines.GpioLines} interface that a simulated chip,
 * a Linux character-device chip or an aggregate of several chips implements, and the
 * {@link dev.vgpio.lines.SimulatedChip}.
 */
package dev.vgpio.lines;
