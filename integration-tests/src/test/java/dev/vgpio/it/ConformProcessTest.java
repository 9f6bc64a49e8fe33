package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vgpio conform` against a real `vgpio serve` process, as a user runs them: every check passes or is skipped. */
class ConformProcessTest {
    @TempDir
    Path dir;

    @Test
    void vgpioServePassesTheConformanceSuite() throws Exception {
        Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process daemon = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
                "serve").directory(dir.toFile()).redirectOutput(dir.resolve("serve.out").toFile())
                .redirectError(dir.resolve("serve.err").toFile()).start();
        try {
            await("vgpio serve's control socket").atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(dir.resolve("vgpio.sock.ctl")));
            Process conform = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(),
                    "conform", "--socket", "vgpio.sock").directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(conform.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(conform.waitFor(120, TimeUnit.SECONDS)).isTrue();
            System.out.println(out);
            assertThat(conform.exitValue()).as("vgpio conform output:%n%s", out).isZero();
            assertThat(out).contains("PASS").doesNotContain("FAIL ");
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
