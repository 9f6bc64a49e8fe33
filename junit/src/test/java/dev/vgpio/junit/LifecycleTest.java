package dev.vgpio.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineSettings;
import dev.vgpio.monitor.Stimulus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * When the device starts and stops, run through example classes as a build runs them: a device per test for an
 * instance field, one per class for a static field (also for a nested class's tests), and after the last test
 * nothing is left, whether the tests passed or failed: no socket file, no temporary directory, none of the
 * device's threads.
 */
class LifecycleTest {
    static final List<Path> SOCKETS = new CopyOnWriteArrayList<>();
    static final Set<Thread> THREADS = ConcurrentHashMap.newKeySet();
    static final List<GpioChip> GUESTS = new CopyOnWriteArrayList<>();
    Set<Thread> before;

    /** The device's threads: its serving thread ({@code vgpio-NAME}), the monitor's and the stimuli's. */
    static Set<Thread> deviceThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vgpio-")
                && !t.getName().startsWith("vgpio-driver")).collect(Collectors.toSet());
    }

    static void record(VgpioExtension gpio) {
        SOCKETS.add(gpio.socket());
        THREADS.addAll(deviceThreads());
    }

    @BeforeEach
    void clear() {
        SOCKETS.clear();
        THREADS.clear();
        before = deviceThreads();
    }

    @AfterEach
    void closeGuests() {
        GUESTS.forEach(GpioChip::close);
        GUESTS.clear();
        Kit.deleteTraces();
    }

    private void assertNothingLeft() {
        assertThat(SOCKETS).isNotEmpty();
        for (Path socket : SOCKETS) {
            assertThat(socket).as("the socket file").doesNotExist();
            assertThat(socket.getParent()).as("the temporary directory made for it").doesNotExist();
        }
        Set<Thread> started = THREADS.stream().filter(t -> !before.contains(t)).collect(Collectors.toSet());
        assertThat(started).as("the device's threads while it ran").extracting(Thread::getName)
                .contains("vgpio-monitor");
        await("the device's threads to end").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(started).filteredOn(Thread::isAlive).isEmpty());
    }

    @Kit.Only
    static class InstanceField {
        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.builder().lines("LED", "BUTTON").name("lifecycle")
                .traceDirectory(Kit.TRACES).build();

        @Test
        void passes() throws Exception {
            try (GpioChip guest = Guest.connect(gpio)) {
                guest.requestLines(LineSettings.output(1), 0);
                gpio.line("LED").awaitOutput(1, Duration.ofSeconds(5));
                gpio.line("BUTTON").stimulate(new Stimulus.Square(Duration.ofMillis(2), 0)); // left running
                gpio.line("BUTTON").awaitEdges(2, Duration.ofSeconds(5));
                record(gpio);
            }
        }

        @Test
        void failsWithTheGuestStillConnected() throws Exception {
            GpioChip guest = Guest.connect(gpio);
            GUESTS.add(guest);
            guest.requestLines(LineSettings.output(1), 0);
            record(gpio);
            throw new AssertionError("on purpose");
        }
    }

    @Test
    void anInstanceFieldsDeviceRunsForOneTestAndLeavesNothingWhetherItPassedOrNot() {
        EngineExecutionResults results = Kit.run(InstanceField.class);
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertThat(SOCKETS).as("a device per test").hasSize(2).doesNotHaveDuplicates();
        assertNothingLeft();
    }

    @Kit.Only
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class StaticField {
        @RegisterExtension
        static final VgpioExtension GPIO = VgpioExtension.builder().lines("LED", "BUTTON").name("lifecycle")
                .traceDirectory(Kit.TRACES).build();

        @AfterAll
        static void stillRunning() {
            assertThat(GPIO.isRunning()).as("after the nested class's tests").isTrue();
            record(GPIO);
        }

        @Test
        @Order(1)
        void first() throws Exception {
            record(GPIO);
            GPIO.line("BUTTON").press();
        }

        @Test
        @Order(2)
        void secondFails() {
            record(GPIO);
            assertThat(GPIO.line("BUTTON").level()).as("the press of the test before").isEqualTo(1);
            throw new AssertionError("on purpose");
        }

        @Nested
        class Inner {
            @Test
            void seesTheOuterDevice() {
                record(GPIO);
                assertThat(GPIO.line("BUTTON").level()).isEqualTo(1);
            }
        }
    }

    @Test
    void aStaticFieldsDeviceRunsForTheWholeClassNestedClassesIncluded() {
        EngineExecutionResults results = Kit.run(StaticField.class);
        results.testEvents().assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        results.containerEvents().assertStatistics(s -> s.failed(0));
        assertThat(SOCKETS).hasSize(4).containsOnly(SOCKETS.getFirst());
        assertNothingLeft();
    }

    @Kit.Only
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassInstance {
        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.builder().lines("LED").name("lifecycle")
                .traceDirectory(Kit.TRACES).build();

        @Test
        void one() {
            record(gpio);
        }

        @Test
        void two() {
            record(gpio);
        }
    }

    @Test
    void anInstanceFieldOfAPerClassTestInstanceServesTheWholeClass() {
        Kit.run(PerClassInstance.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(SOCKETS).hasSize(2).containsOnly(SOCKETS.getFirst());
        assertNothingLeft();
    }

    @Kit.Only
    static class CannotStart {
        static final Path SOCKET = Path.of("/nonexistent-vgpio-dir/gpio0.sock");

        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.builder().lines("LED").name("lifecycle")
                .traceDirectory(Kit.TRACES).socket(SOCKET).build();

        @Test
        void neverRuns() {
            throw new AssertionError("the test ran without its device");
        }
    }

    @Test
    void aDeviceThatCannotStartFailsTheTestWithTheReasonAndLeavesNothing() {
        Kit.run(CannotStart.class).testEvents().assertStatistics(s -> s.started(1).failed(1))
                .failed().list().forEach(e -> assertThat(e.getPayload(
                        org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable()
                        .orElseThrow()).isInstanceOf(java.io.IOException.class)
                        .hasMessageContaining(CannotStart.SOCKET.toString()));
        assertThat(CannotStart.SOCKET).doesNotExist();
        Set<Thread> started = deviceThreads().stream().filter(t -> !before.contains(t)).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(started).filteredOn(Thread::isAlive).isEmpty());
        assertThat(Files.exists(CannotStart.SOCKET.getParent())).isFalse();
    }
}
