/**
 * Watches running devices for the people testing guest software against them: {@link dev.vgpio.monitor.Monitor}
 * drains each device's {@link dev.vgpio.device.ActivityRing} on one thread of its own, keeps a live
 * {@link dev.vgpio.monitor.LineView} of every line ({@link dev.vgpio.monitor.WatchedDevice}), and hands each
 * {@link dev.vgpio.monitor.Activity} to its {@link dev.vgpio.monitor.ActivitySink}s (an event stream, a trace file);
 * {@link dev.vgpio.monitor.Stimuli} drives simulated inputs on a schedule (pulses, toggle bursts, square waves).
 */
package dev.vgpio.monitor;
