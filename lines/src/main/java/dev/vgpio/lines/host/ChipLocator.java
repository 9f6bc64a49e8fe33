package dev.vgpio.lines.host;

import dev.vgpio.sys.Errno;
import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a host GPIO chip is, and how to find it again after it went away (a module reloaded, a USB adapter
 * replugged, a gpio-sim bank recreated): first at its path, as long as the chip there has the same label; then by
 * label among {@code /dev/gpiochip*}, with the same number of lines.
 *
 * @param path the character device, such as {@code /dev/gpiochip0}
 * @param label the chip's label, as the kernel reports it
 */
public record ChipLocator(Path path, String label) {
    static final Path DEV = Path.of("/dev");

    /** Opens the chip this locator finds now, or returns {@code null} if none is there. */
    GpioChipFd find(int lines) {
        GpioChipFd atPath = openIf(path, lines);
        if (atPath != null) {
            return atPath;
        }
        for (Path candidate : chips()) {
            if (!candidate.equals(path)) {
                GpioChipFd c = openIf(candidate, lines);
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    private static List<Path> chips() {
        try {
            return GpioChipFd.chipsIn(DEV);
        } catch (IOException e) {
            return List.of();
        }
    }

    private GpioChipFd openIf(Path p, int lines) {
        GpioChipFd c;
        try {
            c = GpioChipFd.open(p);
        } catch (LinuxException e) {
            return null;
        }
        try {
            GpioChipFd.ChipInfo info = c.info();
            if (info.label().equals(label) && info.lines() == lines) {
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
