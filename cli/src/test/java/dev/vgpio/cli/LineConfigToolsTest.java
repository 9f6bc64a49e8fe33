package dev.vgpio.cli;

import static dev.vgpio.cli.ToolsTest.await;
import static dev.vgpio.cli.ToolsTest.commandLine;
import static dev.vgpio.cli.ToolsTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.vhostuser.VhostUserServer;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tools' bias, drive and debounce options against a device that offers VIRTIO_GPIO_F_LINE_CONFIG. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LineConfigToolsTest {
    /** LED takes every setting, BUTTON the pulls and debounce, line 2 nothing, RESET a pull-up and open drain. */
    static final int[] CAPS = {LineCaps.ALL, LineCaps.PULL_UP | LineCaps.PULL_DOWN | LineCaps.DEBOUNCE, 0,
        LineCaps.PULL_UP | LineCaps.OPEN_DRAIN};
    static final String ALL = "caps=bias-disabled,pull-up,pull-down,open-drain,open-source,debounce";

    @TempDir
    Path dir;
    SimulatedChip sim;
    VhostUserServer server;
    String sock;
    /** What the guest did to the lines, in order: "0:OUT:1" or "0 cfg pull-up open-drain 0". */
    final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        sim = new SimulatedChip("sim", List.of("LED", "BUTTON", "", "RESET"), CAPS);
        sim.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                seen.add(offset + ":" + direction + ":" + level);
            }

            @Override
            public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
                seen.add(offset + " cfg " + bias.label() + " " + drive.label() + " " + debounceMicros);
            }
        });
        Path path = dir.resolve("gpio.sock");
        server = new VhostUserServer(path, new VirtioGpioDevice(new GpioController(sim)), "t").start();
        sock = path.toString();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    <T> T host(HostCall<T> call) {
        try {
            return call.get();
        } catch (LineException e) {
            throw new IllegalStateException(e);
        }
    }

    interface HostCall<T> {
        T get() throws LineException;
    }

    @Test
    void infoShowsTheExtensionAndWhatEachLineTakes() {
        ToolsTest.Run r = run(new InfoCommand(), "-c", sock);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(sock + " - 4 lines:\n"
                + "\tline   0:\t\"LED\"           \treleased\t" + ALL + "\n"
                + "\tline   1:\t\"BUTTON\"        \treleased\tcaps=pull-up,pull-down,debounce\n"
                + "\tline   2:\tunnamed         \treleased\tcaps=none\n"
                + "\tline   3:\t\"RESET\"         \treleased\tcaps=pull-up,open-drain\n");
        r = run(new InfoCommand(), "-c", sock, "RESET", "2");
        assertThat(r.out()).isEqualTo(sock + " 3\t\"RESET\"         \treleased\tcaps=pull-up,open-drain\n"
                + sock + " 2\tunnamed         \treleased\tcaps=none\n");
        assertThat(seen).as("info changes nothing").isEmpty();
    }

    @Test
    void getSetsTheBiasBeforeTheDirectionAndReadsThePull() {
        ToolsTest.Run r = run(new GetCommand(), "-c", sock, "-b", "pull-up", "BUTTON");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("\"BUTTON\"=active\n");
        assertThat(seen).containsExactly("1 cfg pull-up push-pull 0", "1:IN:1", "1:NONE:1",
                "1 cfg as-is push-pull 0");
        assertThat(run(new GetCommand(), "-c", sock, "--bias=pull-down", "--numeric", "BUTTON").out())
                .isEqualTo("0\n");
        assertThat(host(() -> sim.bias(1))).as("released: the settings are gone").isEqualTo(Bias.AS_IS);
    }

    @Test
    void aSettingALineLacksIsAnErrorThatSaysWhatItTakes() {
        ToolsTest.Run r = run(new GetCommand(), "-c", sock, "-b", "disabled", "LED", "BUTTON");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio get: line 1 \"BUTTON\" cannot take bias disabled: it supports"
                + " pull-up,pull-down,debounce (GET_LINE_CAPS)\n");
        r = run(new SetCommand(), "-c", sock, "-d", "open-source", "-t0", "RESET=1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio set: line 3 \"RESET\" cannot take drive open-source: it supports"
                + " pull-up,open-drain (GET_LINE_CAPS)\n");
        r = run(new MonCommand(), "-c", sock, "-p", "10ms", "2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vgpio mon: line 2 cannot take debounce 10000 us: it supports no setting"
                + " but the defaults (as-is, push-pull, no debounce) (GET_LINE_CAPS)\n");
        assertThat(seen).as("nothing was sent").isEmpty();
    }

    @Test
    void badWordsAndPeriodsAreUsageErrors() {
        ToolsTest.Run r = run(new GetCommand(), "-c", sock, "--as-is", "-b", "pull-up", "LED");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("--as-is only reads the lines (GET_VALUE); it cannot give them a bias");
        r = run(new MonCommand(), "-c", sock, "-p", "17s", "LED");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("invalid --debounce-period: a debounce period is 0 (off) to 16777215"
                + " microseconds");
        assertThat(run(new SetCommand(), "-c", sock, "-d", "open", "-t0", "LED=1").err())
                .startsWith("invalid drive: open (libgpiod takes push-pull, open-drain or open-source)");
        assertThat(seen).isEmpty();
    }

    @Test
    void setGivesAnOutputItsDriveAndBiasBeforeItsDirection() throws Exception {
        CompletableFuture<ToolsTest.Run> set = CompletableFuture.supplyAsync(() -> run(new SetCommand(), "-c", sock,
                "-d", "open-drain", "-b", "pull-up", "-p", "300ms", "-t0", "LED=1", "RESET=0"));
        await("LED and RESET driven", () -> host(() -> sim.getDirection(3)) == Direction.OUT);
        assertThat(host(() -> sim.drive(0))).isEqualTo(Drive.OPEN_DRAIN);
        assertThat(host(() -> sim.bias(0))).isEqualTo(Bias.PULL_UP);
        assertThat(host(() -> sim.observe(0))).as("open drain lets go for 1: the pull-up shows").isEqualTo(1);
        assertThat(host(() -> sim.observe(3))).isZero();
        ToolsTest.Run r = set.get(10, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(seen).containsSubsequence("0 cfg as-is open-drain 0", "0 cfg pull-up open-drain 0", "0:OUT:1");
        assertThat(seen.indexOf("0:OUT:1")).isEqualTo(2);
        assertThat(host(() -> sim.drive(0))).as("released").isEqualTo(Drive.PUSH_PULL);
        assertThat(host(() -> sim.bias(0))).isEqualTo(Bias.AS_IS);
    }

    @Test
    void monBiasesAndDebouncesItsInputsBeforeArmingThem() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> mon = CompletableFuture.supplyAsync(() -> commandLine(new MonCommand(), out, err)
                .execute("-c", sock, "--banner", "-b", "pull-up", "-p", "30ms", "-e", "falling", "-n", "1",
                        "BUTTON"));
        await("the banner", () -> out.toString().contains("Monitoring") || mon.isDone());
        assertThat(err.toString()).isEmpty();
        assertThat(seen).containsExactly("1 cfg pull-up push-pull 0", "1:IN:1", "1 cfg pull-up push-pull 30000");
        sim.drive(1, 0);
        sim.drive(1, 1); // a glitch shorter than 30 ms: filtered
        Thread.sleep(100);
        assertThat(out.toString().lines()).hasSize(1);
        sim.drive(1, 0);
        assertThat(mon.get(10, TimeUnit.SECONDS)).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).matches("\\d+\\.\\d{9}\tfalling\t.*\"BUTTON\"");
        assertThat(host(() -> sim.debounce(1))).isZero();
        ToolsTest.Run r = run(new MonCommand(), "-c", sock, "-p", "250us", "--idle-timeout", "10ms", "LED");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(seen).contains("0 cfg as-is push-pull 250");
    }

    @Test
    void detectNamesTheExtensionAmongTheNegotiatedFeatures() {
        ToolsTest.Run r = run(new DetectCommand(), "--features", "-c", sock);
        assertThat(r.out()).isEqualTo(sock + " [virtio-gpio] (4 lines)\n\tfeatures: IRQ, LINE_CONFIG, EVENT_IDX,"
                + " VERSION_1\n");
    }

    @Test
    void aDeviceThatOffersNothingGetsNothingExtra() throws Exception {
        server.close();
        SimulatedChip plain = new SimulatedChip("plain", List.of("A"), new int[1]);
        server = new VhostUserServer(Path.of(sock), new VirtioGpioDevice(new GpioController(plain)), "t").start();
        assertThat(run(new InfoCommand(), "-c", sock).out()).isEqualTo(sock + " - 1 lines:\n"
                + "\tline   0:\t\"A\"             \treleased\n");
    }
}
