package dev.vgpio.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.Edge;
import dev.vgpio.lines.GpioLines;
import dev.vgpio.lines.LineEventListener;
import dev.vgpio.lines.LineException;
import dev.vgpio.lines.LineStateListener;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Bias;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.Drive;
import dev.vgpio.protocol.LineCaps;
import dev.vgpio.vhostuser.VhostUserServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vgpio's line configuration extension (docs/line-config.md) end to end. The guest swaps its stock gpio-virtio for
 * the one patched with {@code linux/gpio-virtio-line-config} (prepare-guest.sh builds it into
 * {@code /lib/modules/patched}), asks for a bias, a drive mode and a debounce period with libgpiod's tools, and the
 * simulated chip on the host applies them; on a line whose capabilities lack a setting the kernel falls back as it
 * does for any chip. The stock driver against the same device negotiates no line configuration, sends no setting
 * and still works: gpiolib emulates open drain and debounces in software.
 *
 * <p>Settings live while a tool holds the line (its release, SET_DIRECTION(NONE), discards them), so the scenario
 * keeps each tool running until the host, done with its checks, types {@code go} on the console.
 */
class LineConfigGuestTest {
    /** Debounced with --debounce-period: by the device with the patched driver, by gpiolib-cdev otherwise. */
    static final int BUTTON_A = 2;
    /** Read with --bias=pull-down while nothing drives it. */
    static final int BUTTON_B = 3;
    /** An open-drain output with a pull-up. */
    static final int RELAY = 4;
    /** Claims every setting, but the chip refuses any bias ({@link RefusingLines}). */
    static final int BUZZER = 5;
    /** Takes a debounce period only: no bias, no drive mode. */
    static final int DOOR_SENSOR = 6;
    /** Takes everything but a debounce period. */
    static final int RESET_N = 7;
    static final int[] CAPS = {LineCaps.ALL, LineCaps.ALL, LineCaps.ALL, LineCaps.ALL, LineCaps.ALL, LineCaps.ALL,
        LineCaps.DEBOUNCE, LineCaps.ALL & ~LineCaps.DEBOUNCE};
    static final Duration DEBOUNCE = Duration.ofMillis(200);
    /** A bounce: far shorter than {@link #DEBOUNCE}, so no debouncer lets it through. */
    static final Duration SHORT = Duration.ofMillis(20);
    /** A press: far longer than {@link #DEBOUNCE}, so every debouncer reports it, even under TCG. */
    static final Duration LONG = Duration.ofMillis(1000);
    static final Duration GAP = Duration.ofMillis(500);
    static final Duration STEP = Duration.ofSeconds(30);

    /** Swaps the stock driver for the patched one and waits for the chip to come back. */
    static final String SWAP = """
            rmmod gpio_virtio || echo "VGPIO-MARK rmmod-failed"
            i=0; while [ -e /dev/gpiochip0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            insmod /lib/modules/patched/gpio_virtio.ko || echo "VGPIO-MARK insmod-failed"
            i=0; while [ ! -e /dev/gpiochip0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            """;
    /**
     * {@code hold NAME COMMAND...}: runs the command in the background (where it holds its lines) until the host
     * types a line, then stops it. Then the scenario starts: it prints whether the driver negotiated
     * VIRTIO_GPIO_F_LINE_CONFIG (bit 1 of the features: {@code VGPIO-MARK line-config 1}).
     */
    static final String FUNCTIONS = """
            hold() {
                m="$1"; shift
                "$@" &
                pid=$!
                echo "VGPIO-MARK hold $m"
                read go
                kill "$pid"
                wait "$pid"
                echo "VGPIO-MARK released $m"
            }
            echo "VGPIO-MARK line-config $(cut -c2 /sys/bus/virtio/devices/virtio0/features)"
            gpiodetect
            """;

