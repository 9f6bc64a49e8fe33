package dev.vgpio.cli;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the libgpiod-style tools ({@code detect}, {@code info}, {@code get}, {@code set}, {@code mon}) share: the
 * {@code --timeout} option, opening a chip through the vhost-user front end, resolving lines and reporting errors as
 * one line {@code vgpio <tool>: <message>} on stderr with exit status 1 (usage errors stay picocli's status 2).
 */
abstract class ToolCommand implements Callable<Integer> {
    /** Memory the front end shares with the back end: rings and buffers of both queues fit easily. */
    static final long FRONT_END_MEMORY = 1 << 20;
    static final int QUEUE_SIZE = 256;

    @Spec
    CommandSpec spec;

    @Mixin
    TimeoutOption timeout;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 101, description = "Show this help and exit.")
    boolean help;

    /** The tool's work; the exit status. */
    abstract int run() throws IOException, InterruptedException;

    @Override
    public final Integer call() throws InterruptedException {
        try {
            return run();
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return fail(e.getMessage());
        }
    }

    /** Prints {@code vgpio <tool>: message} on stderr; returns 1. */
    int fail(String message) {
        err().println("vgpio " + spec.name() + ": " + message);
        err().flush();
        return 1;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    Duration timeout() {
        return timeout.timeout();
    }

    /** Connects to the back end at {@code socket} and opens its device; the caller closes the chip. */
    GpioChip open(Path socket, boolean interrupts) throws IOException {
        VhostUserFrontend frontEnd;
        try {
            frontEnd = VhostUserFrontend.connect(socket, timeout(), FRONT_END_MEMORY);
        } catch (VirtioException e) {
            if (e.reason() == VirtioException.Reason.CLOSED) {
                throw new VirtioException(e.reason(), e.getMessage() + " (a vhost-user back end serves one front end"
                        + " at a time: is a VM or another vgpio tool, such as a holding 'vgpio set', attached?)", e);
            }
            throw e;
        }
        return GpioChip.open(frontEnd, new GpioChip.Options(timeout(), QUEUE_SIZE, interrupts));
    }

    /**
     * The offsets of {@code lines} (names or offsets), in order.
     *
     * @throws IllegalArgumentException for an unknown line, or two arguments that are the same line
     */
    static int[] resolve(GpioChip chip, List<String> lines) {
        int[] offsets = new int[lines.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = chip.resolve(lines.get(i));
            for (int j = 0; j < i; j++) {
                if (offsets[j] == offsets[i]) {
                    throw new IllegalArgumentException(String.format("\"%s\" and \"%s\" are the same line (%d)",
                            lines.get(j), lines.get(i), offsets[i]));
                }
            }
        }
        return offsets;
    }

    /** A line's name quoted, or {@code unnamed}, padded to 16 columns as gpioinfo prints it. */
    static String paddedName(GpioChip chip, int offset) {
        String name = chip.lineNames().get(offset);
        return String.format("%-16s", name.isEmpty() ? "unnamed" : "\"" + name + "\"");
    }

    /** input, output or none. */
    static String directionWord(Direction d) {
        return switch (d) {
            case IN -> "input";
            case OUT -> "output";
            case NONE -> "none";
        };
    }
}
