/**
 * The test bench over HTTP, in the daemon: {@link dev.vgpio.web.WebServer} serves a REST API over the
 * {@link dev.vgpio.monitor.Monitor}'s devices (see each line, drive simulated inputs, run stimuli, record traces), a
 * WebSocket stream of their activity ({@link dev.vgpio.web.EventStream}) and the web panel, on loopback unless given
 * a token ({@link dev.vgpio.web.HttpOptions}), with every request checked by {@link dev.vgpio.web.HttpGuard}.
 */
package dev.vgpio.web;
