package dev.vgpio.cli;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import dev.vgpio.device.ReachesForATransport;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, class by class over the main code of every module (the Maven enforcer rule
 * in each module's pom checks the same at the level of dependencies). Fails the build when a class reaches a layer
 * its module may not use.
 */
class LayersTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.vgpio");

    static LayeredArchitecture layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("sys").definedBy("dev.vgpio.sys..")
                .layer("memory").definedBy("dev.vgpio.memory..")
                .layer("virtqueue").definedBy("dev.vgpio.virtqueue..")
                .layer("virtio").definedBy("dev.vgpio.virtio..")
                .layer("protocol").definedBy("dev.vgpio.protocol..")
                .layer("lines").definedBy("dev.vgpio.lines..")
                .layer("device").definedBy("dev.vgpio.device..")
                .layer("driver").definedBy("dev.vgpio.driver..")
                .layer("vhost-user").definedBy("dev.vgpio.vhostuser..")
                .layer("channel").definedBy("dev.vgpio.channel..")
                .layer("remote").definedBy("dev.vgpio.remote..")
                .layer("control").definedBy("dev.vgpio.control..")
                .layer("monitor").definedBy("dev.vgpio.monitor..")
                .layer("web").definedBy("dev.vgpio.web..")
                .layer("junit").definedBy("dev.vgpio.junit..")
                .layer("conformance").definedBy("dev.vgpio.conformance..")
                .layer("bench").definedBy("dev.vgpio.bench..")
                .layer("cli").definedBy("dev.vgpio.cli..")
                .whereLayer("sys").mayNotAccessAnyLayer()
                .whereLayer("memory").mayNotAccessAnyLayer()
                .whereLayer("virtqueue").mayOnlyAccessLayers("memory")
                .whereLayer("virtio").mayOnlyAccessLayers("memory", "virtqueue")
                .whereLayer("protocol").mayOnlyAccessLayers("memory", "virtqueue", "virtio")
                .whereLayer("lines").mayOnlyAccessLayers("sys", "protocol")
                .whereLayer("device").mayOnlyAccessLayers("memory", "virtqueue", "virtio", "protocol", "lines")
                .whereLayer("driver").mayOnlyAccessLayers("memory", "virtqueue", "virtio", "protocol")
                .whereLayer("vhost-user").mayOnlyAccessLayers("sys", "memory", "virtqueue", "virtio")
                .whereLayer("channel").mayOnlyAccessLayers("sys", "memory", "virtqueue", "virtio")
                .whereLayer("remote").mayOnlyAccessLayers("sys", "memory", "virtqueue", "virtio", "protocol", "lines",
                        "driver", "channel")
                .whereLayer("control").mayOnlyAccessLayers("sys", "protocol", "lines")
                .whereLayer("monitor").mayOnlyAccessLayers("protocol", "lines", "device", "control")
                .whereLayer("web").mayOnlyAccessLayers("protocol", "lines", "device", "control", "monitor")
                .whereLayer("junit").mayOnlyAccessLayers("virtio", "protocol", "lines", "device", "vhost-user",
                        "control", "monitor")
                .whereLayer("conformance").mayOnlyAccessLayers("memory", "virtqueue", "virtio", "protocol", "driver",
                        "vhost-user", "channel", "control")
                .whereLayer("bench").mayOnlyAccessLayers("memory", "virtqueue", "virtio", "protocol", "lines",
                        "device", "driver", "vhost-user", "channel")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer();
    }

    @Test
    void everyModuleUsesOnlyTheLayersItMay() {
        assertThat(MAIN.size()).as("classes imported from the main code of every module").isGreaterThan(150);
        layers().check(MAIN);
    }

    @Test
    void theRuleCatchesADeviceClassThatUsesATransport() {
        JavaClasses breach = new ClassFileImporter().importClasses(ReachesForATransport.class,
                dev.vgpio.vhostuser.VhostUserServer.class);
        assertThatThrownBy(() -> layers().check(breach)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("ReachesForATransport").hasMessageContaining("VhostUserServer");
    }
}
