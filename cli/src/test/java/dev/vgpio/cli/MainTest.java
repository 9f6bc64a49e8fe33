package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {
    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private int run(String... args) {
        return cli.execute(args);
    }

    @Test
    void versionNamesTheBuildTheDeviceAndWhatItSupports() {
        assertThat(run("version")).isZero();
        assertThat(out.toString()).startsWith("vgpio ").contains("device ID 41").contains("Java 25")
                .contains("VIRTIO_GPIO_F_IRQ, and vgpio's extension VIRTIO_GPIO_F_LINE_CONFIG")
                .contains("virtio: VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX, VIRTIO_F_VERSION_1")
                .contains("VHOST_USER_F_PROTOCOL_FEATURES; protocol features VHOST_USER_PROTOCOL_F_MQ,"
                        + " VHOST_USER_PROTOCOL_F_REPLY_ACK, VHOST_USER_PROTOCOL_F_CONFIG")
                .contains("vgpio channel protocol version 1");
    }

    @Test
    void serveRunsOnItsOwnCommandLineExactlyAsOnTheWholeOne() {
        for (List<String> args : List.of(List.of("serve", "--help"), List.of("serve", "--version"),
                List.of("serve", "--print-capabilities"), List.of("serve", "--bogus"), List.of("serve", "-c", "0"),
                List.of("serve", "--log-level", "loud"), List.of("serve", "--sokcet", "x"),
                List.of("serve", "extra"), List.of("serve", "--help", "extra"))) {
            CliRun whole = new CliRun();
            CliRun alone = new CliRun();
            String[] a = args.toArray(String[]::new);
            int status = whole.execute(Main.commandLine(), a);
            assertThat(alone.execute(Main.serveOnly(), a)).as(String.join(" ", args)).isEqualTo(status);
            assertThat(alone.out.toString()).as(String.join(" ", args)).isEqualTo(whole.out.toString());
            assertThat(alone.err.toString()).as(String.join(" ", args)).isEqualTo(whole.err.toString());
        }
        assertThat(Main.commandLineFor("serve", "-q").getSubcommands()).containsOnlyKeys("serve");
        assertThat(Main.commandLineFor("info").getSubcommands()).containsKey("serve").containsKey("info");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: vgpio").contains("version").contains("notify");
    }

    @Test
    void everyCommandOfThisPartAnswersHelp() {
        for (List<String> command : List.of(List.of("ctl"), List.of("ctl", "set"), List.of("ctl", "watch"),
                List.of("conform"), List.of("bench"), List.of("version"), List.of("list-host"), List.of("notify"),
                List.of("help"))) {
            CliRun one = new CliRun();
            String[] args = java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help"))
                    .toArray(String[]::new);
            assertThat(one.execute(args)).as(String.join(" ", command)).isZero();
            assertThat(one.out.toString()).as(String.join(" ", command))
                    .contains("Usage: vgpio " + command.getFirst());
            assertThat(one.err.toString()).as(String.join(" ", command)).isEmpty();
        }
        CliRun help = new CliRun();
        assertThat(help.execute("help", "ctl")).isZero();
        assertThat(help.out.toString()).contains("Usage: vgpio ctl");
    }

    /** Every command and subcommand, found from the command model, answers --help, and picocli formats it cleanly. */
    @Test
    void everyCommandAndSubcommandAnswersHelpWithoutAFormattingWarning() {
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream picocliWarnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(picocliWarnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            List<List<String>> commands = new java.util.ArrayList<>();
            collect(Main.commandLine(), List.of(), commands);
            assertThat(commands).hasSizeGreaterThan(15);
            for (List<String> command : commands) {
                CliRun one = new CliRun();
                String[] args = java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help"))
                        .toArray(String[]::new);
                assertThat(one.execute(args)).as(String.join(" ", command)).isZero();
                assertThat(one.out.toString()).as(String.join(" ", command)).contains("Usage: vgpio");
            }
        } finally {
            System.setErr(realErr);
        }
        assertThat(picocliWarnings.toString()).as("what picocli printed on System.err").doesNotContain("WARN");
    }

    private static void collect(picocli.CommandLine cl, List<String> path, List<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getValue().getCommandSpec().aliases().length > 0 && !e.getKey().equals(e.getValue().getCommandName())
                    || e.getKey().equals("help")) {
                continue;
            }
            List<String> next = new java.util.ArrayList<>(path);
            next.add(e.getKey());
            out.add(next);
            collect(e.getValue(), next, out);
        }
    }

    @Test
    void theCommandListShowsWholeSentences() {
        assertThat(run("--help")).isZero();
        List<String> lines = Arrays.asList(out.toString().split("\n"));
        int start = lines.indexOf("Commands:");
        assertThat(start).isPositive();
        StringBuilder entry = new StringBuilder();
        List<String> entries = new java.util.ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            if (line.matches("  \\S.*") && !entry.isEmpty()) {
                entries.add(entry.toString());
                entry.setLength(0);
            }
            entry.append(line.strip()).append(' ');
        }
        entries.add(entry.toString());
        assertThat(entries).hasSizeGreaterThanOrEqualTo(13);
        for (String e : entries) {
            assertThat(e.strip()).as(e).endsWith(".");
        }
        assertThat(out.toString())
                .containsPattern("  conform +Check a vhost-user-gpio back end against the virtio spec's GPIO"
                        + "\\s+section\\.")
                .containsPattern("  bench +Measure the latency and throughput of a vhost-user-gpio back end\\.")
                .containsPattern("  help +Display help information about the specified command\\.")
                .doesNotContain("gpi\n");
        assertThat(Main.firstSentence("Drive lines: each LINE is requested. Then more")).isEqualTo("Drive lines.");
        assertThat(Main.firstSentence("One sentence")).isEqualTo("One sentence.");
    }

    @Test
    void unknownCommandIsOneLineAndAHint() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString()).startsWith("vgpio: unknown command 'frobnicate'\n")
                .endsWith("\nTry 'vgpio --help' for more information.\n").doesNotContain("Usage:");
        assertThat(err.toString().lines().count()).isLessThanOrEqualTo(3);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aSubcommandsUsageErrorNamesItAndItsHelp() {
        assertThat(run("ctl", "set", "LED")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("vgpio ctl set: Missing required parameter: 'LEVEL'\n"
                + "Try 'vgpio ctl set --help' for more information.\n");

        CliRun bench = new CliRun();
        assertThat(bench.execute("bench", "--frob")).isEqualTo(2);
        assertThat(bench.err.toString()).isEqualTo("vgpio bench: Unknown option: '--frob'\n"
                + "Try 'vgpio bench --help' for more information.\n");

        CliRun typo = new CliRun();
        assertThat(typo.execute("verison")).isEqualTo(2);
        assertThat(typo.err.toString()).startsWith("vgpio: unknown command 'verison'\n")
                .contains("version").endsWith("Try 'vgpio --help' for more information.\n")
                .doesNotContain("Usage:");
    }

    @Test
    void helpAfterAnUnknownCommandIsStillAnError() {
        CliRun find = new CliRun();
        assertThat(find.execute("find", "--help")).as("not the top-level help with status 0").isEqualTo(2);
        assertThat(find.out.toString()).isEmpty();
        assertThat(find.err.toString()).startsWith("vgpio: unknown command 'find'\n")
                .endsWith("Try 'vgpio --help' for more information.\n");

        CliRun extra = new CliRun();
        assertThat(extra.execute("ctl", "list", "LED", "--help")).isEqualTo(2);
        assertThat(extra.err.toString()).startsWith("vgpio ctl list: unexpected argument 'LED'\n");
        CliRun two = new CliRun();
        assertThat(two.execute("version", "a", "b")).isEqualTo(2);
        assertThat(two.err.toString()).startsWith("vgpio version: unexpected arguments 'a', 'b'\n");
    }

    @Test
    void anErrorWhileRunningNamesTheCommand() {
        CliRun ctl = new CliRun();
        assertThat(ctl.execute("ctl", "-c", "no-such-device", "list")).isEqualTo(1);
        assertThat(ctl.err.toString()).startsWith("vgpio ctl list: no device named \"no-such-device\"");
    }
}
