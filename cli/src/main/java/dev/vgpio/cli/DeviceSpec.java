package dev.vgpio.cli;

import java.nio.file.Path;

/** One device {@code vgpio serve} runs: its vhost-user socket and its chip. */
public record DeviceSpec(Path socket, ChipSpec chip) {
}
