/**
 * Recorded traces of what the watched devices do (docs/traces.md): {@link dev.vgpio.monitor.trace.Traces#open}
 * writes a {@link dev.vgpio.monitor.trace.TraceFile} as the daemon runs, a Value Change Dump
 * ({@link dev.vgpio.monitor.trace.VcdWriter}: the lines' levels and directions, for GTKWave) or JSON lines
 * ({@link dev.vgpio.monitor.trace.JsonLinesWriter}: every activity); a
 * {@link dev.vgpio.monitor.trace.Recording} keeps one in memory for an API to start, stop and export.
 */
package dev.vgpio.monitor.trace;
