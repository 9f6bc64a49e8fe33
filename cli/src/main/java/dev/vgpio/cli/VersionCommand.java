package dev.vgpio.cli;

import dev.vgpio.channel.Frame;
import dev.vgpio.protocol.GpioFeatures;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.vhostuser.VhostUser;
import dev.vgpio.vhostuser.VhostUserSession;
import dev.vgpio.virtio.FeatureNames;
import dev.vgpio.virtio.VirtioFeature;
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
        description = "Print the vgpio version, the Java runtime, the virtio-gpio device it implements and the"
                + " virtio, vhost-user and channel features it supports.")
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
            "virtio-gpio device ID " + VirtioGpio.DEVICE_ID + " (virtio 1.2+ GPIO device): "
                    + GpioFeatures.NAMES.list(GpioFeatures.IRQ) + ", and vgpio's extension "
                    + GpioFeatures.NAMES.list(GpioFeatures.LINE_CONFIG) + " (docs/line-config.md)",
            "virtio: " + FeatureNames.VIRTIO.list(VirtioFeature.SPLIT_RING) + " (split virtqueues)",
            "vhost-user back end and front end: " + VhostUser.featureNames(FeatureNames.NONE)
                    .list(1L << VhostUser.F_PROTOCOL_FEATURES) + "; protocol features "
                    + VhostUser.PROTOCOL_FEATURE_NAMES.list(VhostUserSession.OFFERED_PROTOCOL_FEATURES),
            "vgpio channel protocol version " + Frame.VERSION + " (docs/channel.md): unix, tcp, tls and serial"
                    + " links, frames of at most " + Frame.MAX + " bytes"
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
