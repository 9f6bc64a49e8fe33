package dev.vgpio.junit;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import java.time.Duration;

/** The Java driver as the guest of a test's device, over the extension's socket. */
final class Guest {
    private Guest() {
    }

    static GpioChip connect(VgpioExtension gpio) throws VirtioException {
        return GpioChip.open(VhostUserFrontend.connect(gpio.socket(), Duration.ofSeconds(5), 1 << 20));
    }
}
