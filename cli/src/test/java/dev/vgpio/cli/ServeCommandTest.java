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
        List<DeviceSpec> d = devices("-s", "a.sock", "-s", "b.sock", "-c", "sim:2", "-c", "sim:X,Y,Z@board");
        assertThat(d.get(0).pick(NO_HOST).names()).containsExactly("line0", "line1");
        assertThat(d.get(1).pick(NO_HOST).names()).containsExactly("X", "Y", "Z");
        assertThat(d.get(1).pick(NO_HOST).label()).isEqualTo("board");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "b", "-s", "c", "-c", "sim", "-c", "sim"))
                .hasMessageContaining("2 --chip options for 3 sockets");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "a"))
                .hasMessageContaining("socket a is given twice");
    }

    @Test
    void chipTakesALineSpec() throws IOException {
        assertThat(devices("-c", "gpiochip0 3,5-7  sim:LED").getFirst().lines())
                .isEqualTo(LineSpec.parse("gpiochip0 3,5-7 sim:LED"));
        assertThatThrownBy(() -> devices("-c", "gpiochip0 3 5")).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("offsets '5' follow no host chip");
        assertThatThrownBy(() -> devices("-c", "sim:0")).hasMessageContaining("line count must be 1 to 65535");
        assertThatThrownBy(() -> devices("-c", "sim:8@")).hasMessageContaining("label after '@' is empty");
    }

    @Test
    void namesPairWithChipsAndRenameInLineOrder() throws IOException {
        List<DeviceSpec> d = devices("-s", "a.sock", "-s", "b.sock", "-c", "sim:A,B,C", "-c", "gpiochip0 1,0",
                "--names", ",B2", "--names", "LED,");
        assertThat(d.get(0).names()).containsExactly("", "B2");
        assertThat(d.get(1).names()).containsExactly("LED", "");
        assertThat(d.get(0).pick(NO_HOST).names()).containsExactly("A", "B2", "C");
        assertThat(devices("-s", "a", "-s", "b", "-c", "sim:X,Y", "--names", "P").get(1).names())
                .as("one --chip for every socket takes one --names for every socket").containsExactly("P");
        assertThatThrownBy(() -> devices("-s", "a", "-s", "b", "-c", "sim:2", "-c", "sim:2", "--names", "X"))
                .hasMessageContaining("1 --names options for 2 --chip options");
    }

    @Test
    void hostLinesAreLookedUpAndTwoDevicesMayNotShareOne() throws IOException {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).parseArgs("-s", "a.sock", "-s", "b.sock", "-c", "pinctrl 0", "-c", "gpiochip0 1 sim:X");
        cmd.spec = new CommandLine(cmd).getCommandSpec();
        List<PickedDevice> picked = cmd.pick(cmd.devices(), HOST);
        assertThat(picked.get(0).names()).containsExactly("LED");
        assertThat(picked.get(1).names()).containsExactly("BUTTON", "X");
        assertThat(picked.get(1).hasHostLines()).isTrue();

        new CommandLine(cmd).parseArgs("-s", "a.sock", "-s", "b.sock", "-c", "pinctrl 0", "-c", "LED");
        assertThatThrownBy(() -> cmd.pick(cmd.devices(), HOST)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("gpiochip0").hasMessageContaining("a.sock").hasMessageContaining("b.sock");
        new CommandLine(cmd).parseArgs("-s", "c.sock", "-c", "gpiochip7 1");
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
        assertThat(err.toString()).contains("'soon' is not a time value");
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
    void aLiveSocketIsRefused() throws IOException {
        Path busy = dir.resolve("busy.sock");
        try (UnixSocket other = UnixSocket.listen(busy, 1)) {
            assertThat(run("serve", "--socket", busy.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("another process is already serving " + busy);
            assertThat(UnixSocket.isLive(busy)).as("the other server's socket is untouched").isTrue();
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
}
