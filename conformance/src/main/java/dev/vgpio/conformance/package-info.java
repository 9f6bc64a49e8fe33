/**
 * A conformance suite for virtio-gpio devices: every normative statement of the spec's GPIO section that a driver can
 * observe, checked against any vhost-user-gpio back end. {@link dev.vgpio.conformance.ConformanceSuite#run} opens a
 * fresh session to the device for each check (through a {@link dev.vgpio.conformance.Target}), drives the requestq
 * and eventq through raw rings, and returns one {@link dev.vgpio.conformance.Result} per check;
 * {@link dev.vgpio.conformance.ConformanceReport} renders them as a table.
 */
package dev.vgpio.conformance;
