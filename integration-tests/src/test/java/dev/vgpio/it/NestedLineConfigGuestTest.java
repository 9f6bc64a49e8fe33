package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vgpio's line configuration extension (docs/line-config.md) end to end on a real kernel chip: a Linux guest with
 * the patched gpio-virtio driver asks for a pull-up and an open-drain output with libgpiod's tools, QEMU's
 * vhost-user-gpio-pci carries the requests to {@code vgpio serve --chip}, and vgpio applies them to a gpio-sim chip
 * through the GPIO character device, where gpio-sim's {@code sim_gpioN/pull} shows them.
 *
 * <p>gpio-sim needs a kernel with GPIO support, which the host running the tests may not have (nor KVM), so the chain
 * is nested. The outer guest (L1, the main test guest, booted with the host's root filesystem shared read-only over
 * virtio-9p) makes the gpio-sim chip, runs {@code vgpio serve --chip} on the host's JDK and, in a chroot of the
 * host's root (scripts/guest/nested-lib.sh), the host's QEMU booting the inner guest (L2: the same kernel and
 * initramfs, under nested TCG). L2 swaps in the patched driver and runs the tools; L1 drives the scenario: it waits
 * for L2's markers, prints what gpio-sim and its own kernel's line info show, and types {@code go} on L2's console to
 * let the tool holding the line go. L2's console reaches the test through L1's, each line prefixed {@code "L2| "}.
 *
 * <p>Nested TCG is slow: 2 to 3.5 minutes in all on a 2-core host shared with other work, of which L2's boot (from
 * its QEMU's start to its /init) takes 1.5 to 3; L1 boots in 3 s, its JVM serves 15 to 25 s later, and the tools'
 * steps take 15 s.
 */
class NestedLineConfigGuestTest {
    /** For everything: the chain takes 2 to 3.5 minutes, the limit leaves room for a host busy with other guests. */
    static final Duration RUN = Duration.ofMinutes(20);
    /** After a failure, for L1 to end its scenario (its own time limits are shorter than {@link #RUN}). */
    static final Duration FAILED_WAIT = Duration.ofMinutes(3);
    /** The line the inner guest sets; gpio-sim's bank has 8 lines. */
    static final int LINE = 4;
    /** Where vgpio serve listens in L1: on the tmpfs nested-lib.sh mounts at the chroot's /run. */
    static final String SOCKET = "/run/vgpio-nested.sock";
    /** The JVM options of HostServeChecker's daemons: small and quick to start under TCG. */
    static final String GUEST_JVM = "--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
            + " -XX:-UsePerfData -Xmx96m";

    /**
     * L2's scenario: swaps in the patched driver (as {@link LineConfigGuestTest#SWAP}, with waits for nested TCG),
     * prints whether it negotiated VIRTIO_GPIO_F_LINE_CONFIG ({@link LineConfigGuestTest#FUNCTIONS}), and holds the
     * line with two open-drain gpiosets, each until L1 types a line; then reads it with a pull-down.
     */
    static final String INNER = """
            rmmod gpio_virtio || echo "VGPIO-MARK rmmod-failed"
            i=0; while [ -e /dev/gpiochip0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
            insmod /lib/modules/patched/gpio_virtio.ko || echo "VGPIO-MARK insmod-failed"
            i=0; while [ ! -e /dev/gpiochip0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
            """ + LineConfigGuestTest.FUNCTIONS + """
            hold od-high gpioset -c gpiochip0 --bias=pull-up --drive=open-drain %1$d=1
            hold od-low gpioset -c gpiochip0 --bias=pull-up --drive=open-drain %1$d=0
            echo "VGPIO-GET pull-down $(gpioget -c gpiochip0 --bias=pull-down --numeric %1$d)"
            """;

