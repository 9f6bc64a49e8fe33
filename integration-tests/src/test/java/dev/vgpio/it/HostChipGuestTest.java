package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.lines.host.HostChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.sys.GpioChipFd;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.simple.SimpleLogger;

/**
 * vgpio's GPIO character-device wrappers ({@link GpioChipFd} and friends) and {@link HostChip} against the real Linux
 * kernel: a guest without any vhost-user device creates a gpio-sim bank through configfs and runs
 * {@link HostChipChecker} on the host's JDK, shared in over virtio-9p together with vgpio-sys, vgpio-lines (and the
 * vgpio-protocol and SLF4J it needs) and the checker's classes.
 */
class HostChipGuestTest {
    static final Duration RUN = Duration.ofSeconds(180);

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @Test
    void wrappersWorkAgainstGpioSim() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(GpioChipFd.class, HostChip.class, Bias.class, LoggerFactory.class,
                SimpleLogger.class)) {
            entries.add(stage(codeSource(c), share.resolve("cp" + entries.size())));
        }
        String classPath = entries.stream().map(e -> "/mnt/host/" + e).collect(Collectors.joining(":"));
        Path classes = Files.createDirectories(share.resolve("classes"));
        stageChecker(codeSource(HostChipChecker.class), classes);

        String scenario = """
                cfg=/sys/kernel/config/gpio-sim/sim0
                mkdir $cfg $cfg/bank0 || exit 10
                echo 8 > $cfg/bank0/num_lines
                echo %s > $cfg/bank0/label
                for i in 0 1 2 3 4 5 6 7; do
                  mkdir $cfg/bank0/line$i && echo sim-a$i > $cfg/bank0/line$i/name || exit 11
                done
                echo 1 > $cfg/live || exit 12
                dev=$(cat $cfg/dev_name); chip=$(cat $cfg/bank0/chip_name)
                echo "VGPIO-MARK sim $dev $chip"
                i=0
                while [ ! -e /dev/$chip ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
                /mnt/jdk/bin/java --enable-native-access=ALL-UNNAMED -cp %s:/mnt/host/classes \\
                  dev.vgpio.it.HostChipChecker $chip /sys/devices/platform/$dev/$chip sim-a
                rc=$?
                echo "VGPIO-MARK checker-exit $rc"
                /mnt/jdk/bin/java --enable-native-access=ALL-UNNAMED -jar /mnt/host/vgpio.jar list-host
                echo "VGPIO-MARK list-host-exit $?"
                exit $rc
                """.formatted(HostChipChecker.LABEL, classPath);
        Path cliJar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        assertThat(cliJar).as("the CLI jar is built before the integration tests run").exists();
        Files.copy(cliJar, share.resolve("vgpio.jar"));
        Map<String, String> env = Map.of("VGPIO_GUEST_SHARE", share.toString(),
                "VGPIO_GUEST_JDK", System.getProperty("java.home"), "VGPIO_GUEST_MEM", "1G");
        try (GuestVm vm = new GuestVm(dir, "hostchip", scenario, Path.of("-"), env)) {
            vm.await("VGPIO-MARK sim gpio-sim.", RUN);
            vm.await("CHECKER-DONE", RUN);
            vm.finish(RUN);
            List<String> out = vm.scenarioOutput();
            String console = vm.console();
            out.stream().filter(l -> l.startsWith("CHECK")).forEach(System.out::println);
            assertThat(out).as(console).noneMatch(l -> l.startsWith("CHECK FAIL"));
            for (String check : HostChipChecker.CHECKS) {
                assertThat(out).as("check %s; console:\n%s", check, console)
                        .anyMatch(l -> l.startsWith("CHECK ok " + check + " "));
            }
            assertThat(out).as(console).contains("CHECKER-DONE failures=0", "VGPIO-MARK checker-exit 0");
            // vgpio list-host, run in the guest against the same chip, lists it as gpiodetect and gpioinfo would
            assertThat(out).as(console).anyMatch(l -> l.matches("gpiochip\\d+ \\[" + HostChipChecker.LABEL
                    + "\\] \\(8 lines\\)"));
            for (int i = 0; i < 8; i++) {
                int line = i;
                assertThat(out).as(console).anyMatch(l -> l.startsWith(String.format("\tline %3d:\t\"sim-a%d\"\t",
                        line, line)));
            }
            assertThat(out).as(console).contains("VGPIO-MARK list-host-exit 0");
            assertThat(vm.output()).as(console).contains("VGPIO-SCENARIO-EXIT 0");
        }
    }

    private static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /**
     * Copies a class-path entry (a jar, or a module's classes directory in a reactor build that has not packaged it)
     * under {@code to}; returns its path relative to the share, for the guest's class path.
     */
    private static String stage(Path entry, Path to) throws IOException {
        Files.createDirectories(to);
        if (Files.isRegularFile(entry)) {
            Files.copy(entry, to.resolve(entry.getFileName()));
            return to.getFileName() + "/" + entry.getFileName();
        }
        copyTree(entry, to.resolve("classes"), p -> true);
        return to.getFileName() + "/classes";
    }

    /** Only the checker's own classes from the test classes: it needs nothing else but vgpio-sys. */
    private static void stageChecker(Path testClasses, Path to) throws IOException {
        String name = HostChipChecker.class.getSimpleName();
        copyTree(testClasses, to, p -> {
            String f = p.getFileName().toString();
            return f.equals(name + ".class") || f.startsWith(name + "$");
        });
        assertThat(to.resolve(HostChipChecker.class.getName().replace('.', '/') + ".class")).exists();
    }

    private static void copyTree(Path from, Path to, Predicate<Path> files) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p) && files.test(p)) {
                    Path target = to.resolve(from.relativize(p).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
    }
}
