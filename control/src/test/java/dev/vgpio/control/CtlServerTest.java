package dev.vgpio.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        assertThat(r.lines()).containsExactly("line 2 \"L2\": level=1 direction=output driven=0 edge=none");
        assertThat(CtlClient.send(ctl, "set 1 1").lines()).containsExactly(
                "line 1 \"L1\": level=1 direction=released driven=1 edge=none");
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
        assertThat(CtlClient.send(ctl, "set L0 5").error()).isEqualTo("a level is 0 or 1, not '5'");
        assertThat(CtlClient.send(ctl, "frob").error()).startsWith("unknown command 'frob'");
        assertThat(chip.drivenLevel(0)).isEqualTo(1);
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
