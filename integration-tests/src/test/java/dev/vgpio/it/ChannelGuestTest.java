package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.control.CtlClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain with a stock Linux guest: guest (gpio-virtio) -> vhost-user -> {@code vgpio serve --chip
 * remote:...} -> channel -> a board, which is the C library's example port (over a Unix socket) or a second vgpio
 * daemon (over loopback TCP). The guest drives an output the board sees, reads an input the board's outside world
 * drives, and gpiomon in the guest sees the edges made at the far end.
 */
class ChannelGuestTest {
    private static final int EDGES = 6;

    @TempDir
    Path dir;
    private ChannelChainTest processes;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @BeforeEach
    void setUp() {
        processes = new ChannelChainTest();
        processes.dir = dir;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        processes.stop();
    }

    /** What the guest does: names, an output held, an input read, then gpiomon for {@value #EDGES} edges. */
    private static String scenario(String output, String input) {
        return """
                gpioinfo -c gpiochip0
                gpioset -c gpiochip0 %1$s=1 &
                sleep 1
                echo "VGPIO-MARK held"
                read go
                gpioget -c gpiochip0 %2$s
                echo "VGPIO-MARK got"
                gpiomon --banner -e both -n %3$d -F 'EV %%E' -c gpiochip0 %2$s
                echo "VGPIO-MARK gpiomon-exit $?"
                """.formatted(output, input, EDGES);
    }

    private void drive(Path ctl, String line, int level) throws IOException {
        CtlClient.Reply r = CtlClient.send(ctl, "set " + line + " " + level);
        assertThat(r.ok()).as("ctl set %s %d: %s", line, level, r.error()).isTrue();
    }

    private static String get(Path ctl, String line) throws IOException {
        CtlClient.Reply r = CtlClient.send(ctl, "get " + line);
        assertThat(r.ok()).as("ctl get %s: %s", line, r.error()).isTrue();
        return String.join("\n", r.lines());
    }

    /** Boots the guest against {@code socket}; the far end's control socket {@code ctl} plays the outside world. */
    private void runGuest(Path socket, Path ctl, String output, String input) throws Exception {
        try (GuestVm vm = new GuestVm(dir, "chain", scenario(output, input), socket)) {
            vm.await("VGPIO-MARK held", LinuxGuestTest.BOOT);
            assertThat(vm.output()).anyMatch(l -> l.contains("\"" + input + "\""));
            assertThat(get(ctl, output)).as("the guest's output at the far end").contains("level=1")
                    .contains("direction=output");
            drive(ctl, input, 1);
            vm.send("go");
            vm.await("VGPIO-MARK got", Duration.ofSeconds(30));
            assertThat(vm.scenarioOutput()).contains("\"" + input + "\"=active");
            vm.await("Monitoring", Duration.ofSeconds(30));
            for (int i = 0; i < EDGES; i++) {
                drive(ctl, input, i % 2 == 0 ? 0 : 1);
                vm.await(l -> l.startsWith("EV "), "edge " + (i + 1) + " in the guest", Duration.ofSeconds(20));
            }
            vm.await("VGPIO-MARK gpiomon-exit", Duration.ofSeconds(30));
            List<String> events = new ArrayList<>(vm.scenarioOutput().stream().filter(o -> o.startsWith("EV "))
                    .toList());
            assertThat(events).as("gpiomon in the guest, every edge made at the far end, in order").containsExactly(
                    "EV falling", "EV rising", "EV falling", "EV rising", "EV falling", "EV rising");
            assertThat(vm.scenarioOutput()).contains("VGPIO-MARK gpiomon-exit 0");
        }
    }

    @Test
    void aGuestUsesTheCExamplePortsPinsThroughTwoHops() throws Exception {
        String board = processes.startPort("--unix", dir.resolve("board.sock").toString(), "--ctl",
                dir.resolve("board.ctl").toString());
        processes.serve("near.err", "listening on", "--socket", "near.sock", "--chip", "remote:" + board);
        runGuest(dir.resolve("near.sock"), dir.resolve("board.ctl"), "LED0", "BUTTON0");
    }

    @Test
    void aGuestUsesASecondDaemonsLinesOverTcp() throws Exception {
        int port = ChannelChainTest.freePort();
        processes.serve("far.err", "serving the device over the channel", "--listen", "tcp:127.0.0.1:" + port,
                "--chip", "sim:LED,BUTTON,RELAY");
        processes.serve("near.err", "listening on", "--socket", "near.sock", "--chip",
                "remote:tcp:127.0.0.1:" + port);
        runGuest(dir.resolve("near.sock"), dir.resolve("vgpio-tcp-" + port + ".ctl"), "LED", "BUTTON");
    }
}
