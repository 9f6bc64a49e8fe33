package dev.vgpio.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtlServerTest {
    @TempDir
    Path dir;
    SimulatedChip chip = SimulatedChip.withLines("sim", 4, "L");
    CtlServer server;
    Path ctl;

    @BeforeEach
    void start() throws IOException {
        ctl = CtlServer.pathFor(dir.resolve("gpio.sock"));
        server = new CtlServer(ctl, new HostControl(chip));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void socketIsBesideTheDeviceSocketAndPrivate() throws IOException {
        assertThat(ctl.getFileName().toString()).isEqualTo("gpio.sock.ctl");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ctl))).isEqualTo("rw-------");
    }

    @Test
    void commandsDriveAndReport() throws Exception {
        chip.setDirection(2, Direction.OUT, 1);
        CtlClient.Reply r = CtlClient.send(ctl, "get L2");
        assertThat(r.ok()).isTrue();
        assertThat(r.lines()).containsExactly("line 2 \"L2\": level=1 direction=output driver=guest edge=none");
        assertThat(CtlClient.send(ctl, "set 1 1").lines()).containsExactly(
                "line 1 \"L1\": level=1 direction=released driver=host edge=none");
        assertThat(chip.observe(1)).isEqualTo(1);
        assertThat(CtlClient.send(ctl, "pulse L1 1").ok()).isTrue();
        assertThat(chip.drivenLevel(1)).isEqualTo(1);
        assertThat(CtlClient.send(ctl, "toggle L1 3 1").ok()).isTrue();
        assertThat(chip.drivenLevel(1)).isZero();
        assertThat(CtlClient.send(ctl, "list").lines()).hasSize(4);
        assertThat(CtlClient.send(ctl, "help").lines()).anyMatch(l -> l.contains("toggle LINE COUNT INTERVAL_MS"));
    }

    @Test
    void badCommandsGetClearErrorsAndChangeNothing() throws Exception {
        chip.drive(0, 1);
        for (String bad : List.of("set L0 5", "set L9 1", "set NOPE 1", "get", "toggle L0 x 1", "frob",
                "pulse L0 -5", "toggle L0 10 100000")) {
            CtlClient.Reply r = CtlClient.send(ctl, bad);
            assertThat(r.ok()).as(bad).isFalse();
            assertThat(r.error()).as(bad).isNotBlank();
        }
        assertThat(CtlClient.send(ctl, "set L0 5").error())
                .isEqualTo("invalid level '5': use 1, active, on, true or high; or 0, inactive, off, false or low");
        assertThat(CtlClient.send(ctl, "frob").error()).startsWith("unknown command 'frob'");
        assertThat(chip.drivenLevel(0)).isEqualTo(1);
    }

    @Test
    void setTakesTheLevelWordsOfTheTools() throws Exception {
        for (String on : List.of("1", "active", "on", "true", "high", "HIGH")) {
            chip.drive(3, 0);
            assertThat(CtlClient.send(ctl, "set L3 " + on).ok()).as(on).isTrue();
            assertThat(chip.drivenLevel(3)).as(on).isEqualTo(1);
        }
        for (String off : List.of("0", "inactive", "off", "false", "low")) {
            chip.drive(3, 1);
            assertThat(CtlClient.send(ctl, "set L3 " + off).ok()).as(off).isTrue();
            assertThat(chip.drivenLevel(3)).as(off).isZero();
        }
    }

    @Test
    void listSaysWhoDrivesEachLineAndOneWordForReleased() throws Exception {
        chip.setDirection(0, Direction.OUT, 1);
        chip.setDirection(1, Direction.IN, 0);
        CtlClient.send(ctl, "set L1 1");
        assertThat(CtlClient.send(ctl, "list").lines()).containsExactly(
                "line 0 \"L0\": level=1 direction=output driver=guest edge=none",
                "line 1 \"L1\": level=1 direction=input driver=host edge=none",
                "line 2 \"L2\": level=0 direction=released driver=nobody edge=none",
                "line 3 \"L3\": level=0 direction=released driver=nobody edge=none");
    }

    @Test
    void watchStreamsTheGuestsChangesUntilTheClientLeaves() throws Exception {
        try (CtlClient.Watch watch = CtlClient.watch(ctl, List.of("L2", "3"))) {
            long before = System.nanoTime();
            chip.setDirection(0, Direction.OUT, 1); // not watched
            chip.setDirection(2, Direction.OUT, 1);
            chip.setValue(2, 0);
            chip.setDirection(2, Direction.IN, 0);
            chip.setDirection(3, Direction.IN, 0);
            chip.setEdgeDetection(3, dev.vgpio.lines.Edge.FALLING);
            chip.setEdgeDetection(3, dev.vgpio.lines.Edge.FALLING); // no change
            chip.setDirection(2, Direction.NONE, 0);
            List<String> seen = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                LineChange c = watch.next(Duration.ofSeconds(5));
                assertThat(c).isNotNull();
                assertThat(c.nanos()).isBetween(before, System.nanoTime());
                seen.add(c.kind().word() + " " + c.status().describe());
            }
            assertThat(seen).containsExactly(
                    "requested line 2 \"L2\": level=1 direction=output driver=guest edge=none",
                    "value line 2 \"L2\": level=0 direction=output driver=guest edge=none",
                    "reconfigured line 2 \"L2\": level=0 direction=input driver=nobody edge=none",
                    "requested line 3 \"L3\": level=0 direction=input driver=nobody edge=none",
                    "reconfigured line 3 \"L3\": level=0 direction=input driver=nobody edge=falling",
                    "released line 2 \"L2\": level=0 direction=released driver=nobody edge=none");
            assertThat(watch.next(Duration.ofMillis(50))).isNull();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> CtlClient.send(ctl, "help").ok());
    }

    @Test
    void watchRefusesAnUnknownLineAndEndsWhenTheDaemonStops() throws Exception {
        assertThatThrownBy(() -> CtlClient.watch(ctl, List.of("NOPE"))).hasMessageContaining("no line named");
        CtlClient.Watch watch = CtlClient.watch(ctl, List.of());
        server.close();
        assertThatThrownBy(() -> watch.next(Duration.ofSeconds(5))).isInstanceOf(java.io.IOException.class);
        watch.close();
    }

    @Test
    void aChangeLineReadsBack() {
        LineChange c = new LineChange(12_000_000_345L, LineChange.Kind.REQUESTED,
                new LineStatus(2, "LED", Direction.OUT, 1, LineStatus.Driver.GUEST, dev.vgpio.lines.Edge.NONE));
        assertThat(c.describe())
                .isEqualTo("12.000000345 requested line 2 \"LED\": level=1 direction=output driver=guest edge=none");
        assertThat(LineChange.parse(c.describe())).isEqualTo(c);
        LineChange unnamed = new LineChange(5, LineChange.Kind.RELEASED,
                new LineStatus(0, "", Direction.NONE, 0, LineStatus.Driver.NOBODY, dev.vgpio.lines.Edge.NONE));
        assertThat(LineChange.parse(unnamed.describe())).isEqualTo(unnamed);
        assertThatThrownBy(() -> LineChange.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientExplainsAMissingDaemon() {
        assertThatThrownBy(() -> CtlClient.send(dir.resolve("none.ctl"), "list"))
                .hasMessageContaining("is 'vgpio serve' running");
    }

    @Test
    void liveControlSocketIsRefused() {
        assertThatThrownBy(() -> new CtlServer(ctl, new HostControl(chip)))
                .hasMessageContaining("already serving");
    }

    @Test
    void closingRemovesTheSocket() {
        server.close();
        assertThat(ctl).doesNotExist();
    }
}
