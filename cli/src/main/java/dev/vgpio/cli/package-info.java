/** The {@code vgpio} command line: one picocli subcommand per job (serve, version, and the tools to come). */
package dev.vgpio.cli;
