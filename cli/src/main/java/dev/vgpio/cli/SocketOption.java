package dev.vgpio.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -s/--socket PATH}: the one vhost-user socket of the device a command talks to. */
final class SocketOption {
    static final String DEFAULT = "vgpio.sock";

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", defaultValue = DEFAULT, order = 90,
            description = "The device's vhost-user socket (default ./${DEFAULT-VALUE}).")
    Path socket;

    Path path() {
        return socket;
    }
}
