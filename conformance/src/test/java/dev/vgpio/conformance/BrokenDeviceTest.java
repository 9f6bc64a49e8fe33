package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.conformance.FaultyDevice.Fault;
import dev.vgpio.virtio.InProcessTransport;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.LineCaps;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Devices that break the spec on purpose: the matching checks fail, precisely, and every other check still runs. */
class BrokenDeviceTest {
    private static Map<String, Result> run(Fault... faults) {
        return run(new SimulatedChip("sim", List.of("A", "B", "", "D")), faults);
    }

    private static Map<String, Result> run(SimulatedChip sim, Fault... faults) {
        FaultyDevice device = new FaultyDevice(sim, faults);
        Target target = Target.of("faulty", () -> new InProcessTransport(device, 4 << 20))
                .withTimeout(Duration.ofMillis(300)).withQuiet(Duration.ofMillis(60))
                .withInput(VgpioBackEndTest.driving(sim));
        List<Result> results = ConformanceSuite.run(target);
        assertThat(results).extracting(Result::id).containsExactlyElementsOf(ConformanceSuite.statements().keySet());
        Map<String, Result> byId = new LinkedHashMap<>();
        results.forEach(r -> byId.put(r.id(), r));
        return byId;
    }

    private static void assertOnlyTheseFail(Map<String, Result> byId, Set<String> failing) {
        byId.values().forEach(r -> assertThat(r.outcome()).as("%s: %s", r.id(), r.detail())
                .isEqualTo(failing.contains(r.id()) ? Result.Outcome.FAIL : Result.Outcome.PASS));
    }

    @Test
    void theFaultlessFakePassesEverything() {
        assertOnlyTheseFail(run(), Set.of());
    }

    @Test
    void aGetDirectionValueOfSevenIsCaught() {
        Map<String, Result> r = run(Fault.BAD_DIRECTION_VALUE);
        assertThat(r.get("requestq.get-direction").detail()).contains("4 of 4 lines: line 0 answered value 7");
        assertThat(r.get("requestq.set-direction").detail()).contains("IN -> 7");
        assertOnlyTheseFail(r, Set.of("requestq.get-direction", "requestq.set-direction",
                "requestq.set-direction-invalid", "requestq.direction-none-discards", "irq.output-line"));
    }

    @Test
    void aUsedLengthOfThreeIsCaught() {
        Map<String, Result> r = run(Fault.LONG_ANSWERS);
        assertThat(r.get("requestq.used-length").detail()).contains("used length 3, expected 2");
        assertThat(r.get("line-config.get-caps").detail())
                .contains("GET_LINE_CAPS for line 0 had used length 3, not 2");
        assertOnlyTheseFail(r, Set.of("requestq.used-length", "line-config.get-caps"));
    }

    @Test
    void aPairKeptOnDisableIsCaught() {
        Map<String, Result> r = run(Fault.KEEP_PAIR_ON_DISABLE);
        assertThat(r.get("eventq.disable-returns").detail())
                .contains("the queued pair was not returned within 500 ms");
        assertThat(r.get("eventq.duplicate-pair").detail()).contains("a pair stayed with the device");
        assertOnlyTheseFail(r, Set.of("eventq.disable-returns", "eventq.duplicate-pair"));
    }