    /**
     * L1's scenario. Prints {@code VGPIO-MARK sim DEV CHIP}, {@code VGPIO-MARK serving}; for each hold, once vgpio
     * has the line requested as an open-drain output, {@code VGPIO-SIM NAME pull=P value=V} and
     * {@code VGPIO-INFO NAME <gpioinfo of the line>}; after the read, {@code VGPIO-SIM get pull=P value=V}; then
     * L2's exit and vgpio serve's log. On a failure it prints {@code VGPIO-NESTED-FAIL WHAT} and the log.
     */
    static final String OUTER = """
            NESTED_SCRIPTS='%1$s' NESTED_ENV='%2$s'
            . "/mnt/host$NESTED_SCRIPTS/nested-lib.sh"
            t() { echo "VGPIO-T $1 $(cut -d' ' -f1 /proc/uptime)"; }
            serve_log() { sed 's/^/SERVE| /' /tmp/serve.log; }
            fail() {
                echo "VGPIO-NESTED-FAIL $1"
                nested_alive && kill -9 "$NESTED_PID"
                serve_log
                exit 1
            }
            cfg=/sys/kernel/config/gpio-sim/nested
            mkdir $cfg $cfg/bank0 && echo 8 > $cfg/bank0/num_lines && echo nested-sim > $cfg/bank0/label \\
                && echo 1 > $cfg/live || exit 10
            dev=$(cat $cfg/dev_name)
            chip=$(cat $cfg/bank0/chip_name)
            sim=/sys/devices/platform/$dev/$chip/sim_gpio%3$d
            i=0; while [ ! -e /dev/$chip ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            echo "VGPIO-MARK sim $dev $chip"
            nested_setup || exit 11
            '/mnt/host%4$s/bin/java' %5$s -jar '/mnt/host%6$s' serve -v --socket "/mnt/host%7$s" --chip $chip \\
                > /tmp/serve.log 2>&1 &
            serve=$!
            end=$(($(nested_secs) + 300))
            until [ -S "/mnt/host%7$s" ] && grep -q serving /tmp/serve.log; do
                kill -0 $serve 2>/dev/null || fail "vgpio serve exited"
                [ "$(nested_secs)" -lt $end ] || fail "vgpio serve is not serving after 300 s"
                sleep 0.2
            done
            echo "VGPIO-MARK serving"
            t serving
            nested_start '%8$s' '%7$s' || fail "nested_start"
            nested_await "VGPIO-GUEST-READY" 900 || fail "L2 boot"
            t l2-ready
            held() {  # held NAME: L2 holds the line, vgpio has it requested as an open-drain output; L2 lets go
                nested_await "VGPIO-MARK hold $1" 300 || fail "L2 hold $1"
                end=$(($(nested_secs) + 120))
                until gpioinfo -c $chip %3$d | grep -q 'output.*drive=open-drain.*consumer=vgpio'; do
                    [ "$(nested_secs)" -lt $end ] || break
                    sleep 0.2
                done
                echo "VGPIO-SIM $1 pull=$(cat $sim/pull) value=$(cat $sim/value)"
                echo "VGPIO-INFO $1 $(gpioinfo -c $chip %3$d)"
                nested_send go
                nested_await "VGPIO-MARK released $1" 300 || fail "L2 release $1"
            }
            held od-high
            held od-low
            nested_await "VGPIO-GET pull-down" 300 || fail "L2 gpioget"
            echo "VGPIO-SIM get pull=$(cat $sim/pull) value=$(cat $sim/value)"
            nested_await "VGPIO-SCENARIO-EXIT" 300 || fail "L2 scenario exit"
            nested_finish 120
            t l2-done
            kill $serve
            wait $serve
            echo "VGPIO-MARK serve-exit $?"
            serve_log
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @Test
    void aPullUpFromTheInnerGuestReachesGpioSimThroughVgpioServe() throws Exception {
        Map<String, String> nestedEnv = GuestVm.prepareNested();
        Path jar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        assertThat(jar).as("the CLI jar is built before the integration tests run").exists();
        // L1 sees the host's root at /mnt/host: everything below is handed over by its host path
        Path share = Files.createDirectories(dir.resolve("share"));
        Files.copy(jar, share.resolve("vgpio.jar"));
        Path inner = GuestVm.makeScenario(dir.resolve("inner"), INNER.formatted(LINE), nestedEnv);
        // real paths: L1 resolves an absolute symbolic link against its own root, not the host's
        String outer = OUTER.formatted(GuestVm.ROOT.resolve("scripts/guest").toRealPath(),
                Path.of(nestedEnv.get("VGPIO_GUEST_ENV")).toRealPath(), LINE,
                Path.of(System.getProperty("java.home")).toRealPath(), GUEST_JVM,
                share.resolve("vgpio.jar").toRealPath(), SOCKET, inner.toRealPath());
        Map<String, String> env = new HashMap<>(nestedEnv);
        env.putAll(Map.of("VGPIO_GUEST_SHARE", "/", "VGPIO_GUEST_MEM", "2G"));

        long start = System.nanoTime();
        List<String> times = new ArrayList<>();
        try (GuestVm vm = new GuestVm(dir, "outer", outer, Path.of("-"), env)) {
            Deadline d = new Deadline(start, vm, times);
            try {
                checkChain(vm, d);
            } catch (AssertionError | RuntimeException e) {
                // L1's own time limits end its scenario, which then prints vgpio serve's log: wait for that
                vm.awaitExit(FAILED_WAIT);
                throw new AssertionError(e.getMessage() + "\ntimes: " + String.join(", ", times)
                        + "\nconsole (L1's; L2's lines start with 'L2| ', vgpio serve's log with 'SERVE| '):\n"
                        + vm.console(), e);
            }
            System.out.println("NestedLineConfigGuestTest: " + String.join(", ", times));
        }
    }

    private static void checkChain(GuestVm vm, Deadline d) throws InterruptedException {
        d.await("VGPIO-GUEST-READY", "L1 ready");
        assertThat(d.await("VGPIO-MARK sim ", "gpio-sim live")).matches("VGPIO-MARK sim gpio-sim\\.\\d+ gpiochip\\d+");
        d.await("VGPIO-MARK serving", "vgpio serve serving");
        d.await("L2| VGPIO-GUEST-READY", "L2 ready");
        assertThat(d.await("L2| VGPIO-MARK line-config", "L2 driver swapped"))
                .as("the patched driver negotiates VIRTIO_GPIO_F_LINE_CONFIG")
                .isEqualTo("L2| VGPIO-MARK line-config 1");

        assertThat(d.await("VGPIO-SIM od-high ", "open-drain 1 held"))
                .as("gpioset --bias=pull-up --drive=open-drain %d=1 pulls the gpio-sim line up, and the open-drain"
                        + " output, letting go of the line for 1, reads the pull", LINE)
                .isEqualTo("VGPIO-SIM od-high pull=pull-up value=1");
        assertThat(d.await("VGPIO-INFO od-high ", "line info"))
                .as("L1's kernel has the line requested by vgpio as an open-drain output with a pull-up")
                .contains("output", "drive=open-drain", "bias=pull-up", "consumer=vgpio");
        assertThat(d.await("VGPIO-SIM od-low ", "open-drain 0 held"))
                .as("an open-drain output set to 0 drives 0 against its pull-up")
                .isEqualTo("VGPIO-SIM od-low pull=pull-up value=0");
        assertThat(d.await("VGPIO-INFO od-low ", "line info"))
                .contains("output", "drive=open-drain", "bias=pull-up", "consumer=vgpio");

        assertThat(d.await("L2| VGPIO-GET pull-down", "gpioget"))
                .as("gpioget --bias=pull-down reads the line that the pull-up had at 1 as 0")
                .isEqualTo("L2| VGPIO-GET pull-down 0");
        assertThat(d.await("VGPIO-SIM get ", "gpioget seen"))
                .as("gpioget's pull-down reached gpio-sim (which keeps a line's last pull after its release)")
                .isEqualTo("VGPIO-SIM get pull=pull-down value=0");
        assertThat(d.await("VGPIO-NESTED-EXIT", "L2 off")).as("L2 powers off").isEqualTo("VGPIO-NESTED-EXIT 0");
        assertThat(d.await("VGPIO-MARK serve-exit", "vgpio serve stopped")).as("vgpio serve stops on SIGTERM")
                .isEqualTo("VGPIO-MARK serve-exit 0");
        vm.finish(d.left());
        d.note("L1 off");
        assertThat(vm.output()).contains("L2| VGPIO-SCENARIO-EXIT 0", "VGPIO-SCENARIO-EXIT 0")
                .noneMatch(l -> l.contains("-failed") || l.startsWith("VGPIO-NESTED-FAIL"));
        for (String setting : List.of("bias pull-up", "drive open-drain", "bias pull-down")) {
            assertThat(vm.output()).as("vgpio serve applied %s to the host line", setting)
                    .anyMatch(l -> l.startsWith("SERVE| ") && l.contains("SET_LINE_CONFIG line " + LINE + " ")
                            && l.contains("(" + setting + "): ok"));
        }
    }

    /** Awaits L1's console lines in order against one deadline for the whole run, noting when each came. */
    private record Deadline(long start, GuestVm vm, List<String> times) {
        /** The line; fails without the console (the test adds it once, complete). */
        String await(String marker, String what) throws InterruptedException {
            String line;
            try {
                line = vm.await(l -> l.startsWith(marker), marker, left());
            } catch (AssertionError e) {
                throw new AssertionError("no '" + marker + "' (" + what + ") within " + RUN + " of the start");
            }
            note(what);
            return line;
        }

        void note(String what) {
            times.add(String.format("%s %.1f s", what, (System.nanoTime() - start) / 1e9));
        }

        Duration left() {
            return RUN.minusNanos(System.nanoTime() - start).plusSeconds(1);
        }
    }
}
