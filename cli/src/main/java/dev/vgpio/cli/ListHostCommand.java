package dev.vgpio.cli;

import dev.vgpio.sys.GpioChipFd;
import dev.vgpio.sys.GpioUapi;
import dev.vgpio.sys.LinuxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vgpio list-host}: the host's GPIO chips and their lines, as gpiodetect and gpioinfo would print them, so
 * that lines can be chosen without libgpiod installed. Reads the character devices only: no line is requested.
 */
@Command(name = "list-host", sortOptions = false,
        description = {"List the host's GPIO chips (/dev/gpiochipN) and every line: name, direction, consumer and "
                + "settings, in gpioinfo's format. Nothing is requested or changed.",
            "A chip that cannot be opened is reported on stderr and the others are still listed; the exit status is "
                + "then 1."},
        footer = {"", "Examples:", "  vgpio list-host", "  vgpio list-host gpiochip1 /dev/gpiochip2"})
final class ListHostCommand extends ToolCommand {
    @Parameters(paramLabel = "CHIP", arity = "0..*",
            description = "Chips to list, by name (gpiochip1) or path; default every /dev/gpiochipN.")
    List<String> chips = new ArrayList<>();

    @Override
    int run() throws IOException {
        List<Path> paths = chips.isEmpty() ? allChips() : chips.stream().map(ListHostCommand::path).toList();
        if (paths.isEmpty()) {
            return fail("no GPIO chips in /dev (no GPIO driver is loaded; gpio-sim gives simulated ones)");
        }
        int status = 0;
        for (Path p : paths) {
            try (GpioChipFd chip = GpioChipFd.open(p)) {
                GpioChipFd.ChipInfo info = chip.info();
                out().printf("%s [%s] (%d lines)%n", info.name(), info.label(), info.lines());
                for (int i = 0; i < info.lines(); i++) {
                    out().println(describe(chip.lineInfo(i)));
                }
                out().flush();
            } catch (LinuxException e) {
                out().flush();
                status = fail(e.getMessage());
            }
        }
        return status;
    }

    private static Path path(String chip) {
        return chip.contains("/") ? Path.of(chip) : Path.of("/dev", chip);
    }

    /** /dev/gpiochipN in the order of N. */
    static List<Path> allChips() throws IOException {
        return GpioChipFd.chipsIn(Path.of("/dev"));
    }

    /** One line as gpioinfo prints it: {@code \tline   3:\t"LED"\toutput consumer="vgpio:gpio0"}. */
    static String describe(GpioChipFd.LineInfo l) {
        long f = l.flags();
        StringBuilder b = new StringBuilder(String.format("\tline %3d:\t%s\t%s", l.offset(),
                l.name().isEmpty() ? "unnamed" : "\"" + l.name() + "\"",
                (f & GpioUapi.FLAG_OUTPUT) != 0 ? "output" : "input"));
        if ((f & GpioUapi.FLAG_USED) != 0) {
            b.append(" consumer=\"").append(l.consumer().isEmpty() ? "kernel" : l.consumer()).append('"');
        }
        if ((f & GpioUapi.FLAG_ACTIVE_LOW) != 0) {
            b.append(" active-low");
        }
        boolean rising = (f & GpioUapi.FLAG_EDGE_RISING) != 0;
        boolean falling = (f & GpioUapi.FLAG_EDGE_FALLING) != 0;
        if (rising || falling) {
            b.append(" edges=").append(rising && falling ? "both" : rising ? "rising" : "falling");
        }
        if ((f & GpioUapi.FLAG_BIAS_PULL_UP) != 0) {
            b.append(" bias=pull-up");
        } else if ((f & GpioUapi.FLAG_BIAS_PULL_DOWN) != 0) {
            b.append(" bias=pull-down");
        } else if ((f & GpioUapi.FLAG_BIAS_DISABLED) != 0) {
            b.append(" bias=disabled");
        }
        if ((f & GpioUapi.FLAG_OPEN_DRAIN) != 0) {
            b.append(" drive=open-drain");
        } else if ((f & GpioUapi.FLAG_OPEN_SOURCE) != 0) {
            b.append(" drive=open-source");
        }
        if (l.debounceMicros() > 0) {
            b.append(" debounce-period=").append(l.debounceMicros()).append("us");
        }
        return b.toString();
    }
}
