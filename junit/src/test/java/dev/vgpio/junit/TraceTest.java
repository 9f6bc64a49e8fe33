package dev.vgpio.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.LineSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

/**
 * The trace of each test: kept when the test fails, deleted when it passes, under
 * {@code target/vgpio-traces/<class>/<method>.jsonl}, with everything the device did during that test.
 */
class TraceTest {
    static final Path DEFAULT = VgpioExtension.DEFAULT_TRACE_DIRECTORY;
    static volatile Path seenDuringTest;

    @AfterEach
    void removeTheExamplesTraces() {
        Kit.deleteTraces();
        Kit.delete(DEFAULT.resolve(InstanceField.class.getName()));
    }

    static List<String> lines(Path trace) throws IOException {
        return Files.readAllLines(trace);
    }

    @Kit.Only
    static class InstanceField {
        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.withLines("LED", "BUTTON");

        @Test
        void passes() throws Exception {
            gpio.line("BUTTON").press();
            seenDuringTest = gpio.trace();
        }

        @Test
        void fails() throws Exception {
            gpio.line("BUTTON").press();
            gpio.line("LED").awaitOutput(1, Duration.ofMillis(50));
        }

        @RepeatedTest(2)
        void repeated(RepetitionInfo repetition) {
            assertThat(repetition.getCurrentRepetition()).as("on purpose").isEqualTo(1);
        }
    }

    @Test
    void aFailedTestsTraceIsKeptUnderTargetAndAPassedOnesIsDeleted() throws Exception {
        EngineExecutionResults results = Kit.run(InstanceField.class);
        results.testEvents().assertStatistics(s -> s.started(4).succeeded(2).failed(2));
        Path dir = DEFAULT.resolve("dev.vgpio.junit.TraceTest$InstanceField");
        assertThat(seenDuringTest).as("the trace is written while the test runs")
                .isEqualTo(dir.resolve("passes.jsonl"));
        assertThat(dir.resolve("passes.jsonl")).doesNotExist();
        assertThat(dir.resolve("repeated[1].jsonl")).doesNotExist();
        assertThat(dir.resolve("repeated[2].jsonl")).as("the failed invocation of a repeated test").exists();
        Path fails = dir.resolve("fails.jsonl");
        assertThat(fails).exists();
        List<String> trace = lines(fails);
        assertThat(trace.get(0)).as("first the view of every line").contains("\"kind\":\"line\"", "\"name\":\"LED\"");
        assertThat(trace.get(1)).contains("\"kind\":\"line\"", "\"name\":\"BUTTON\"", "\"level\":0");
        assertThat(trace).as("then what happened: the host pressed BUTTON")
                .anyMatch(l -> l.contains("\"kind\":\"driven\"") && l.contains("\"name\":\"BUTTON\"")
                        && l.contains("\"level\":1"))
                .anyMatch(l -> l.contains("\"kind\":\"line\"") && l.contains("\"name\":\"BUTTON\"")
                        && l.contains("\"level\":1") && l.contains("\"driver\":\"host\""));
        assertThat(trace).allMatch(l -> l.startsWith("{\"t\":") && l.endsWith("}"));
        List<String> kept = results.testEvents().reportingEntryPublished().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs()
                        .get(VgpioExtension.TRACE_REPORT_KEY)).toList();
        assertThat(kept).as("the kept traces, published as report entries").containsExactlyInAnyOrder(
                fails.toAbsolutePath().toString(), dir.resolve("repeated[2].jsonl").toAbsolutePath().toString());
    }

    @Kit.Only
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class StaticField {
        @RegisterExtension
        static final VgpioExtension GPIO = VgpioExtension.builder().lines("LED", "BUTTON").traceDirectory(Kit.TRACES)
                .build();

        @Test
        @Order(1)
        void first() throws Exception {
            GPIO.line("LED").press();
        }

        @Test
        @Order(2)
        void second() throws Exception {
            try (GpioChip guest = Guest.connect(GPIO)) {
                guest.requestLines(LineSettings.output(1), 1);
            }
            throw new AssertionError("on purpose, right after the guest's last request");
        }
    }

    @Test
    void aSharedDevicesTracesHoldEachTestsOwnActivityToItsLastRequest() throws Exception {
        Kit.run(StaticField.class).testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        Path dir = Kit.TRACES.resolve(StaticField.class.getName());
        assertThat(dir.resolve("first.jsonl")).doesNotExist();
        List<String> second = lines(dir.resolve("second.jsonl"));
        assertThat(second.get(0)).as("LED as the test before left it").contains("\"name\":\"LED\"", "\"level\":1",
                "\"driver\":\"host\"");
        assertThat(second).as("that test's drive is not in this one's trace")
                .noneMatch(l -> l.contains("\"kind\":\"driven\""));
        assertThat(second).as("the guest's requests, up to the last one before the test failed")
                .anyMatch(l -> l.contains("\"type\":\"SET_DIRECTION\"") && l.contains("\"name\":\"BUTTON\"")
                        && l.contains("\"value\":1"))
                .anyMatch(l -> l.contains("\"type\":\"SET_DIRECTION\"") && l.contains("\"name\":\"BUTTON\"")
                        && l.contains("\"value\":0"));
    }

    @Kit.Only
    static class Always {
        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.builder().lines("LED").traceDirectory(Kit.TRACES)
                .keepTrace(KeepTrace.ALWAYS).build();

        @Test
        void passes() throws Exception {
            gpio.line("LED").pulse(Duration.ofMillis(1));
        }
    }

    @Kit.Only
    static class Never {
        @RegisterExtension
        final VgpioExtension gpio = VgpioExtension.builder().lines("LED").traceDirectory(Kit.TRACES)
                .keepTrace(KeepTrace.NEVER).build();

        @Test
        void fails() {
            assertThat(gpio.trace()).isNull();
            throw new AssertionError("on purpose");
        }
    }

    @Test
    void keepTraceAlwaysKeepsAPassedTestsTraceAndNeverRecordsNone() throws Exception {
        EngineExecutionResults always = Kit.run(Always.class);
        always.testEvents().assertStatistics(s -> s.succeeded(1));
        Path kept = Kit.TRACES.resolve(Always.class.getName()).resolve("passes.jsonl");
        assertThat(lines(kept)).filteredOn(l -> l.contains("\"kind\":\"driven\"")).hasSize(2);
        assertThat(always.testEvents().reportingEntryPublished().stream().map(Event::getPayload)).hasSize(1);

        Kit.run(Never.class).testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(Kit.TRACES.resolve(Never.class.getName())).doesNotExist();
    }
}
