/**
 * Benchmarks: JMH microbenchmarks of the device's request path, and the C floor that vgpio's end-to-end figures are
 * compared with.
 *
 * <p>{@link dev.vgpio.bench.RequestPathBenchmark} times requests going through real split rings in guest memory to a
 * {@link dev.vgpio.device.VirtioGpioDevice} and back (set up by {@link dev.vgpio.bench.RequestPath});
 * {@link dev.vgpio.bench.Floor} builds and runs {@code floor.c}, two C processes that share a split virtqueue and
 * signal each other with eventfds, the least any implementation of this data path can cost on a machine.
 */
package dev.vgpio.bench;
