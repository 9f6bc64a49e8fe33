package dev.vgpio.cli;

import dev.vgpio.protocol.VirtioGpio;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vgpio version}: what this build is and what it runs on. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print the vgpio version, the Java runtime and the virtio-gpio device it implements.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("/vgpio-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    static String[] lines() {
        return new String[] {
            "vgpio " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
            "virtio-gpio device ID " + VirtioGpio.DEVICE_ID + " (virtio 1.2+ GPIO device, feature VIRTIO_GPIO_F_IRQ)"
        };
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : lines()) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** Answers {@code vgpio --version}. */
    static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
