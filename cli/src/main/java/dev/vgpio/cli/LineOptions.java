package dev.vgpio.cli;

import picocli.CommandLine.Option;

/** libgpiod's options for how the tools find lines and print their names: --by-name, -s/--strict, --unquoted. */
final class LineOptions {
    @Option(names = "--by-name", order = 80,
            description = "Treat lines as names even if they would parse as an offset.")
    boolean byName;

    @Option(names = {"-s", "--strict"}, order = 81,
            description = "Abort if a requested line name is not unique on the device.")
    boolean strict;

    @Option(names = "--unquoted", order = 82, description = "Don't quote line names.")
    boolean unquoted;
}
