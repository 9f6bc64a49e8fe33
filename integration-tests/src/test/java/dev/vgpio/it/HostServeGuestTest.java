package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 (real host GPIO) end to end, inside one guest without any vhost-user device: the guest's kernel gets
 * three gpio-sim banks through configfs, and {@link HostServeChecker}, run on the host's JDK shared in over virtio-9p,
 * serves them with {@code vgpio serve --chip SPEC} (a whole chip by label; lines of two chips, renamed; a kernel
 * gpio-aggregator chip by name) and drives them with vgpio's driver tools, with gpio-sim's sysfs files and the kernel's
 * line info as the host side of each line. A fourth bank, on a gpio-sim device the checker makes, goes away and comes
 * back while the daemon serves it.
 */
class HostServeGuestTest {
    /** The guest runs 60 to 110 s (TCG, 2 host cores); the limit leaves room for a host busy with other guests. */
    static final Duration RUN = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @Test
    void vgpioServeServesHostChipsToItsDriverTools() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path classes = Files.createDirectories(share.resolve("classes"));
        stageChecker(classes);
        Path cliJar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        assertThat(cliJar).as("the CLI jar is built before the integration tests run").exists();
        Files.copy(cliJar, share.resolve("vgpio.jar"));

        String scenario = """
                cfg=/sys/kernel/config/gpio-sim/hostserve
                bank() {  # bank DIR LABEL LINES NAME_PREFIX
                  mkdir $cfg/$1 && echo $3 > $cfg/$1/num_lines && echo $2 > $cfg/$1/label || return 1
                  i=0
                  while [ $i -lt $3 ]; do
                    mkdir $cfg/$1/line$i && echo $4$i > $cfg/$1/line$i/name || return 1
                    i=$((i+1))
                  done
                }
                mkdir $cfg || exit 10
                bank bank0 %s 8 sim-a && bank bank1 %s 4 sim-b && bank bank2 %s 4 sim-c || exit 11
                echo 1 > $cfg/live || exit 12
                dev=$(cat $cfg/dev_name)
                chips="$(cat $cfg/bank0/chip_name) $(cat $cfg/bank1/chip_name) $(cat $cfg/bank2/chip_name)"
                echo "VGPIO-MARK sim $dev $chips"
                for c in $chips; do
                  i=0
                  while [ ! -e /dev/$c ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
                done
                /mnt/jdk/bin/java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \\
                  -cp /mnt/host/vgpio.jar:/mnt/host/classes dev.vgpio.it.HostServeChecker \\
                  /mnt/host/vgpio.jar /sys/devices/platform/$dev $chips
                rc=$?
                echo "VGPIO-MARK checker-exit $rc"
                exit $rc
                """.formatted(HostServeChecker.BANK_A, HostServeChecker.BANK_B, HostServeChecker.BANK_C);
        Map<String, String> env = Map.of("VGPIO_GUEST_SHARE", share.toString(),
                "VGPIO_GUEST_JDK", System.getProperty("java.home"), "VGPIO_GUEST_MEM", "1G");
        long start = System.nanoTime();
        try (GuestVm vm = new GuestVm(dir, "hostserve", scenario, Path.of("-"), env)) {
            vm.await("VGPIO-MARK sim gpio-sim.", RUN);
            vm.await("CHECKER-DONE", RUN);
            vm.finish(RUN);
            System.out.printf("HostServeGuestTest: the guest ran %.1f s%n", (System.nanoTime() - start) / 1e9);
            List<String> out = vm.scenarioOutput();
            String console = vm.console();
            out.stream().filter(l -> l.startsWith("CHECK") || l.startsWith("NOTE")).forEach(System.out::println);
            assertThat(out).as(console).noneMatch(l -> l.startsWith("CHECK FAIL"));
            for (String check : HostServeChecker.CHECKS) {
                assertThat(out).as("check %s; console:\n%s", check, console)
                        .anyMatch(l -> l.startsWith("CHECK ok " + check + " "));
            }
            assertThat(out).as(console).contains("CHECKER-DONE failures=0", "VGPIO-MARK checker-exit 0");
            assertThat(vm.output()).as(console).contains("VGPIO-SCENARIO-EXIT 0");
        }
    }

    /** Only the checker's own classes from the test classes: everything else it needs is in vgpio.jar. */
    private static void stageChecker(Path to) throws IOException, URISyntaxException {
        Path testClasses = Path.of(HostServeChecker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String name = HostServeChecker.class.getSimpleName();
        try (Stream<Path> all = Files.walk(testClasses)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String f = p.getFileName().toString();
                if (Files.isRegularFile(p) && (f.equals(name + ".class") || f.startsWith(name + "$"))) {
                    Path target = to.resolve(testClasses.relativize(p).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
        assertThat(to.resolve(HostServeChecker.class.getName().replace('.', '/') + ".class")).exists();
    }
}