    @Test
    void aDeviceThatNeverAnswersGetValueFailsThoseChecksWithoutHangingTheRest() {
        long start = System.nanoTime();
        Map<String, Result> r = run(Fault.SILENT_GET_VALUE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        assertThat(r.get("requestq.get-value").detail()).isEqualTo("no answer to GET_VALUE for line 0 within 300 ms");
        assertOnlyTheseFail(r, Set.of("requestq.get-value", "requestq.set-value-before-output",
                "requestq.direction-none-discards", "requestq.out-of-range", "requestq.order-same-line",
                "line-config.invalid-argument", "line-config.bias-level", "line-config.drive-levels",
                "line-config.debounce-filters", "line-config.direction-none-discards", "line-config.any-direction",
                "line-config.reset-discards"));
    }

    @Test
    void reservedCapsBitsAreCaught() {
        Map<String, Result> r = run(Fault.RESERVED_CAPS_BIT);
        assertThat(r.get("line-config.get-caps").detail())
                .contains("GET_LINE_CAPS for line 0 answered 0x7f: the reserved bits 6-7 are set");
        assertOnlyTheseFail(r, Set.of("line-config.get-caps"));
    }

    @Test
    void lineConfigMessagesAnsweredWithoutTheFeatureAreCaught() {
        Map<String, Result> r = run(Fault.LINE_CONFIG_WITHOUT_FEATURE);
        assertThat(r.get("line-config.without-feature").detail())
                .contains("GET_LINE_CAPS for line 0 answered OK")
                .contains("the device offers VIRTIO_GPIO_F_LINE_CONFIG; this session did not accept it");
        assertThat(r.get("requestq.unknown-type").detail()).contains("message type 7 answered OK");
        assertOnlyTheseFail(r, Set.of("line-config.without-feature", "requestq.unknown-type"));
    }

    @Test
    void settingsAcceptedAgainstTheRulesAreCaught() {
        int[] caps = {LineCaps.PULL_UP, LineCaps.OPEN_DRAIN, 0, 0};
        Map<String, Result> r = run(new SimulatedChip("sim", List.of("A", "B", "", "D"), caps),
                Fault.ACCEPT_EVERY_SETTING);
        assertThat(r.get("line-config.caps-honoured").detail())
                .contains("line 0 (caps pull-up): bias disabled answered OK; expected ERR, the line lacks the bit");
        assertThat(r.get("line-config.unknown-param").detail()).contains("SET_LINE_CONFIG(0x4) answered OK");
        assertThat(r.get("line-config.invalid-argument").detail())
                .contains("SET_LINE_CONFIG(bias 0x4) for line 0 answered OK");
        assertThat(r.get("line-config.out-of-range").detail())
                .contains("SET_LINE_CONFIG(bias as-is) for line 4 answered OK");
        assertThat(r.values()).filteredOn(Result::failed).extracting(Result::id).containsExactlyInAnyOrder(
                "line-config.caps-honoured", "line-config.unknown-param", "line-config.invalid-argument",
                "line-config.out-of-range", "line-config.without-feature");
    }

    @Test
    void settingsThatSurviveARelease() {
        Map<String, Result> r = run(Fault.KEEP_SETTINGS_ON_NONE);
        assertThat(r.get("line-config.direction-none-discards").detail())
                .contains("the debounce period of 300 ms survived SET_DIRECTION(NONE)")
                .contains("open-drain survived SET_DIRECTION(NONE)")
                .contains("open-source survived SET_DIRECTION(NONE)");
        assertOnlyTheseFail(r, Set.of("line-config.direction-none-discards"));
        // a pull that stays is what AS_IS allows of hardware whose pull cannot be removed: reported, not a failure
        int[] pullsOnly = {LineCaps.PULL_UP | LineCaps.PULL_DOWN, LineCaps.PULL_UP, 0, 0};
        r = run(new SimulatedChip("sim", List.of("A", "B", "", "D"), pullsOnly), Fault.KEEP_SETTINGS_ON_NONE);
        Result none = r.get("line-config.direction-none-discards");
        assertThat(none.outcome()).isEqualTo(Result.Outcome.SKIP);
        assertThat(none.detail()).contains("pull-up: let go from 0, read 0 as-is and 1 with it; 1 after"
                + " SET_DIRECTION(NONE) and IN again (the pull stayed, which AS_IS allows");
        assertThat(r.values()).noneMatch(Result::failed);
    }

    @Test
    void settingsThatSurviveAReset() {
        Map<String, Result> r = run(Fault.KEEP_SETTINGS_ON_RESET);
        assertThat(r.get("line-config.reset-discards").detail())
                .contains("the debounce period of 300 ms survived a device reset")
                .contains("open-drain survived a device reset: for a new driver that did not negotiate"
                        + " VIRTIO_GPIO_F_LINE_CONFIG, SET_VALUE(1) then SET_DIRECTION(OUT) read 0 with the outside"
                        + " at 0");
        assertOnlyTheseFail(r, Set.of("line-config.reset-discards"));
    }

    @Test
    void withoutTheExtensionItsChecksAreSkippedButOne() {
        Map<String, Result> r = run(new SimulatedChip("sim", List.of("A", "B"), new int[2]));
        assertThat(r.values()).filteredOn(x -> x.id().startsWith("line-config.")).allSatisfy(x -> {
            if (x.id().equals("line-config.without-feature")) {
                assertThat(x.outcome()).isEqualTo(Result.Outcome.PASS);
                assertThat(x.detail()).contains("the device does not offer VIRTIO_GPIO_F_LINE_CONFIG");
            } else {
                assertThat(x.outcome()).as(x.id()).isEqualTo(Result.Outcome.SKIP);
                assertThat(x.detail()).contains("the device does not offer VIRTIO_GPIO_F_LINE_CONFIG");
            }
        });
        assertThat(r.values()).noneMatch(Result::failed);
    }

    @Test
    void aCheckThatOverrunsIsAbandonedAndTheSuiteGoesOn() {
        Target target = Target.of("never", () -> {
            throw new java.io.IOException("unused");
        });
        long start = System.nanoTime();
        Result r = ConformanceSuite.runOne(new ConformanceSuite.Check("x.hang", "hangs", c -> {
            Thread.sleep(60_000);
            return Verdict.pass("never");
        }), target, new Observations(), Duration.ofMillis(200));
        assertThat(r.outcome()).isEqualTo(Result.Outcome.FAIL);
        assertThat(r.detail()).isEqualTo("the check did not finish within 200 ms and was abandoned");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aCheckThatThrowsIsAFailWithTheMessage() {
        Target target = Target.of("unreachable", () -> {
            throw new java.io.IOException("cannot connect to the vhost-user back end at /nowhere");
        });
        List<Result> results = ConformanceSuite.run(target);
        assertThat(results).filteredOn(x -> !x.id().startsWith("requestq.used") && !x.id().startsWith("requestq.status")
                && !x.id().startsWith("requestq.fields") && !x.id().startsWith("eventq.used"))
                .allSatisfy(x -> {
                    assertThat(x.outcome()).isEqualTo(Result.Outcome.FAIL);
                    assertThat(x.detail()).isEqualTo("cannot connect to the vhost-user back end at /nowhere");
                });
    }
}
