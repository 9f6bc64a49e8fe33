package dev.vgpio.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineRequest;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.virtio.VirtioException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The channel over TLS, with a certificate and key made by openssl as a user would make them. */
class TlsChannelTest {
    @TempDir
    static Path dir;

    /** Makes an EC key and a self-signed certificate for {@code cn} (and 127.0.0.1) in {@code dir}. */
    static void makeCertificate(String name, String cn) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=" + cn, "-addext",
                "subjectAltName=DNS:" + cn + ",IP:127.0.0.1", "-keyout", dir.resolve(name + ".key").toString(),
                "-out", dir.resolve(name + ".pem").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("openssl: %s", out).isZero();
    }

    @BeforeAll
    static void certificates() throws Exception {
        makeCertificate("device", "localhost");
        makeCertificate("stranger", "localhost");
    }

    @Test
    void aDriverThatTrustsTheDevicesCertificateUsesIt() throws Exception {
        SimulatedChip sim = new SimulatedChip("board", List.of("LED", "BUTTON"));
        GpioController controller = new GpioController(sim);
        Endpoint.Tls at = new Endpoint.Tls("127.0.0.1", 0,
                TlsFiles.server(dir.resolve("device.pem"), dir.resolve("device.key")));
        try (ChannelServer server = new ChannelServer(new VirtioGpioDevice(controller), at.listen(),
                ChannelServer.Options.of("tls", ChannelTest.gpioLimits(2,
                        (int) controller.config().gpioNamesSize()))).start()) {
            Endpoint.Tls bound = (Endpoint.Tls) Endpoint.parse(server.address());
            Endpoint.Tls trusting = bound.with(TlsFiles.client(dir.resolve("device.pem")));
            try (GpioChip chip = GpioChip.open(ChannelTransport.connect(trusting, null, Duration.ofSeconds(5),
                    1 << 20)); LineRequest led = chip.requestLines(LineSettings.output(1), 0)) {
                assertThat(chip.lineNames()).containsExactly("LED", "BUTTON");
                assertThat(sim.observe(0)).isEqualTo(1);
            }
            Endpoint.Tls wary = bound.with(TlsFiles.client(dir.resolve("stranger.pem")));
            assertThatThrownBy(() -> ChannelTransport.connect(wary, null, Duration.ofSeconds(5), 1 << 20))
                    .isInstanceOf(VirtioException.class).hasMessageContaining("cannot connect to tls:127.0.0.1:");
            Endpoint.Tls byName = new Endpoint.Tls("127.0.0.2", bound.port(), TlsFiles.client(dir.resolve("device.pem")));
            assertThat(byName.host()).isNotEqualTo("localhost");
        }
    }

    @Test
    void filesThatAreNotPemAreRefusedByName() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("junk.key"), "not a key\n");
        assertThatThrownBy(() -> TlsFiles.server(dir.resolve("device.pem"), dir.resolve("junk.key")))
                .hasMessageContaining("junk.key holds no PEM block \"PRIVATE KEY\"");
        assertThatThrownBy(() -> TlsFiles.server(dir.resolve("device.pem"), dir.resolve("stranger.key")))
                .hasMessageContaining("does not go with the certificate");
    }
}
