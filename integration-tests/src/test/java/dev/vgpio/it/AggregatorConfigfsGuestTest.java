package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vgpio serve} on a chip that the kernel's gpio-aggregator built through its configfs interface (Linux 6.16
 * and later), in the newer guest of {@code scripts/guest/prepare-newer-guest.sh}: a gpio-sim bank made through
 * configfs, an aggregator over two of its lines, served by its label and driven with vgpio's own tools in the
 * guest, with gpio-sim's {@code sim_gpioN/value} and {@code sim_gpioN/pull} as the other side of each line. Then
 * the aggregator goes away under a line with edge detection: this kernel hangs the line request up, and the daemon
 * notices it in its event loop with no request coming, stays idle, and serves the chip again when it comes back.
 */
class AggregatorConfigfsGuestTest {
    static final Duration RUN = Duration.ofSeconds(150);
    /** The CHECK lines the scenario prints, in order. */
    static final List<String> CHECKS = List.of("aggregator-chip", "serve-up", "info-names", "sim-line1-before",
            "set-drives-sim-line1", "get-pull-down", "get-pull-up", "mon-armed", "hangup-seen", "hangup-idle",
            "back-after-hangup");

    @TempDir
    Path dir;

    private static Map<String, String> newerGuest;

    @BeforeAll
    static void prepareGuest() throws Exception {
        newerGuest = GuestVm.prepareNewer();
    }