    @TempDir
    Path dir;
    SimulatedChip chip;
    VhostUserServer server;
    /** {@code offset:direction:level} of every line change. */
    final List<String> changes = new CopyOnWriteArrayList<>();
    /** {@code offset:bias:drive:debounce} of every change of a line's settings. */
    final List<String> settings = new CopyOnWriteArrayList<>();
    /** {@code offset:level} of every pulse the chip's debounce filtered. */
    final List<String> filtered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void prepareGuest() throws Exception {
        GuestVm.prepare();
    }

    @BeforeEach
    void serve() throws Exception {
        chip = new SimulatedChip("vgpio-it", LinuxGuestTest.NAMES, CAPS);
        chip.addStateListener(new LineStateListener() {
            @Override
            public void onLineChanged(int offset, Direction direction, int level) {
                changes.add(offset + ":" + direction + ":" + level);
            }

            @Override
            public void onConfigChanged(int offset, Bias bias, Drive drive, int debounceMicros) {
                settings.add(offset + ":" + bias.label() + ":" + drive.label() + ":" + debounceMicros);
            }

            @Override
            public void onFiltered(int offset, int level, long widthNanos) {
                filtered.add(offset + ":" + level);
            }
        });
        // left undriven at a known level: with bias as-is a released line stays where it was
        chip.drive(BUTTON_B, 1);
        chip.release(BUTTON_B);
        chip.drive(DOOR_SENSOR, 0);
        chip.release(DOOR_SENSOR);
        // the debounced buttons are held low by the host, which pulses them
        chip.drive(BUTTON_A, 0);
        chip.drive(RESET_N, 0);
        server = new VhostUserServer(dir.resolve("gpio.sock"),
                new VirtioGpioDevice(new GpioController(new RefusingLines(chip, BUZZER))), "it").start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void thePatchedDriverAppliesBiasDriveAndDebounceAndFallsBackWhereALineLacksThem() throws Exception {
        String scenario = SWAP + FUNCTIONS + """
                hold relay-high gpioset -c gpiochip0 --bias=pull-up --drive=open-drain %1$d=1
                hold relay-low gpioset -c gpiochip0 --bias=pull-up --drive=open-drain %1$d=0
                hold relay-source gpioset -c gpiochip0 --bias=disabled --drive=open-source %1$d=1
                echo "VGPIO-MARK get-pull-down"
                echo "VGPIO-GET pull-down $(gpioget -c gpiochip0 --bias=pull-down --numeric -p 3s %2$d)"
                hold debounce gpiomon --banner -c gpiochip0 -e rising --debounce-period %3$dms -F 'EV %%o %%E' %4$d
                hold door-bias gpiomon --banner -c gpiochip0 --bias=pull-up %5$d
                echo "VGPIO-GET door-pull-up $(gpioget -c gpiochip0 --bias=pull-up --numeric %5$d)"
                hold door-open-drain gpioset -c gpiochip0 --drive=open-drain %5$d=1
                hold reset-debounce gpiomon --banner -c gpiochip0 -e rising --debounce-period %3$dms \
                    -F 'EV %%o %%E' %6$d
                gpioget -c gpiochip0 --bias=pull-down %7$d
                echo "VGPIO-MARK refused $?"
                """.formatted(RELAY, BUTTON_B, DEBOUNCE.toMillis(), BUTTON_A, DOOR_SENSOR, RESET_N, BUZZER);
        try (GuestVm vm = new GuestVm(dir, "patched", scenario, server.path())) {
            assertThat(vm.await("VGPIO-MARK line-config", LinuxGuestTest.BOOT))
                    .as("the patched driver negotiates VIRTIO_GPIO_F_LINE_CONFIG")
                    .isEqualTo("VGPIO-MARK line-config 1");

            vm.await("VGPIO-MARK hold relay-high", STEP);
            awaitLine("the open-drain output with its pull-up", () -> chip.getDirection(RELAY) == Direction.OUT
                    && chip.drive(RELAY) == Drive.OPEN_DRAIN && chip.bias(RELAY) == Bias.PULL_UP);
            assertThat(chip.observe(RELAY)).as("an open-drain output set to 1 lets go: the pull-up makes it 1")
                    .isEqualTo(1);
            release(vm, "relay-high");
            assertThat(chip.bias(RELAY)).as("the release discards the settings").isEqualTo(Bias.AS_IS);
            assertThat(chip.drive(RELAY)).isEqualTo(Drive.PUSH_PULL);

            vm.await("VGPIO-MARK hold relay-low", STEP);
            awaitLine("the open-drain output driving 0", () -> chip.getDirection(RELAY) == Direction.OUT
                    && chip.drive(RELAY) == Drive.OPEN_DRAIN && chip.bias(RELAY) == Bias.PULL_UP);
            assertThat(chip.observe(RELAY)).as("an open-drain output set to 0 drives 0 against its pull-up")
                    .isEqualTo(0);
            release(vm, "relay-low");

            vm.await("VGPIO-MARK hold relay-source", STEP);
            awaitLine("the open-source output without bias", () -> chip.getDirection(RELAY) == Direction.OUT
                    && chip.drive(RELAY) == Drive.OPEN_SOURCE && chip.bias(RELAY) == Bias.DISABLED);
            assertThat(chip.observe(RELAY)).as("an open-source output set to 1 drives 1").isEqualTo(1);
            release(vm, "relay-source");

            vm.await("VGPIO-MARK get-pull-down", STEP);
            awaitLine("gpioget's pull-down", () -> chip.bias(BUTTON_B) == Bias.PULL_DOWN);
            assertThat(vm.await("VGPIO-GET pull-down", STEP)).as("the pull-down takes the undriven line from 1 to 0")
                    .isEqualTo("VGPIO-GET pull-down 0");
            assertThat(chip.bias(BUTTON_B)).isEqualTo(Bias.AS_IS);

            vm.await("VGPIO-MARK hold debounce", STEP);
            vm.await("Monitoring", STEP);
            assertThat(chip.debounce(BUTTON_A)).as("the device debounces BUTTON_A")
                    .isEqualTo((int) (DEBOUNCE.toMillis() * 1000));
            pressesThroughBounces(vm, BUTTON_A);
            release(vm, "debounce");
            assertThat(chip.debounce(BUTTON_A)).isZero();

            vm.await("VGPIO-MARK hold door-bias", STEP);
            vm.await("Monitoring", STEP);
            assertThat(chip.getDirection(DOOR_SENSOR)).isEqualTo(Direction.IN);
            assertThat(chip.bias(DOOR_SENSOR)).as("a line without the pull-up cap gets none").isEqualTo(Bias.AS_IS);
            release(vm, "door-bias");
            assertThat(vm.await("VGPIO-GET door-pull-up", STEP))
                    .as("gpiolib goes on without the bias: the undriven line stays at 0")
                    .isEqualTo("VGPIO-GET door-pull-up 0");

            vm.await("VGPIO-MARK hold door-open-drain", STEP);
            awaitLine("gpiolib's open-drain emulation (an input for 1)",
                    () -> chip.getDirection(DOOR_SENSOR) == Direction.IN);
            assertThat(chip.drive(DOOR_SENSOR)).isEqualTo(Drive.PUSH_PULL);
            release(vm, "door-open-drain");

            vm.await("VGPIO-MARK hold reset-debounce", STEP);
            vm.await("Monitoring", STEP);
            assertThat(chip.debounce(RESET_N)).as("a line without the debounce cap is debounced by the kernel")
                    .isZero();
            pressesThroughBounces(vm, RESET_N);
            release(vm, "reset-debounce");

            assertThat(vm.await("VGPIO-MARK refused", STEP))
                    .as("a setting the device refuses (STATUS_ERR) fails the line request")
                    .isEqualTo("VGPIO-MARK refused 1");
            vm.finish(STEP);
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0").noneMatch(l -> l.contains("-failed"))
                    .as("with EIO from the driver").anyMatch(l -> l.contains("Input/output error"));
            assertThat(events(out, BUTTON_A)).as("the device's debounce: the presses, no bounce").hasSize(2);
            assertThat(events(out, RESET_N)).as("the kernel's debounce: the presses, no bounce").hasSize(2);
        }
        assertThat(filtered).as("the device filtered BUTTON_A's bounces, RESET_N's reached the guest")
                .containsExactly(BUTTON_A + ":1", BUTTON_A + ":1", BUTTON_A + ":1", BUTTON_A + ":1");
        assertThat(settings).as("the lines without the caps got no setting")
                .noneMatch(l -> l.startsWith(DOOR_SENSOR + ":") || l.startsWith(RESET_N + ":"))
                .contains(RELAY + ":pull-up:open-drain:0", BUTTON_B + ":pull-down:push-pull:0",
                        BUTTON_A + ":as-is:push-pull:" + DEBOUNCE.toMillis() * 1000);
        assertThat(chip.bias(BUZZER)).isEqualTo(Bias.AS_IS);
        assertNoSettingsLeft();
    }

    @Test
    void theStockDriverNegotiatesNoLineConfigAndTheKernelFallsBack() throws Exception {
        String scenario = FUNCTIONS + """
                hold relay gpioset -c gpiochip0 --bias=pull-up --drive=open-drain %1$d=1
                echo "VGPIO-GET pull-down $(gpioget -c gpiochip0 --bias=pull-down --numeric %2$d)"
                hold debounce gpiomon --banner -c gpiochip0 -e rising --debounce-period %3$dms -F 'EV %%o %%E' %4$d
                gpioset -t0 -c gpiochip0 %1$d=1
                echo "VGPIO-MARK set $?"
                """.formatted(RELAY, BUTTON_B, DEBOUNCE.toMillis(), BUTTON_A);
        try (GuestVm vm = new GuestVm(dir, "stock", scenario, server.path())) {
            assertThat(vm.await("VGPIO-MARK line-config", LinuxGuestTest.BOOT))
                    .as("the stock driver does not know VIRTIO_GPIO_F_LINE_CONFIG")
                    .isEqualTo("VGPIO-MARK line-config 0");

            vm.await("VGPIO-MARK hold relay", STEP);
            awaitLine("gpiolib's open-drain emulation (an input for 1)",
                    () -> chip.getDirection(RELAY) == Direction.IN);
            assertThat(chip.drive(RELAY)).isEqualTo(Drive.PUSH_PULL);
            assertThat(chip.bias(RELAY)).isEqualTo(Bias.AS_IS);
            release(vm, "relay");

            assertThat(vm.await("VGPIO-GET pull-down", STEP)).as("no pull-down: the undriven line stays at 1")
                    .isEqualTo("VGPIO-GET pull-down 1");

            vm.await("VGPIO-MARK hold debounce", STEP);
            vm.await("Monitoring", STEP);
            assertThat(chip.debounce(BUTTON_A)).as("the kernel debounces in software").isZero();
            pressesThroughBounces(vm, BUTTON_A);
            release(vm, "debounce");

            assertThat(vm.await("VGPIO-MARK set", STEP)).isEqualTo("VGPIO-MARK set 0");
            assertThat(changes).as("a plain push-pull output still works").contains(RELAY + ":OUT:1");
            vm.finish(STEP);
            List<String> out = vm.scenarioOutput();
            assertThat(vm.output()).contains("VGPIO-SCENARIO-EXIT 0");
            assertThat(events(out, BUTTON_A)).as("the kernel's debounce: the presses, no bounce").hasSize(2);
        }
        assertThat(settings).as("the stock driver sends no setting").isEmpty();
        assertThat(filtered).as("the device debounced nothing").isEmpty();
        assertNoSettingsLeft();
    }

    /**
     * Drives bounces and presses on a line gpiomon watches for rising edges: two bounces, a press, two bounces, a
     * press; waits for the presses' two events and a while longer for any stray one.
     */
    private void pressesThroughBounces(GuestVm vm, int offset) throws Exception {
        for (Duration width : List.of(SHORT, SHORT, LONG, SHORT, SHORT, LONG)) {
            chip.drive(offset, 1);
            Thread.sleep(width);
            chip.drive(offset, 0);
            Thread.sleep(GAP);
        }
        String event = "EV " + offset + " rising";
        vm.await(event, STEP);
        vm.await(event, STEP);
        Thread.sleep(LONG);
    }

    /** Lets the tool holding the lines go and waits until it is gone. */
    private static void release(GuestVm vm, String hold) throws Exception {
        vm.send("go");
        vm.await("VGPIO-MARK released " + hold, STEP);
    }

    private static void awaitLine(String what, LineCondition condition) {
        await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .ignoreException(LineException.class).until(condition::holds);
    }

    /** After the guest's tools have let every line go, no line keeps a setting. */
    private void assertNoSettingsLeft() throws LineException {
        for (int offset = 0; offset < chip.lineCount(); offset++) {
            assertThat(chip.bias(offset)).as("bias of line %d", offset).isEqualTo(Bias.AS_IS);
            assertThat(chip.drive(offset)).as("drive of line %d", offset).isEqualTo(Drive.PUSH_PULL);
            assertThat(chip.debounce(offset)).as("debounce of line %d", offset).isZero();
        }
    }

    /** The rising edges gpiomon printed for {@code offset}. */
    private static List<String> events(List<String> out, int offset) {
        return out.stream().filter(l -> l.startsWith("EV " + offset + " ")).toList();
    }

    /**
     * The simulated chip as the device sees it, except that the lines refuse any bias on line {@code refusing}, which
     * its caps claim: the device answers VIRTIO_GPIO_STATUS_ERR.
     */
    private record RefusingLines(SimulatedChip chip, int refusing) implements GpioLines {
        @Override
        public String label() {
            return chip.label();
        }

        @Override
        public int lineCount() {
            return chip.lineCount();
        }

        @Override
        public List<String> lineNames() {
            return chip.lineNames();
        }

        @Override
        public Direction getDirection(int offset) throws LineException {
            return chip.getDirection(offset);
        }

        @Override
        public void setDirection(int offset, Direction direction, int outputValue) throws LineException {
            chip.setDirection(offset, direction, outputValue);
        }

        @Override
        public int getValue(int offset) throws LineException {
            return chip.getValue(offset);
        }

        @Override
        public void setValue(int offset, int value) throws LineException {
            chip.setValue(offset, value);
        }

        @Override
        public boolean supportsEdgeEvents() {
            return chip.supportsEdgeEvents();
        }

        @Override
        public void setEdgeDetection(int offset, Edge edge) throws LineException {
            chip.setEdgeDetection(offset, edge);
        }

        @Override
        public void setEventListener(LineEventListener listener) {
            chip.setEventListener(listener);
        }

        @Override
        public int lineCaps(int offset) throws LineException {
            return chip.lineCaps(offset);
        }

        @Override
        public boolean supportsLineConfig() {
            return chip.supportsLineConfig();
        }

        @Override
        public void setBias(int offset, Bias bias) throws LineException {
            if (offset == refusing && bias != Bias.AS_IS) {
                throw new LineException("line " + offset + " refuses every bias");
            }
            chip.setBias(offset, bias);
        }

        @Override
        public void setDrive(int offset, Drive drive) throws LineException {
            chip.setDrive(offset, drive);
        }

        @Override
        public void setDebounce(int offset, int periodMicros) throws LineException {
            chip.setDebounce(offset, periodMicros);
        }

        @Override
        public void close() {
            chip.close();
        }
    }

    /** A check on the chip that may throw. */
    @FunctionalInterface
    private interface LineCondition {
        boolean holds() throws LineException;
    }
}
