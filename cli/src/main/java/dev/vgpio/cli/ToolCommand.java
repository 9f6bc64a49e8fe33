package dev.vgpio.cli;

import dev.vgpio.channel.ChannelTransport;
import dev.vgpio.channel.Endpoint;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What the libgpiod-style tools ({@code detect}, {@code info}, {@code get}, {@code set}, {@code mon}) share: the
 * {@code --timeout} option, libgpiod's line options ({@link LineOptions}), opening a chip through the vhost-user front
 * end, resolving lines and reporting errors as one line {@code vgpio <tool>: <message>} on stderr with exit status 1
 * (usage errors stay picocli's status 2).
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

    @Option(names = {"-v", "--version"}, versionHelp = true, order = 102,
            description = "Print vgpio's version and exit, as libgpiod's tools do.")
    boolean version;

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
        if (ChannelOptions.isAddress(socket.toString())) {
            Endpoint at = ChannelOptions.connectable(socket.toString());
            ChannelTransport channel = ChannelTransport.connect(at, channelToken(), timeout(), FRONT_END_MEMORY);
            return GpioChip.open(channel, new GpioChip.Options(timeout(), QUEUE_SIZE, interrupts));
        }
        VhostUserFrontend frontEnd;
        try {
            frontEnd = VhostUserFrontend.connect(socket, timeout(), FRONT_END_MEMORY);
        } catch (VirtioException e) {
            throw explained(e, socket);
        }
        return GpioChip.open(frontEnd, new GpioChip.Options(timeout(), QUEUE_SIZE, interrupts));
    }

    /** The token for a channel that needs one: the first line of {@code $VGPIO_CHANNEL_TOKEN_FILE}, or null. */
    static byte[] channelToken() throws IOException {
        String file = System.getenv("VGPIO_CHANNEL_TOKEN_FILE");
        return file == null || file.isEmpty() ? null
                : ChannelOptions.readToken(Path.of(file), "$VGPIO_CHANNEL_TOKEN_FILE");
    }

    /**
     * {@code e}, a failure to connect to {@code socket}, with what the user should check: that {@code vgpio serve}
     * runs there, or that nothing else holds the device.
     */
    static VirtioException explained(VirtioException e, Path socket) {
        return switch (e.reason()) {
            case UNREACHABLE -> new VirtioException(e.reason(), e.getMessage() + " (is `vgpio serve` running on "
                    + socket + "?)", e);
            case CLOSED -> new VirtioException(e.reason(), e.getMessage() + " (a vhost-user back end serves one"
                    + " front end at a time: is a VM or another vgpio tool, such as a holding 'vgpio set',"
                    + " attached?)", e);
            default -> e;
        };
    }

    /**
     * The offsets of {@code lines} (names or offsets), in order.
     *
     * @throws IllegalArgumentException for an unknown line, or two arguments that are the same line
     */
    static int[] resolve(GpioChip chip, List<String> lines) {
        return resolve(chip, lines, new LineOptions());
    }

    /**
     * The offsets of {@code lines}, in order, as libgpiod resolves them: a name, or an offset unless
     * {@code --by-name}; with {@code --strict} a name that several lines have is an error.
     *
     * @throws IllegalArgumentException for an unknown line, or two arguments that are the same line
     */
    static int[] resolve(GpioChip chip, List<String> lines, LineOptions options) {
        int[] offsets = new int[lines.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = resolveOne(chip, lines.get(i), options);
            for (int j = 0; j < i; j++) {
                if (offsets[j] == offsets[i]) {
                    throw new IllegalArgumentException(String.format("\"%s\" and \"%s\" are the same line (%d)",
                            lines.get(j), lines.get(i), offsets[i]));
                }
            }
        }
        return offsets;
    }

    private static int resolveOne(GpioChip chip, String line, LineOptions options) {
        List<String> names = chip.lineNames();
        if (options.strict && !line.isEmpty() && names.indexOf(line) != names.lastIndexOf(line)) {
            throw new IllegalArgumentException("line name \"" + line + "\" is not unique on " + chip.describe()
                    + " (lines " + names.indexOf(line) + " and " + names.lastIndexOf(line) + ")");
        }
        if (options.byName && !names.contains(line)) {
            throw new IllegalArgumentException("no line named \"" + line + "\" on " + chip.describe());
        }
        return chip.resolve(line);
    }

    /** {@code name} in double quotes, or as it is with {@code --unquoted}. */
    static String quote(String name, boolean unquoted) {
        return unquoted ? name : "\"" + name + "\"";
    }

    /**
     * {@code -b/--bias} as a {@link Bias}: libgpiod's words (pull-up, pull-down, disabled) and as-is, libgpiod's
     * default (leave the bias as it is); null gives as-is.
     *
     * @throws ParameterException for any other word
     */
    Bias bias(String bias) {
        if (bias == null) {
            return Bias.AS_IS;
        }
        try {
            return Bias.fromLabel(bias);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid bias: " + bias
                    + " (libgpiod takes pull-up, pull-down, disabled or as-is)");
        }
    }

    /**
     * {@code -d/--drive} as a {@link Drive}: libgpiod's words (push-pull, open-drain, open-source); null gives
     * push-pull, libgpiod's default.
     *
     * @throws ParameterException for any other word
     */
    Drive drive(String drive) {
        if (drive == null) {
            return Drive.PUSH_PULL;
        }
        try {
            return Drive.fromLabel(drive);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid drive: " + drive
                    + " (libgpiod takes push-pull, open-drain or open-source)");
        }
    }

    /** A line's name quoted (or not, with {@code unquoted}), or {@code unnamed}, padded to 16 columns. */
    static String paddedName(GpioChip chip, int offset, boolean unquoted) {
        String name = chip.lineNames().get(offset);
        return String.format("%-16s", name.isEmpty() ? "unnamed" : quote(name, unquoted));
    }

    /** input, output or none. */
    static String directionWord(Direction d) {
        return switch (d) {
            case IN -> "input";
            case OUT -> "output";
            case NONE -> "released"; // the spec's direction none; ctl says the same word
        };
    }
}
