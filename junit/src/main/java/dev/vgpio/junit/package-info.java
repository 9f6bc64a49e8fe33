/**
 * A JUnit 5 extension for tests of guest software and drivers against a simulated virtio-gpio device
 * (docs/junit.md): {@link dev.vgpio.junit.VgpioExtension} serves the device on a temporary vhost-user socket for
 * the test (or the test class), watched by a {@link dev.vgpio.monitor.Monitor}; {@link dev.vgpio.junit.Line} is the
 * test's handle to one line (drive it as the host, read it, await what the guest does with it, the
 * {@link dev.vgpio.junit.Edge}s it went through); a trace of the device's activity is recorded for each test and
 * kept when the test fails ({@link dev.vgpio.junit.KeepTrace}).
 */
package dev.vgpio.junit;
