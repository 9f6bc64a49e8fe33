package dev.vgpio.lines.pick;

import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@link HostChipDirectory#system()}: the character devices {@code gpiochipN} of a directory, read once. */
final class DevChips implements HostChipDirectory {

    private final Path dir;
    private List<HostChipInfo> chips;
    private List<Unreadable> unreadable;

    DevChips(Path dir) {
        this.dir = dir;
    }

    @Override
    public synchronized List<HostChipInfo> chips() {
        scan();
        return chips;
    }

    @Override
    public synchronized List<Unreadable> unreadable() {
        scan();
        return unreadable;
    }

    /** The {@code gpiochipN} entries of {@code dir}, in the order of N. */
    private void scan() {
        if (chips != null) {
            return;
        }
        List<Path> paths;
        try {
            paths = GpioChipFd.chipsIn(dir);
        } catch (IOException e) {
            throw new LineSpecException(Reason.UNREADABLE_CHIP,
                    "cannot list the host's GPIO chips in " + dir + ": " + e.getMessage(), e);
        }
        List<HostChipInfo> read = new ArrayList<>();
        List<Unreadable> failed = new ArrayList<>();
        for (Path path : paths) {
            try (GpioChipFd chip = GpioChipFd.open(path)) {
                GpioChipFd.ChipInfo info = chip.info();
                read.add(new HostChipInfo(info.name(), path, info.label(), chip.lineNames()));
            } catch (LinuxException e) {
                failed.add(new Unreadable(path, e.getMessage()));
            }
        }
        chips = List.copyOf(read);
        unreadable = List.copyOf(failed);
    }
}
