package dev.vgpio.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code -c/--chip CHIP} (also {@code --socket}): the device a tool talks to, as libgpiod's {@code -c/--chip} picks
 * a chip. CHIP is a socket path (it has a {@code /} or ends in {@code .sock}) or a device name: NAME is the first of
 * {@code ./NAME.sock}, {@code $XDG_RUNTIME_DIR/vgpio/NAME.sock} and {@code /run/vgpio/NAME.sock} that exists, or
 * {@code ./NAME.sock} if none does. The default is {@code ./vgpio.sock}, where {@code vgpio serve} puts its socket.
 */
final class ChipOption {
    static final String DEFAULT = "vgpio.sock";
    static final String DESCRIPTION = "The device (default " + DEFAULT + "): its vhost-user socket, a path with a '/'"
            + " or ending in .sock, or a device name NAME for the first of ./NAME.sock,"
            + " $XDG_RUNTIME_DIR/vgpio/NAME.sock and /run/vgpio/NAME.sock that exists.";

    @Option(names = {"-c", "--chip", "--socket"}, paramLabel = "CHIP", order = 90, description = DESCRIPTION)
    String chip;

    /** Whether {@code -c} was given (libgpiod then names unnamed and named lines by chip and offset). */
    boolean given() {
        return chip != null;
    }

    Path path() {
        return resolve(chip == null ? DEFAULT : chip);
    }

    /** The socket of {@code chip}, a path or a device name. */
    static Path resolve(String chip) {
        if (chip.contains("/") || chip.endsWith(".sock")) {
            return Path.of(chip);
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(chip + ".sock"));
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            candidates.add(Path.of(runtime, "vgpio", chip + ".sock"));
        }
        candidates.add(Path.of("/run/vgpio", chip + ".sock"));
        return candidates.stream().filter(Files::exists).findFirst().orElse(candidates.getFirst());
    }

    /** {@code -c/--chip CHIP}, repeatable: the devices a listing tool looks at. */
    static final class Many {
        @Option(names = {"-c", "--chip", "--socket"}, paramLabel = "CHIP", order = 90,
                description = "A device (repeatable): " + DESCRIPTION)
        List<String> chips = new ArrayList<>();

        /** The devices given (after {@code extra}, such as positional ones), or the default one. */
        List<Path> paths(List<String> extra) {
            List<String> all = new ArrayList<>(chips);
            all.addAll(extra);
            return all.isEmpty() ? List.of(Path.of(DEFAULT)) : all.stream().map(ChipOption::resolve).toList();
        }
    }
}
