package dev.vgpio.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code -s/--socket PATH}, repeatable: the devices a listing command looks at. */
final class SocketsOption {
    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", order = 90,
            description = "A device's vhost-user socket (repeatable; default ./" + SocketOption.DEFAULT + ").")
    List<Path> sockets = new ArrayList<>();

    /** The sockets given, or the default one. */
    List<Path> paths() {
        return sockets.isEmpty() ? List.of(Path.of(SocketOption.DEFAULT)) : sockets;
    }
}
