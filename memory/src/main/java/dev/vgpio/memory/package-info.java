/**
 * Guest physical memory as the device sees it: a set of non-overlapping {@link dev.vgpio.memory.GuestRegion}s,
 * with address translation and bounds-checked little-endian reads and writes that never throw past
 * {@link dev.vgpio.memory.GuestMemoryException}.
 */
package dev.vgpio.memory;
