package dev.vgpio.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code -c/--chip CHIP} (also {@code --socket}): the device a command talks to, as libgpiod's {@code -c/--chip}
 * picks a chip. CHIP is a socket path (it has a {@code /}, ends in {@code .sock} or is a file here) or a device
 * name: NAME is the
 * first of {@code ./NAME.sock}, {@code $XDG_RUNTIME_DIR/vgpio/NAME.sock} and {@code /run/vgpio/NAME.sock} that
 * exists. Without the option the device is named {@code vgpio}, which is {@code ./vgpio.sock}, where
 * {@code vgpio serve} puts its socket, unless only one of the other two places has it. A command's subcommands
 * take the option too ({@code vgpio ctl list -c gpio.sock}).
 */
final class ChipOption {
    static final String DEFAULT = "vgpio.sock";
    static final String DEFAULT_NAME = "vgpio";
    static final String DESCRIPTION = "The device (default ./" + DEFAULT + "): its vhost-user socket, a path with a"
            + " '/' or ending in .sock, or a device name NAME for the first of ./NAME.sock,"
            + " $XDG_RUNTIME_DIR/vgpio/NAME.sock and /run/vgpio/NAME.sock that exists.";

    @Option(names = {"-c", "--chip", "--socket"}, paramLabel = "CHIP", order = 90, description = DESCRIPTION,
            scope = ScopeType.INHERIT)
    String chip;

    @Option(names = "--connect", paramLabel = "ADDRESS", order = 91, scope = ScopeType.INHERIT,
            description = "Reach the device over vgpio's channel instead (docs/channel.md): unix:PATH, tcp:HOST:PORT,"
                    + " tls:HOST:PORT or serial:DEVICE[,BAUD], as 'vgpio serve --listen' or a board serves it"
                    + " ($VGPIO_CHANNEL_TOKEN_FILE: its token; $VGPIO_CHANNEL_TLS_CA: the certificates tls: trusts).")
    String connect;

    private Path resolved;

    /** Whether {@code -c} was given (libgpiod then names unnamed and named lines by chip and offset). */
    boolean given() {
        return chip != null || connect != null;
    }

    /**
     * The socket of the device.
     *
     * @throws IllegalArgumentException if a device name was given and no place has its socket
     */
    Path path() {
        if (resolved == null) {
            if (connect != null && chip != null) {
                throw new IllegalArgumentException("give the device once: -c " + chip + " or --connect " + connect);
            }
            resolved = connect != null ? channel(connect) : chip == null ? resolve(DEFAULT_NAME, System.getenv(),
                    false) : resolve(chip);
        }
        return resolved;
    }

    /** The socket of {@code chip}, a path or a device name, looked up in this process's environment. */
    static Path resolve(String chip) {
        return resolve(chip, System.getenv(), true);
    }

    /**
     * The socket of {@code chip}, a path or a device name, with {@code env}'s {@code XDG_RUNTIME_DIR}.
     *
     * @param strict whether a name found nowhere is an error (else it is {@code ./NAME.sock})
     * @throws IllegalArgumentException if {@code strict} and no place has the name's socket
     */
    static Path resolve(String chip, Map<String, String> env, boolean strict) {
        if (ChannelOptions.isAddress(chip)) {
            return channel(chip);
        }
        if (chip.contains("/") || chip.endsWith(".sock") || Files.exists(Path.of(chip))) {
            return Path.of(chip); // a path, or a file here (vhost-device-gpio's sockets gpio.sock0, gpio.sock1, ...)
        }
        List<Path> candidates = places(chip, env);
        for (Path p : candidates) {
            if (Files.exists(p)) {
                return p;
            }
        }
        if (!strict) {
            return candidates.getFirst();
        }
        throw new IllegalArgumentException("no device named \"" + chip + "\": none of ./"
                + String.join(", ", candidates.stream().map(Path::toString).toList()) + " exists; give the socket"
                + " path 'vgpio serve' printed (a device's name is its socket's file name without .sock)");
    }

    /**
     * A channel address, checked, in the form the tools carry a device in ({@link ToolCommand#open} tells it from a
     * socket path by its {@code unix:}, {@code tcp:} or {@code serial:}).
     *
     * @throws IllegalArgumentException for an address that is not one
     */
    static Path channel(String address) {
        dev.vgpio.channel.Endpoint.parse(address);
        return Path.of(address);
    }

    /** Where the socket of the device named {@code name} may be, in the order they are tried. */
    static List<Path> places(String name, Map<String, String> env) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(name + ".sock"));
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            candidates.add(Path.of(runtime, "vgpio", name + ".sock"));
        }
        candidates.add(Path.of("/run/vgpio", name + ".sock"));
        return candidates;
    }

    /** {@code -c/--chip CHIP}, repeatable: the devices a listing tool looks at. */
    static final class Many {
        @Option(names = {"-c", "--chip", "--socket"}, paramLabel = "CHIP", order = 90,
                description = "A device to list (repeatable; default ./" + DEFAULT + "): a socket path, or a device"
                        + " name as for the other tools.")
        List<String> chips = new ArrayList<>();

        @Option(names = "--connect", paramLabel = "ADDRESS", order = 91, description = "A device to list over vgpio's"
                + " channel (repeatable): unix:PATH, tcp:HOST:PORT, tls:HOST:PORT or serial:DEVICE[,BAUD].")
        List<String> connects = new ArrayList<>();

        /** The devices given (after {@code extra}, such as positional ones), or the default one. */
        List<Path> paths(List<String> extra) {
            List<String> all = new ArrayList<>(chips);
            all.addAll(extra);
            all.addAll(connects);
            return all.isEmpty() ? List.of(resolve(DEFAULT_NAME, System.getenv(), false))
                    : all.stream().map(ChipOption::resolve).toList();
        }
    }
}
