package dev.vgpio.lines.pick;

import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@link HostChipDirectory#system()}: the character devices {@code gpiochipN} of a directory, read once. */
final class DevChips implements HostChipDirectory {
    private static final Pattern CHIP = Pattern.compile("gpiochip\\d{1,9}");

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
    static List<Path> chipPaths(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> CHIP.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(8))))
                    .toList();
        }
    }

    private void scan() {
        if (chips != null) {
            return;
        }
        List<Path> paths;
        try {
            paths = chipPaths(dir);
        } catch (IOException e) {
            throw new LineSpecException(Reason.UNREADABLE_CHIP,
                    "cannot list the host's GPIO chips in " + dir + ": " + e.getMessage(), e);
        }
        List<HostChipInfo> read = new ArrayList<>();
        List<Unreadable> failed = new ArrayList<>();
        for (Path path : paths) {
            try (GpioChipFd chip = GpioChipFd.open(path)) {
                GpioChipFd.ChipInfo info = chip.info();
                List<String> names = new ArrayList<>(info.lines());
                for (int offset = 0; offset < info.lines(); offset++) {
                    names.add(chip.lineInfo(offset).name());
                }
                read.add(new HostChipInfo(info.name(), path, info.label(), names));
            } catch (LinuxException e) {
                failed.add(new Unreadable(path, e.getMessage()));
            }
        }
        chips = List.copyOf(read);
        unreadable = List.copyOf(failed);
    }
}
