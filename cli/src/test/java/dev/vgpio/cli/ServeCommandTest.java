package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.pick.HostChipDirectory;
import dev.vgpio.lines.pick.HostChipInfo;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.PickedDevice;
import dev.vgpio.sys.UnixSocket;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
    /** A host without GPIO chips: simulated specs never ask it. */
    private static final HostChipDirectory NO_HOST = HostChipDirectory.of(List.of());
    private static final HostChipDirectory HOST = HostChipDirectory.of(List.of(new HostChipInfo("gpiochip0",
            Path.of("/dev/gpiochip0"), "pinctrl", List.of("LED", "BUTTON"))));
    @TempDir
    Path dir;
    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private int run(String... args) {
        return cli.execute(args);
    }

    private List<DeviceSpec> devices(String... args) throws IOException {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs(args);
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        return cmd.devices();
    }

    @Test
    void printCapabilitiesFollowsTheBackEndProgramConvention() {
        assertThat(run("serve", "--print-capabilities")).isZero();
        assertThat(out.toString().trim()).isEqualTo("{\"type\": \"gpio\"}");
    }

    @Test
    void defaultIsTheDemoChipOnVgpioSockInTheCurrentDirectory() throws IOException {
        assertThat(devices()).containsExactly(new DeviceSpec(Path.of("vgpio.sock"), LineSpec.DEMO, List.of()));
        PickedDevice demo = devices().getFirst().pick(NO_HOST);
        assertThat(demo.label()).isEqualTo("vgpio-sim");
        assertThat(demo.names()).isEqualTo(LineSpec.DEMO_NAMES);
        assertThat(LineSpec.DEMO_NAMES).hasSize(8).doesNotHaveDuplicates();
    }

    @Test
    void socketCountNumbersThePathsLikeVhostDeviceGpio() throws IOException {
        assertThat(devices("--socket", "/tmp/g.sock", "--socket-count", "3", "--chip", "sim:4"))
                .extracting(DeviceSpec::socket)
                .containsExactly(Path.of("/tmp/g.sock0"), Path.of("/tmp/g.sock1"), Path.of("/tmp/g.sock2"));
    }

    @Test
    void chipsPairWithSocketsInOrder() throws IOException {
        List<DeviceSpec> d = devices("-s", "a.sock", "-s", "b.sock", "--chip", "sim:2", "--chip", "sim:X,Y,Z@board");
        assertThat(d.get(0).pick(NO_HOST).names()).containsExactly("line0", "line1");
        assertThat(d.get(1).pick(NO_HOST).names()).containsExactly("X", "Y", "Z");
        assertThat(d.get(1).pick(NO_HOST).label()).isEqualTo("board");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "b", "-s", "c", "--chip", "sim", "--chip", "sim"))
                .hasMessageContaining("2 --chip options for 3 sockets");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "a"))
                .hasMessageContaining("socket a is given twice");
    }

    @Test
    void chipTakesALineSpec() throws IOException {
        assertThat(devices("--chip", "gpiochip0 3,5-7  sim:LED").getFirst().lines())
                .isEqualTo(LineSpec.parse("gpiochip0 3,5-7 sim:LED"));
        assertThatThrownBy(() -> devices("--chip", "gpiochip0 3 5")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("offsets '5' follow no host chip");
        assertThatThrownBy(() -> devices("--chip", "sim:0")).hasMessageContaining("line count must be 1 to 65535");
        assertThatThrownBy(() -> devices("--chip", "sim:8@")).hasMessageContaining("label after '@' is empty");
    }

    @Test
    void namesPairWithChipsAndRenameInLineOrder() throws IOException {
        List<DeviceSpec> d = devices("-s", "a.sock", "-s", "b.sock", "--chip", "sim:A,B,C", "--chip", "gpiochip0 1,0",
                "--names", ",B2", "--names", "LED,");
        assertThat(d.get(0).names()).containsExactly("", "B2");
        assertThat(d.get(1).names()).containsExactly("LED", "");
        assertThat(d.get(0).pick(NO_HOST).names()).containsExactly("A", "B2", "C");
        assertThat(devices("-s", "a", "-s", "b", "--chip", "sim:X,Y", "--names", "P").get(1).names())
                .as("one --chip for every socket takes one --names for every socket").containsExactly("P");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "b", "--chip", "sim:2", "--chip", "sim:2", "--names", "X"))
                .hasMessageContaining("1 --names options for 2 --chip options");
    }

    @Test
    void hostLinesAreLookedUpAndTwoDevicesMayNotShareOne() throws IOException {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("-s", "a.sock", "-s", "b.sock", "--chip", "pinctrl 0",
                "--chip", "gpiochip0 1 sim:X");
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        List<PickedDevice> picked = cmd.pick(cmd.devices(), HOST);
        assertThat(picked.get(0).names()).containsExactly("LED");
        assertThat(picked.get(1).names()).containsExactly("BUTTON", "X");
        assertThat(picked.get(1).hasHostLines()).isTrue();

        new CommandLine(cmd).parseArgs("-s", "a.sock", "-s", "b.sock", "--chip", "pinctrl 0", "--chip", "LED");
        assertThatThrownBy(() -> cmd.pick(cmd.devices(), HOST)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("gpiochip0").hasMessageContaining("a.sock").hasMessageContaining("b.sock");
        new CommandLine(cmd).parseArgs("-s", "c.sock", "--chip", "gpiochip7 1");
        assertThatThrownBy(() -> cmd.pick(cmd.devices(), HOST)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("the device on c.sock: no host chip is called 'gpiochip7'");
    }

    @Test
    void aHostChipThatDoesNotExistStopsServeBeforeAnySocketExists() {
        Path sock = dir.resolve("h.sock");
        assertThat(run("serve", "--socket", sock.toString(), "--chip", "no-such-chip-label 0")).isEqualTo(2);
        assertThat(err.toString()).contains("no-such-chip-label");
        assertThat(sock).doesNotExist();
    }

    @Test
    void anUnknownSocketGroupIsAClearErrorAndLeavesNoSocket() {
        Path sock = dir.resolve("g.sock");
        assertThat(run("serve", "--socket", sock.toString(), "--socket-group", "no-such-group-x")).isEqualTo(1);
        assertThat(err.toString()).contains("there is no group named 'no-such-group-x'");
        assertThat(sock).doesNotExist();
        assertThat(dev.vgpio.control.CtlServer.pathFor(sock)).doesNotExist();
    }

    @Test
    void timeoutsTakeTimeValuesAndRefuseNonsense() {
        Path sock = dir.resolve("t.sock");
        assertThat(run("serve", "--socket", sock.toString(), "--message-timeout", "0s")).isEqualTo(2);
        assertThat(err.toString()).contains("the message timeout must be more than 0");
        assertThat(run("serve", "--socket", sock.toString(), "--handshake-timeout", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a period");
        assertThat(TimeValue.parse("250ms", "s")).hasMillis(250);
        assertThat(TimeValue.parse("3", "s")).hasSeconds(3);
        assertThat(TimeValue.parse("2m", "s")).hasMinutes(2);
        assertThat(TimeValue.parse("7us", "s")).hasNanos(7000);
        assertThat(sock).doesNotExist();
    }

    @Test
    void duplicateLineNamesAreRefusedWithTheLinesNamed() {
        assertThat(run("serve", "--socket", dir.resolve("d.sock").toString(), "--chip", "sim:LED,BUTTON,LED"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("duplicate line name \"LED\" on lines 0 and 2");
        assertThat(dir.resolve("d.sock")).doesNotExist();
    }

    @Test
    void traceAndHttpOptionsAreCheckedBeforeAnythingStarts() {
        Path sock = dir.resolve("t.sock");
        assertThat(run("serve", "--socket", sock.toString(), "--trace", dir.resolve("run.fst").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--trace: a trace file's name ends in .vcd (Value Change Dump) or .jsonl");
        assertThat(run("serve", "--socket", sock.toString(), "--http", "0.0.0.0:0")).isEqualTo(2);
        assertThat(err.toString()).contains("is not a loopback address").contains("--http-token-file");
        assertThat(run("serve", "--socket", sock.toString(), "--http-token-file", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--http-token-file needs --http");
        assertThat(run("serve", "--socket", sock.toString(), "--trace", dir.resolve("no/dir/run.vcd").toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("does not exist");
        assertThat(sock).as("nothing left behind").doesNotExist();
    }

    @Test
    void aLiveSocketIsRefused() throws IOException {
        Path busy = dir.resolve("busy.sock");
        try (UnixSocket other = UnixSocket.listen(busy, 1)) {
            assertThat(run("serve", "--socket", busy.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("another process is already serving " + busy);
            assertThat(UnixSocket.isLive(busy)).as("the other server's socket is untouched").isTrue();
        }
    }

    @Test
    void aSecondServeOnTheSameSocketNamesTheUsersSocketNotTheControlSocket() throws IOException {
        Path busy = dir.resolve("gpio.sock");
        try (UnixSocket other = UnixSocket.listen(busy, 1);
                UnixSocket otherCtl = UnixSocket.listen(Path.of(busy + ".ctl"), 1)) {
            assertThat(run("serve", "--socket", busy.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("another process is already serving " + busy + ";")
                    .doesNotContain(".ctl");
            assertThat(UnixSocket.isLive(Path.of(busy + ".ctl"))).isTrue();
        }
    }

    @Test
    void configFileListsDevices() throws IOException {
        Path config = dir.resolve("devices.json");
        Files.writeString(config, """
                {"devices": [
                  {"socket": "a.sock", "label": "board", "lines": ["LED", "", "RESET"]},
                  {"socket": "/tmp/b.sock", "chip": "sim:4"}
                ]}""");
        List<DeviceSpec> d = devices("--config", config.toString());
        assertThat(d.get(0).socket()).isEqualTo(dir.resolve("a.sock"));
        assertThat(d.get(0).pick(NO_HOST).label()).isEqualTo("board");
        assertThat(d.get(0).pick(NO_HOST).names()).containsExactly("LED", "", "RESET");
        assertThat(d.get(1).pick(NO_HOST).names()).hasSize(4);
    }

    @Test
    void configFileErrorsNameTheFileAndTheEntry() throws IOException {
        Path config = dir.resolve("bad.json");
        Files.writeString(config, "{\"devices\": [{\"socket\": \"a\", \"lines\": [\"A\", \"A\"]}]}");
        assertThatThrownBy(() -> devices("--config", config.toString()))
                .hasMessageContaining("bad.json:1, device 0")
                .hasMessageContaining("duplicate line name \"A\" on lines 0 and 1");
        Files.writeString(config, "{\"devices\": [{\"socket\": \"a\", \"colour\": \"red\"}]}");
        assertThatThrownBy(() -> devices("--config", config.toString()))
                .hasMessageContaining("bad.json")
                .hasMessageContaining("colour");
        Files.writeString(config, "{\"devices\": []}");
        assertThatThrownBy(() -> devices("--config", config.toString())).hasMessageContaining("lists no devices");
        Files.writeString(config, "{\"devices\": [{\"chip\": \"sim\"}]}");
        assertThatThrownBy(() -> devices("--config", config.toString())).hasMessageContaining("\"socket\" is missing");
        assertThatThrownBy(() -> devices("--config", config.toString(), "--socket", "x"))
                .hasMessageContaining("do not combine");
    }

    @Test
    void aVhostDeviceGpioCommandLineRunsUnchanged() throws IOException {
        // from vhost-device-gpio's --help: "-c 4 -l 3:s4:6:s1"
        List<DeviceSpec> d = devices("--socket-path=/tmp/gpio.sock", "-c", "4", "-l", "3:s4:6:s1");
        assertThat(d).containsExactly(
                new DeviceSpec(Path.of("/tmp/gpio.sock0"), LineSpec.parse("/dev/gpiochip3"), List.of()),
                new DeviceSpec(Path.of("/tmp/gpio.sock1"), LineSpec.parse("sim:4"), List.of()),
                new DeviceSpec(Path.of("/tmp/gpio.sock2"), LineSpec.parse("/dev/gpiochip6"), List.of()),
                new DeviceSpec(Path.of("/tmp/gpio.sock3"), LineSpec.parse("sim:1"), List.of()));
        assertThat(devices("--socket-path=gpio.sock", "--socket-count=2", "--device-list", "0:3"))
                .extracting(DeviceSpec::socket).containsExactly(Path.of("gpio.sock0"), Path.of("gpio.sock1"));
        assertThat(devices("-s", "g.sock", "-l", "s8")).as("rust-vmm's default count is 1, on PATH0")
                .containsExactly(new DeviceSpec(Path.of("g.sock0"), LineSpec.parse("sim:8"), List.of()));
    }

    @Test
    void vhostDeviceGpioReadmeExampleIsRefusedAsItIsThereForItsCountMismatch() {
        // the README's example, word for word: two devices for one socket; vhost-device-gpio refuses it too
        assertThatThrownBy(() -> devices("--socket-path=gpio.sock", "--socket-count=1", "--device-list", "0:3"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--device-list 0:3 lists 2 devices but --socket-count is 1: give one device per socket");
        assertThatThrownBy(() -> devices("-s", "g.sock", "-l", "s1:s2"))
                .hasMessage("--device-list s1:s2 lists 2 devices but --socket-count is 1 (its default): give one"
                        + " device per socket");
        assertThatThrownBy(() -> devices("-s", "g.sock", "-c", "3", "-l", "s1:s2"))
                .hasMessageContaining("lists 2 devices but --socket-count is 3");
    }

    @Test
    void deviceListEntriesFollowVhostDeviceGpiosGrammar() throws IOException {
        assertThatThrownBy(() -> devices("-s", "g", "-c", "3", "-l", "1:4d:5"))
                .hasMessage("--device-list 1:4d:5: \"4d\" is neither a host chip number (0 for /dev/gpiochip0) nor"
                        + " sN (a simulated chip of N lines)");
        assertThatThrownBy(() -> devices("-s", "g", "-c", "2", "-l", "1:")).hasMessageContaining("\"\" is neither");
        assertThatThrownBy(() -> devices("-s", "g", "-c", "2", "-l", "1:-2")).hasMessageContaining("\"-2\"");
        assertThatThrownBy(() -> devices("-s", "g", "-c", "5", "-l", "1:4:5:6:4"))
                .hasMessageContaining("/dev/gpiochip4 is listed twice");
        assertThat(devices("-s", "g", "-c", "2", "-l", "s4:s4")).as("simulated chips may repeat").hasSize(2);
        assertThatThrownBy(() -> devices("-s", "g", "-l", "s0")).hasMessageContaining("at least 1 line");
        assertThatThrownBy(() -> devices("-s", "g", "-c", "0", "-l", "1"))
                .hasMessage("--socket-count must be at least 1");
        assertThatThrownBy(() -> devices("-s", "g", "-l", "1", "--chip", "sim"))
                .hasMessageContaining("--device-list and --chip both choose the lines");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "b", "-l", "1"))
                .hasMessageContaining("--device-list needs exactly one --socket PATH");
    }

    @Test
    void socketCountOneServesPathZeroAsVhostDeviceGpioAndNoCountServesThePath() throws IOException {
        assertThat(devices("-s", "g.sock", "-c", "1")).extracting(DeviceSpec::socket)
                .containsExactly(Path.of("g.sock0"));
        assertThat(devices("-s", "g.sock")).extracting(DeviceSpec::socket).containsExactly(Path.of("g.sock"));
        assertThat(devices("--socket", "g.sock")).as("--socket stays").extracting(DeviceSpec::socket)
                .containsExactly(Path.of("g.sock"));
        assertThatThrownBy(() -> devices("-c", "sim")).as("-c is --socket-count now")
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("sim");
    }

    @Test
    void serveHelpAnswersWithStatusZeroAndWrapsWholeWords() {
        assertThat(run("serve", "--help")).isZero();
        String help = out.toString();
        assertThat(help).contains("-s, --socket, --socket-path=PATH").contains("-c, --socket-count=N")
                .contains("-l, --device-list=LIST").contains("--log-level=LEVEL").contains("-q, --quiet")
                .contains("./vgpio.sock.").contains("sim:COUNT").contains("(--names").contains("PATH<N-1>");
        assertThat(help.lines()).allMatch(l -> l.length() <= 80);
        assertThat(help.lines().filter(l -> l.startsWith("  vgpio serve"))).as("one example a line").hasSize(7);
        assertThat(help.lines().filter(l -> l.startsWith("Examples"))).hasSize(1);
        assertThat(run("serve", "-h")).isZero();
    }

    @Test
    void memoryTakesQemuSizesAndRefusesOthers() {
        assertThat(run("serve", "--socket", dir.resolve("m.sock").toString(), "--memory", "12Q")).isEqualTo(2);
        assertThat(err.toString()).contains("--memory 12Q is not a memory size: give a number with an optional"
                + " K, M, G or T suffix");
        assertThat(dir.resolve("m.sock")).doesNotExist();
        ServeCommand cmd = new ServeCommand();
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        assertThat(cmd.memorySize("2G")).isEqualTo("2G");
        assertThat(cmd.memorySize("4096")).as("-m's unit").isEqualTo("4096M");
        assertThat(cmd.memorySize("1t")).isEqualTo("1T");
        for (String bad : List.of("", "0", "1.5G", "-1M", "12Q", "M", "2GB")) {
            assertThatThrownBy(() -> cmd.memorySize(bad)).as(bad).isInstanceOf(CommandLine.ParameterException.class);
        }
    }

    @Test
    void theBannerSaysOneLineAndPrintsTheQemuOptionsAsOneBlock() throws IOException {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("-s", "a.sock", "-s", "b.sock", "--chip", "sim:1", "--chip", "sim:2");
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        List<DeviceSpec> d = cmd.devices();
        String banner = cmd.banner(d, cmd.pick(d, NO_HOST));
        assertThat(banner).contains("gpio0: 1 line of \"vgpio-sim\"").contains("gpio1: 2 lines of")
                .as("the tools name a device by its socket, not by QEMU's id gpio0")
                .contains("vgpio info -c b.sock (while no VM is attached); vgpio ctl -c b.sock list")
                .contains("serving 2 devices").contains("-m 512M -object memory-backend-memfd,id=mem,size=512M")
                .contains("-device vhost-user-gpio-pci,chardev=vgpio1,id=gpio1" + System.lineSeparator());
    }

    @Test
    void aSocketPathTooLongStatesTheLimitAndNamesTheUsersPath() {
        String name = "x".repeat(104 - dir.toString().length() - 1);
        Path sock = dir.resolve(name);
        assertThat(sock.toString()).hasSize(104);
        assertThat(run("serve", "--socket", sock.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("socket path " + sock + " is 104 bytes long, too long for a Unix socket:"
                + " a path may have at most 107 bytes (108 with its terminating NUL), and vgpio appends .ctl to it"
                + " for the control socket, so the socket path may have at most 103")
                .doesNotContain(sock + ".ctl");
        assertThat(sock).doesNotExist();
        ServeCommand cmd = new ServeCommand();
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        cmd.checkSocketPath(Path.of("y".repeat(107)), false);
        assertThatThrownBy(() -> cmd.checkSocketPath(Path.of("y".repeat(108)), false))
                .hasMessageContaining("at most 107 bytes").hasMessageNotContaining(".ctl");
        cmd.checkSocketPath(Path.of("y".repeat(103)), true);
    }

    @Test
    void logLevelQuietAndVerboseChooseOneLevel() {
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cmd.spec = cl.getCommandSpec();
        cl.parseArgs();
        assertThat(cmd.logLevel()).isNull();
        cl.parseArgs("-v");
        assertThat(cmd.logLevel()).isEqualTo("debug");
        cl.parseArgs("--quiet");
        assertThat(cmd.logLevel()).isEqualTo("warn");
        for (String level : ServeCommand.LOG_LEVELS) {
            cl.parseArgs("--log-level", level.toUpperCase(java.util.Locale.ROOT));
            assertThat(cmd.logLevel()).isEqualTo(level);
        }
        cl.parseArgs("--log-level", "loud");
        assertThatThrownBy(cmd::logLevel)
                .hasMessage("--log-level loud is not a level: give error, warn, info, debug, trace");
        cl.parseArgs("-v", "-q");
        assertThatThrownBy(cmd::logLevel).hasMessage("give one of --log-level, --verbose and --quiet");
    }

    private ServeCommand parsed(String... args) {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs(args);
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        return cmd;
    }

    @Test
    void listenPairsWithDevicesAndAloneServesTheChannelOnly() throws IOException {
        ServeCommand alone = parsed("--listen", "unix:/tmp/board.sock");
        assertThat(alone.vhostUser()).isFalse();
        assertThat(alone.channels(1)).containsExactly(new dev.vgpio.channel.Endpoint.Unix(Path.of("/tmp/board.sock")));
        ServeCommand both = parsed("--socket", "a.sock", "--listen", "tcp:127.0.0.1:7000");
        assertThat(both.vhostUser()).isTrue();
        assertThat(both.channels(1)).containsExactly(new dev.vgpio.channel.Endpoint.Tcp("127.0.0.1", 7000));
        assertThatThrownBy(() -> parsed("--listen", "unix:a", "--listen", "unix:b").channels(1))
                .hasMessageContaining("2 --listen options for 1 device");
        assertThatThrownBy(() -> parsed("--listen", "udp:1").channels(1))
                .hasMessageContaining("'udp:' is not a kind of channel");
        assertThatThrownBy(() -> parsed("--listen", "tcp:0.0.0.0:7000").channels(1))
                .hasMessageContaining("not a loopback address").hasMessageContaining("--listen-token-file");
        assertThatThrownBy(() -> parsed("--listen-token-file", "t").channels(1))
                .hasMessageContaining("--listen-token-file needs --listen");
    }

    @Test
    void aNetworkChannelTakesATokenOfSixteenBytesOrMore() throws IOException {
        Path shortToken = dir.resolve("short");
        Files.writeString(shortToken, "tooshort\n");
        assertThatThrownBy(() -> parsed("--listen", "tcp:0.0.0.0:7000", "--listen-token-file", shortToken.toString())
                .channels(1)).hasMessageContaining("the token must be 16 to 64 bytes (it has 8)");
        Path good = dir.resolve("good");
        Files.writeString(good, "0123456789abcdef0123\n");
        assertThat(parsed("--listen", "tcp:0.0.0.0:7000", "--listen-token-file", good.toString()).channels(1))
                .hasSize(1);
    }

    @Test
    void aTlsChannelNeedsTheDevicesCertificateAndKey() throws Exception {
        assertThatThrownBy(() -> parsed("--listen", "tls:127.0.0.1:7000").channels(1))
                .hasMessageContaining("needs the device's certificate and key");
        assertThatThrownBy(() -> parsed("--listen", "tls:127.0.0.1:7000", "--listen-tls-cert", "c.pem").channels(1))
                .hasMessageContaining("give --listen-tls-cert and --listen-tls-key together");
        assertThatThrownBy(() -> parsed("--listen", "unix:a", "--listen-tls-cert", "c", "--listen-tls-key", "k")
                .channels(1)).hasMessageContaining("--listen-tls-cert is for a --listen tls:HOST:PORT");
    }
}
