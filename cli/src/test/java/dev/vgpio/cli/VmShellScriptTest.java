package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/vm-shell}'s command line, the parts that need no QEMU. */
class VmShellScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "vm-shell").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectInput(new java.io.File("/dev/null"))
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        for (String help : List.of("--help", "-h")) {
            Run r = run(help);
            assertThat(r.exit()).as(help).isZero();
            assertThat(r.out()).as(help).startsWith("Usage: scripts/vm-shell [SOCKET]")
                    .contains("Ctrl-C and Ctrl-Z go to the guest").contains("Ctrl-A X");
            assertThat(r.err()).as(help).isEmpty();
        }
    }

    @Test
    void mistakesGetOneLineAndAHint() throws Exception {
        Run r = run("--frob");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vm-shell: unknown option '--frob'\n"
                + "Try 'scripts/vm-shell --help' for more information.\n");
        r = run("a.sock", "b.sock");
        assertThat(r.exit()).isEqualTo(2);
        r = run();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("vm-shell: no vgpio socket at " + dir.toRealPath().resolve("vgpio.sock")
                + "; start ./vgpio serve first\n");
    }

    @Test
    void theGuestShellHasJobControlAndCtrlCReachesTheGuest() throws Exception {
        String script = java.nio.file.Files.readString(SCRIPT);
        assertThat(script).contains("setsid cttyhack sh -i").contains("VGPIO_GUEST_SERIAL=mon:stdio");
        assertThat(java.nio.file.Files.readString(SCRIPT.resolveSibling("guest").resolve("run-guest.sh")))
                .contains("-serial \"${VGPIO_GUEST_SERIAL:-stdio}\"");
    }
}