    @Test
    void servesAConfigfsAggregatorByItsLabel() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path cliJar = GuestVm.ROOT.resolve("cli/target/vgpio.jar");
        assertThat(cliJar).as("the CLI jar is built before the integration tests run").exists();
        Files.copy(cliJar, share.resolve("vgpio.jar"));
        String scenario = """
                C=/sys/kernel/config
                check() { if [ "$2" = ok ]; then echo "CHECK ok $1 $3"; else echo "CHECK FAIL $1 $3"; fi; }
                is() { [ "$1" = "$2" ] && echo ok || echo fail; }
                # word-split on use; run in the background it is java itself, so $! is the process to stop
                vgpio="/mnt/jdk/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \\
                  -jar /mnt/host/vgpio.jar"
                echo "VGPIO-MARK kernel $(uname -r)"
                sim=$C/gpio-sim/simc
                mkdir $sim $sim/bank0 || exit 10
                echo 4 > $sim/bank0/num_lines
                echo sim-bank-c > $sim/bank0/label
                for i in 0 1 2 3; do
                  mkdir $sim/bank0/line$i && echo sim-c$i > $sim/bank0/line$i/name || exit 11
                done
                echo 1 > $sim/live || exit 12
                simdev=$(cat $sim/dev_name); simchip=$(cat $sim/bank0/chip_name)
                S=/sys/devices/platform/$simdev/$simchip
                echo "VGPIO-MARK sim $simdev $simchip"
                A=$C/gpio-aggregator/agg0
                mkdir $A $A/line0 $A/line1 || exit 13
                echo sim-bank-c > $A/line0/key; echo 1 > $A/line0/offset; echo agg-c1 > $A/line0/name
                echo sim-bank-c > $A/line1/key; echo 2 > $A/line1/offset; echo agg-c2 > $A/line1/name
                echo 1 > $A/live || exit 14
                aggdev=$(cat $A/dev_name)
                aggchip=$(basename "$(ls -d /sys/devices/platform/$aggdev/gpiochip* 2>/dev/null | head -n1)")
                i=0
                while [ ! -e "/dev/$aggchip" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
                gpiodetect
                label=$(gpiodetect | sed -n "s/^$aggchip \\[\\(.*\\)\\] (2 lines)$/\\1/p")
                gpioinfo -c "$aggchip"
                [ -n "$label" ] && [ -e "/dev/$aggchip" ] && r=ok || r=fail
                check aggregator-chip $r "dev=$aggdev chip=$aggchip label=$label"
                $vgpio serve --socket /tmp/agg.sock --chip "$label" > /tmp/serve.log 2>&1 &
                serve=$!
                i=0
                while [ ! -S /tmp/agg.sock ] && [ $i -lt 600 ] && kill -0 $serve 2>/dev/null; do
                  sleep 0.1; i=$((i+1))
                done
                [ -S /tmp/agg.sock ] && r=ok || r=fail
                check serve-up $r "after $i x 0.1 s"
                cat /tmp/serve.log
                $vgpio info -c /tmp/agg.sock | tee /tmp/info.out
                grep -Eq 'line +0:.*"agg-c1"' /tmp/info.out && grep -Eq 'line +1:.*"agg-c2"' /tmp/info.out \\
                  && r=ok || r=fail
                check info-names $r "$(tr '\\t\\n' ' ;' < /tmp/info.out)"
                v=$(cat $S/sim_gpio1/value)
                check sim-line1-before $(is "$v" 0) "value=$v"
                $vgpio set -c /tmp/agg.sock 0=1 &
                set=$!
                i=0
                while [ "$(cat $S/sim_gpio1/value)" != 1 ] && [ $i -lt 600 ] && kill -0 $set 2>/dev/null; do
                  sleep 0.1; i=$((i+1))
                done
                v=$(cat $S/sim_gpio1/value)
                check set-drives-sim-line1 $(is "$v" 1) "value=$v after $i x 0.1 s"
                kill $set; wait $set
                echo "VGPIO-MARK set-exit $?"
                v=$($vgpio get -c /tmp/agg.sock --numeric 1)
                check get-pull-down $(is "$v" 0) "pull=$(cat $S/sim_gpio2/pull) get=$v"
                echo pull-up > $S/sim_gpio2/pull
                v=$($vgpio get -c /tmp/agg.sock --numeric 1)
                check get-pull-up $(is "$v" 1) "pull=$(cat $S/sim_gpio2/pull) get=$v"
                # the chip goes away under a line with edge detection: this kernel hangs the line request up, and
                # the daemon must notice it from the event loop (no request comes) without spinning on it
                $vgpio mon -c /tmp/agg.sock --banner 0 > /tmp/mon.out 2>&1 &
                mon=$!
                i=0
                while ! grep -q Monitoring /tmp/mon.out && [ $i -lt 600 ] && kill -0 $mon 2>/dev/null; do
                  sleep 0.1; i=$((i+1))
                done
                grep -q Monitoring /tmp/mon.out && r=ok || r=fail
                check mon-armed $r "$(head -c 200 /tmp/mon.out | tr '\n' ' ')"
                ticks() { awk '{print $14 + $15}' /proc/$serve/stat; }
                echo 0 > $A/live
                before=$(ticks)
                sleep 2
                after=$(ticks)
                n=$(grep -c 'went away' /tmp/serve.log)
                [ "$n" -ge 1 ] && r=ok || r=fail
                check hangup-seen $r "'went away' logged $n times with no request"
                [ $((after - before)) -lt 30 ] && r=ok || r=fail
                check hangup-idle $r "$((after - before)) ticks of CPU in 2 s"
                kill $mon; wait $mon
                echo 1 > $A/live || echo "VGPIO-MARK live again failed"
                i=0
                while [ ! -e "/dev/$aggchip" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
                sleep 0.6
                v=$($vgpio get -c /tmp/agg.sock --numeric 1)
                check back-after-hangup $(is "$v" 1) "get=$v after the aggregator came back; $(grep -c 'is back' \
                  /tmp/serve.log) 'is back' lines"
                grep -E 'went away|is back|WARN' /tmp/serve.log | head -n 20
                kill $serve; wait $serve
                echo "VGPIO-MARK serve-exit $?"
                echo "CHECKS-DONE"
                """;
        Map<String, String> env = new HashMap<>(newerGuest);
        env.putAll(Map.of("VGPIO_GUEST_SHARE", share.toString(), "VGPIO_GUEST_JDK", System.getProperty("java.home"),
                "VGPIO_GUEST_MEM", "1G"));
        try (GuestVm vm = new GuestVm(dir, "aggregator-configfs", scenario, Path.of("-"), env)) {
            vm.await("VGPIO-MARK sim gpio-sim.", RUN);
            vm.await("CHECKS-DONE", RUN);
            vm.finish(RUN);
            List<String> out = vm.scenarioOutput();
            String console = vm.console();
            out.stream().filter(l -> l.startsWith("CHECK") || l.startsWith("VGPIO-MARK kernel"))
                    .forEach(System.out::println);
            assertThat(out).as(console).noneMatch(l -> l.startsWith("CHECK FAIL"));
            for (String check : CHECKS) {
                assertThat(out).as("check %s; console:\n%s", check, console)
                        .anyMatch(l -> l.startsWith("CHECK ok " + check + " "));
            }
            assertThat(out).as(console).contains("VGPIO-MARK set-exit 0");
            assertThat(vm.output()).as(console).contains("VGPIO-SCENARIO-EXIT 0");
        }
    }
}
