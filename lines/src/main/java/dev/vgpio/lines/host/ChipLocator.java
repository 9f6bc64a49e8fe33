package dev.vgpio.lines.host;

import dev.vgpio.sys.Errno;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a host GPIO chip is, and how to find it again after it went away (a module reloaded, a USB adapter
 * replugged, a gpio-sim bank recreated): at its path, and, if the user named the chip by its label (or its lines by
 * their names) rather than by its path, by label among {@code /dev/gpiochip*}; either way only a chip with the same
 * label and the same line names.
 *
 * @param path the character device, such as {@code /dev/gpiochip0}
 * @param label the chip's label, as the kernel reports it
 * @param byLabel whether the chip may be found again under another path by its label
 */
public record ChipLocator(Path path, String label, boolean byLabel) {
    static final Path DEV = Path.of("/dev");

    /**
     * Opens the chip this locator finds now, or returns {@code null}: the chip at the same path, or else (if
     * {@link #byLabel}) the one chip among {@code /dev/gpiochip*} with the same label; either way with exactly these
     * line names. Under another path, never a chip in {@code taken} (served by another device), and two candidates
     * are none: vgpio never guesses which of two identical chips a VM was given.
     */
    GpioChipFd find(List<String> names, java.util.Set<Path> taken) {
        GpioChipFd atPath = openIf(path, names);
        if (atPath != null || !byLabel) {
            return atPath;
        }
        GpioChipFd found = null;
        for (Path candidate : chips()) {
            if (!candidate.equals(path) && !taken.contains(candidate)) {
                GpioChipFd c = openIf(candidate, names);
                if (c != null && found != null) {
                    c.close();
                    found.close();
                    return null;
                }
                if (c != null) {
                    found = c;
                }
            }
        }
        return found;
    }

    private static List<Path> chips() {
        try {
            return GpioChipFd.chipsIn(DEV);
        } catch (IOException e) {
            return List.of();
        }
    }

    private GpioChipFd openIf(Path p, List<String> names) {
        GpioChipFd c;
        try {
            c = GpioChipFd.open(p);
        } catch (LinuxException e) {
            return null;
        }
        try {
            GpioChipFd.ChipInfo info = c.info();
            if (info.label().equals(label) && info.lines() == names.size() && c.lineNames().equals(names)) {
                return c;
            }
        } catch (LinuxException e) {
            // not a chip that answers: not ours
        }
        c.close();
        return null;
    }

    /** How log lines name a chip: {@code gpiochip2 [sim-bank-a]}, with the path if it is not the usual one. */
    static String describe(Path path, GpioChipFd.ChipInfo info) {
        String usual = DEV.resolve(info.name()).toString();
        return info.name() + " [" + info.label() + "]" + (path.toString().equals(usual) ? "" : " (" + path + ")");
    }

    /** What a user can do about an errno from a GPIO chip, as a sentence to append to a message. */
    static String hint(int errno) {
        return switch (errno) {
            case Errno.EBUSY -> "; another consumer holds the line (see gpioinfo or vgpio list-host)";
            case Errno.EACCES, Errno.EPERM -> "; give vgpio's user access to the chip (a gpio group or a udev rule)";
            case Errno.ENOENT -> "; no such chip (see vgpio list-host)";
            case Errno.ENODEV, Errno.ENXIO -> "; the chip went away";
            default -> "";
        };
    }
}
