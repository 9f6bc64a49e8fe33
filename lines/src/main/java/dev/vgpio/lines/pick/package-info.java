/**
 * Which lines a device serves: {@link dev.vgpio.lines.pick.LineSpec}, the lines as a user writes them (the syntax
 * of Linux's gpio-aggregator {@code new_device}, plus simulated chips), and {@link dev.vgpio.lines.pick.LinePicker},
 * which resolves a spec against the host's chips ({@link dev.vgpio.lines.pick.HostChipDirectory}) into a
 * {@link dev.vgpio.lines.pick.PickedDevice}: every line with its chip, offset and the name the guest sees, checked.
 * Nothing here opens a line; the runtime does, from the picked device.
 */
package dev.vgpio.lines.pick;
