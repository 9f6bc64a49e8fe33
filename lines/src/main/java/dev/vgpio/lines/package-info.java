/**
 * GPIO lines as a device serves them: the {@link dev.vgpio.lines.GpioLines} interface, which the
 * {@link dev.vgpio.lines.SimulatedChip} implements (and a Linux character-device chip and an aggregate of several
 * chips will).
 */
package dev.vgpio.lines;
