package dev.vgpio.cli;

import picocli.CommandLine.Option;

/**
 * libgpiod's {@code -C/--consumer NAME}: accepted so that command lines run unchanged, and without effect, since
 * virtio-gpio has no consumer label (the device never learns who requested a line).
 */
final class ConsumerOption {
    @Option(names = {"-C", "--consumer"}, paramLabel = "NAME", order = 91,
            description = "Accepted as libgpiod's tools take it, without effect: virtio-gpio has no consumer label.")
    String consumer;
}
