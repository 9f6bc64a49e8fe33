package dev.vgpio.cli;

import dev.vgpio.channel.Endpoint;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.pick.HostChipDirectory;
import dev.vgpio.lines.pick.HostChipInfo;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.LineSpecException;
import dev.vgpio.remote.RemoteLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The remote devices {@code --chip remote:ADDRESS} names (a board or another daemon over the channel), connected
 * before the lines are picked, so that a spec picks from them as from host chips: {@code remote:tcp:board:7000}
 * whole, {@code remote:unix:/run/board.sock 0-3}, or one of their lines by name.
 */
final class RemoteChips implements AutoCloseable {
    static final String PREFIX = "remote:";

    private final Map<Path, RemoteLines> open = new LinkedHashMap<>();

    /** Whether a spec token names a remote device. */
    static boolean isRemote(String token) {
        return token.startsWith(PREFIX);
    }

    /**
     * Connects to every remote device the specs name, each once.
     *
     * @param token the token for channels that need one, or null
     * @throws IllegalArgumentException for an address that is not one, or a remote named by two devices
     * @throws LineException if one does not answer (those already open are closed again)
     */
    static RemoteChips connect(List<LineSpec> specs, byte[] token) throws LineException, java.io.IOException {
        RemoteChips r = new RemoteChips();
        try {
            Map<String, Integer> owner = new LinkedHashMap<>();
            for (int device = 0; device < specs.size(); device++) {
                for (LineSpec.Part p : specs.get(device).parts()) {
                    String chip = switch (p) {
                        case LineSpec.HostLines h -> h.chip();
                        case LineSpec.LoneToken t -> t.token();
                        default -> "";
                    };
                    if (!isRemote(chip)) {
                        continue;
                    }
                    Integer before = owner.putIfAbsent(chip, device);
                    if (before != null && before != device) {
                        throw new IllegalArgumentException(chip + " is named by two devices; a remote device"
                                + " serves one driver at a time, so it can be the lines of one device only");
                    }
                    if (before == null) {
                        Endpoint at = ChannelOptions.connectable(chip.substring(PREFIX.length()));
                        r.open.put(Path.of(chip), RemoteLines.open(at, token));
                    }
                }
            }
            return r;
        } catch (LineException | java.io.IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The remote devices as chips a spec can pick from, beside the host's own. */
    HostChipDirectory directory(HostChipDirectory host) {
        if (open.isEmpty()) {
            return host;
        }
        return new HostChipDirectory() {
            @Override
            public List<HostChipInfo> chips() throws LineSpecException {
                List<HostChipInfo> all = new ArrayList<>(host.chips());
                for (Map.Entry<Path, RemoteLines> e : open.entrySet()) {
                    all.add(new HostChipInfo(e.getKey().toString(), e.getKey(), e.getValue().label(),
                            e.getValue().lineNames()));
                }
                return all;
            }

            @Override
            public List<Unreadable> unreadable() throws LineSpecException {
                return host.unreadable();
            }
        };
    }

    /** The open remote device at {@code path} (its {@code remote:} name), or null for a host chip. */
    GpioLines lines(Path path) {
        return open.get(path);
    }

    @Override
    public void close() {
        open.values().forEach(RemoteLines::close);
    }
}
