package dev.vgpio.conformance;

import dev.vgpio.protocol.MessageType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conformance suite: every normative statement of the virtio spec's GPIO section (5.18 in virtio 1.3) that a
 * driver can observe, checked against a device, and those of vgpio's line-configuration extension
 * (VIRTIO_GPIO_F_LINE_CONFIG, docs/line-config.md; marked "[extension]", skipped when the device does not offer it).
 * Each check opens its own session(s) through the {@link Target}, so a device that misbehaves in one check cannot
 * poison the others; a check that throws is a FAIL with the exception's message, a check that overruns its time limit
 * is abandoned (its sessions closed) and FAILs, and the suite always runs to the end. The checks change the target
 * line's direction, value and interrupt configuration (and, with an input driver, its input level) and put it back to
 * direction NONE, interrupt NONE and level 0 afterwards; run them against a device whose lines nothing else uses.
 */
public final class ConformanceSuite {
    private static final Logger LOG = LoggerFactory.getLogger(ConformanceSuite.class);

    /** One check: its id, the statement it checks, and its body. */
    record Check(String id, String statement, Body body) {
    }

    @FunctionalInterface
    interface Body {
        Verdict run(Context c) throws Exception;
    }

    private ConformanceSuite() {
    }

    /** Runs every check against {@code target}, in order; one result per check. */
    public static List<Result> run(Target target) {
        Observations observations = new Observations();
        List<Result> results = new ArrayList<>();
        for (Check check : checks(observations)) {
            Result r = runOne(check, target, observations);
            LOG.debug("{}: {} {}", r.id(), r.outcome(), r.detail());
            results.add(r);
        }
        return results;
    }

    /** The ids and statements of every check, in the order {@link #run} runs them. */
    public static Map<String, String> statements() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Check c : checks(new Observations())) {
            m.put(c.id(), c.statement());
        }
        return m;
    }

    /** How long one check may take in all before it is abandoned. */
    static Duration limit(Target t) {
        return t.timeout().multipliedBy(20).plus(t.quiet().multipliedBy(30)).plusSeconds(10);
    }

    static Result runOne(Check check, Target target, Observations observations) {
        return runOne(check, target, observations, limit(target));
    }

    static Result runOne(Check check, Target target, Observations observations, Duration limit) {
        Context ctx = new Context(target, observations, check.id());
        CompletableFuture<Verdict> outcome = new CompletableFuture<>();
        Thread worker = Thread.ofPlatform().daemon().name("vgpio-conformance-" + check.id()).start(() -> {
            Verdict v = null;
            Throwable thrown = null;
            try {
                v = check.body().run(ctx);
            } catch (Throwable e) {
                thrown = e;
            } finally {
                ctx.cleanup();
            }
            if (thrown != null) {
                outcome.completeExceptionally(thrown);
            } else {
                outcome.complete(v);
            }
        });
        try {
            Verdict v = outcome.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(check.id(), check.statement(), v.outcome(), v.detail());
        } catch (ExecutionException e) {
            return fromThrowable(check, e.getCause());
        } catch (TimeoutException e) {
            ctx.abandon();
            worker.interrupt();
            try {
                worker.join(2000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return new Result(check.id(), check.statement(), Result.Outcome.FAIL,
                    "the check did not finish within " + limit.toMillis() + " ms and was abandoned");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ctx.abandon();
            return new Result(check.id(), check.statement(), Result.Outcome.FAIL, "interrupted");
        }
    }

    private static Result fromThrowable(Check check, Throwable e) {
        if (e instanceof CheckSkipped) {
            return new Result(check.id(), check.statement(), Result.Outcome.SKIP, e.getMessage());
        }
        String message = e instanceof CheckFailed || (e.getMessage() != null && !e.getMessage().isBlank())
                ? e.getMessage() : e.toString();
        if (!(e instanceof CheckFailed) && !(e instanceof java.io.IOException)) {
            LOG.debug("{} threw", check.id(), e);
        }
        return new Result(check.id(), check.statement(), Result.Outcome.FAIL, message);
    }

    /** The catalogue, in running order: read-only checks first, the aggregates over everything seen last. */
    static List<Check> checks(Observations o) {
        List<Check> c = new ArrayList<>();
        // features and configuration
        c.add(new Check("features.version-1", "The device offers VIRTIO_F_VERSION_1: virtio-gpio is a virtio 1.x"
                + " device (the general rule \"a device MUST offer VIRTIO_F_VERSION_1\")", RequestChecks::version1));
        c.add(new Check("config.ngpio", "ngpio \"is the total number of GPIO lines supported by the device\": at"
                + " least one (the Linux driver refuses ngpio = 0)", RequestChecks::ngpio));
        c.add(new Check("config.padding", "padding \"has no meaning and is reserved for future use. This is set to"
                + " zero by the device\"", RequestChecks::padding));
        c.add(new Check("config.names-size", "\"The device MUST set the gpio_names_size field as zero ... if it"
                + " doesn't implement names\", else to the size of the gpio-names block: a non-zero size means"
                + " GET_LINE_NAMES works and holds at least one byte per line", RequestChecks::namesSize));
        // names
        c.add(new Check("names.answer", "GET_LINE_NAMES: the driver gives value[N] for N = gpio_names_size; the"
                + " device answers STATUS_OK and fills status and all N bytes (used length exactly 1 + N, as Linux"
                + " requires)", RequestChecks::namesAnswer));
        c.add(new Check("names.format", "The block holds one name per line in line order: \"the name string must be"
                + " zero-terminated\", \"a zero-byte must be present\" for a line without one, names \"are encoded in"
                + " 7-bit ASCII\"", RequestChecks::namesFormat));
        c.add(new Check("names.unique", "\"The strings MUST be zero-terminated and unique (if available) within the"
                + " GPIO device\"", RequestChecks::namesUnique));
        // requestq
        c.add(new Check("requestq.get-direction", "GET_DIRECTION of every line 0 <= gpio < ngpio answers STATUS_OK"
                + " with value \"0 = none, 1 = output, 2 = input\"", RequestChecks::getDirection));
        c.add(new Check("requestq.get-value", "GET_VALUE returns the value sensed on a line: \"0 = low, 1 = high\"",
                RequestChecks::getValue));
        c.add(new Check("requestq.set-direction", "SET_DIRECTION sets the direction GET_DIRECTION then reports: IN"
                + " and OUT activate the line, NONE deactivates it", RequestChecks::setDirection));
        c.add(new Check("requestq.set-direction-invalid", "A SET_DIRECTION value other than 0, 1, 2 fails:"
                + " \"VIRTIO_GPIO_STATUS_ERR on failure\", and the line's direction stays as it was",
                RequestChecks::setDirectionInvalid));
        c.add(new Check("requestq.set-value-before-output", "SET_VALUE: \"The line may already be configured for"
                + " output or may get configured to output later, at which point this output value must be used by"
                + " the device for the line\"", RequestChecks::setValueBeforeOutput));
        c.add(new Check("requestq.direction-none-discards", "\"The device MUST discard all state information"
                + " corresponding to a GPIO line, once the driver has requested to set its direction to"
                + " VIRTIO_GPIO_DIRECTION_NONE\"", RequestChecks::directionNoneDiscards));
        c.add(new Check("requestq.out-of-range", "gpio is the line number, \"0 <= gpio < ngpio\": a message for"
                + " gpio = ngpio or 0xffff fails with STATUS_ERR (GET/SET_DIRECTION, GET/SET_VALUE, SET_IRQ_TYPE)",
                RequestChecks::outOfRange));
        c.add(new Check("requestq.unknown-type", "A message type that is none of VIRTIO_GPIO_MSG_* (0, 7, 0xffff)"
                + " fails with STATUS_ERR", RequestChecks::unknownType));
        c.add(new Check("requestq.order-same-line", "\"The device MUST process multiple messages, for the same GPIO"
                + " line, sequentially and respond to them in the order they were received on the virtqueue\"",
                RequestChecks::orderSameLine));
        // SET_IRQ_TYPE
        c.add(new Check("irq.without-feature", "[robustness] \"The driver MUST NOT send IRQ messages if the"
                + " VIRTIO_GPIO_F_IRQ feature has not been negotiated\": the device refuses SET_IRQ_TYPE with"
                + " STATUS_ERR and keeps working", InterruptChecks::withoutFeature));
        c.add(new Check("irq.output-line", "[robustness] \"The driver MUST NOT send IRQ messages for a GPIO line"
                + " configured for output\": the device refuses with STATUS_ERR", InterruptChecks::outputLine));
        c.add(new Check("irq.invalid-type", "SET_IRQ_TYPE takes \"one of VIRTIO_GPIO_IRQ_TYPE_*\" (0, 1, 2, 3, 4,"
                + " 8): any other value fails with STATUS_ERR", InterruptChecks::invalidType));
        c.add(new Check("irq.change-without-none", "[observation] \"In order to change the trigger type of an"
                + " already enabled interrupt, the driver MUST first disable the interrupt\": how the device answers"
                + " a change without NONE, and that NONE and a new type work afterwards",
                InterruptChecks::changeWithoutNone));
        // eventq
        c.add(new Check("eventq.not-enabled-invalid", "(SHOULD) If \"the interrupt is unmasked without being enabled"
                + " first, the device should return any unused pair of buffers for the GPIO line ... after setting"
                + " the status field to VIRTIO_GPIO_IRQ_STATUS_INVALID\" (here: within 500 ms)",
                InterruptChecks::notEnabledInvalid));
        c.add(new Check("eventq.disable-returns", "\"On receiving VIRTIO_GPIO_MSG_SET_IRQ_TYPE message, with"
                + " VIRTIO_GPIO_IRQ_TYPE_NONE trigger type, the device MUST return the buffers, if they were received"
                + " earlier, after setting the status field to VIRTIO_GPIO_IRQ_STATUS_INVALID\" (here: within 500 ms)",
                InterruptChecks::disableReturns));
        c.add(new Check("eventq.duplicate-pair", "[robustness] \"The driver MUST NOT add multiple pairs of buffers for"
                + " the same GPIO line\": a second pair does not wedge the device; SET_IRQ_TYPE(NONE) returns every"
                + " pair it holds and interrupts work afterwards", InterruptChecks::duplicatePair));
        c.add(new Check("irq.edge-delivered", "Once an enabled interrupt is unmasked, the device notifies an active"
                + " interrupt by returning the pair with VIRTIO_GPIO_IRQ_STATUS_VALID (used length 1: the u8"
                + " status), and not before", InterruptChecks::edgeDelivered));
        c.add(new Check("irq.edge-latched", "\"The device MUST latch an edge interrupt if the interrupt is enabled but"
                + " still masked\" and deliver it once the pair is queued", InterruptChecks::edgeLatched));
        c.add(new Check("irq.masked-no-event", "\"The device MUST NOT send an interrupt event to the driver for a GPIO"
                + " line unless the interrupt has been both unmasked and enabled\" (here: enabled, masked; another"
                + " line's queued pair must not carry it)", InterruptChecks::maskedNoEvent));
        c.add(new Check("irq.disable-discards-latched", "\"The device MUST discard any latched interrupt for a GPIO"
                + " line, once interrupt is disabled for the same\"", InterruptChecks::disableDiscardsLatched));
        c.add(new Check("irq.level-not-latched", "\"The device MUST NOT latch an level interrupt if the interrupt is"
                + " enabled but still masked\" (LEVEL_HIGH and LEVEL_LOW)", InterruptChecks::levelNotLatched));
        c.add(new Check("irq.level-active-on-unmask", "Level interrupts: the device notifies \"once the interrupt"
                + " signal on a line is sensed and the interrupt is unmasked\", and \"once the interrupt is unmasked"
                + " again and the interrupt on the line is still active, the device shall notify the driver again\"",
                InterruptChecks::levelActiveOnUnmask));
        c.add(new Check("irq.disabled-no-event", "\"The device MUST NOT send an interrupt event to the driver for a"
                + " GPIO line unless the interrupt has been both unmasked and enabled\" (here: unmasked, not"
                + " enabled)", InterruptChecks::disabledNoEvent));
        // vgpio's line-configuration extension (docs/line-config.md): its device requirements
        c.add(new Check("line-config.offered-with-caps", "[extension] \"The device MUST NOT offer"
                + " VIRTIO_GPIO_F_LINE_CONFIG if none of its lines can apply any setting\": offered, some line's"
                + " GET_LINE_CAPS is not 0", LineConfigChecks::offeredWithCaps));
        c.add(new Check("line-config.without-feature", "[extension] \"The device MUST answer"
                + " VIRTIO_GPIO_MSG_GET_LINE_CAPS and VIRTIO_GPIO_MSG_SET_LINE_CONFIG with VIRTIO_GPIO_STATUS_ERR if"
                + " VIRTIO_GPIO_F_LINE_CONFIG has not been negotiated\" (whether offered or not)",
                LineConfigChecks::withoutFeature));
        c.add(new Check("line-config.get-caps", "[extension] \"The device MUST answer VIRTIO_GPIO_MSG_GET_LINE_CAPS"
                + " with the capabilities of the line. It MUST set the reserved bits to 0, and the bits it sets MUST"
                + " NOT change while the device is live\": OK with used length 2 for every line, the same again",
                LineConfigChecks::getCaps));
        c.add(new Check("line-config.out-of-range", "[extension] STATUS_ERR when \"gpio is not less than ngpio\":"
                + " GET_LINE_CAPS and SET_LINE_CONFIG for gpio = ngpio and 0xffff", LineConfigChecks::outOfRange));
        c.add(new Check("line-config.unknown-param", "[extension] SET_LINE_CONFIG answers STATUS_ERR when \"the"
                + " parameter is none of VIRTIO_GPIO_CONFIG_*\" (0, 4, 0x7f, 0xff)", LineConfigChecks::unknownParam));
        c.add(new Check("line-config.invalid-argument", "[extension] SET_LINE_CONFIG answers STATUS_ERR, \"and"
                + " leave[s] the line unchanged\", when \"the argument is not one its parameter defines\" (bias 4,"
                + " 0xff, 0xffffff; drive 3, 0xffffff)", LineConfigChecks::invalidArgument));
        c.add(new Check("line-config.caps-honoured", "[extension] SET_LINE_CONFIG answers STATUS_ERR when \"the"
                + " line's capabilities lack the setting's bit\", and OK for a setting they have (or ERR, reported,"
                + " from a device that passes settings on to hardware it cannot query)",
                LineConfigChecks::capsHonoured));
        c.add(new Check("line-config.debounce-range", "[extension] (SHOULD) \"The device SHOULD NOT set"
                + " VIRTIO_GPIO_CAP_DEBOUNCE unless it can debounce that line with any period from 1 to 0xffffff\""
                + " us: 1, 1000 and 16777215 answer OK", LineConfigChecks::debounceRange));
        c.add(new Check("line-config.defaults-accepted", "[extension] \"The device MUST accept"
                + " VIRTIO_GPIO_BIAS_AS_IS, VIRTIO_GPIO_DRIVE_PUSH_PULL and a debounce period of 0 on every line\""
                + " (the checked lines, released, as inputs and as outputs)", LineConfigChecks::defaultsAccepted));
        c.add(new Check("line-config.any-direction", "[extension] \"A setting takes effect at once, whatever the"
                + " line's direction\": the settings a line has answer OK on an input and on an output, and \"the"
                + " device MUST apply a setting it answered with VIRTIO_GPIO_STATUS_OK ... whatever the line's"
                + " direction\" (a drive set on an input shows once it is an output, a debounce period set on an"
                + " output once it is an input)", LineConfigChecks::anyDirection));
        c.add(new Check("line-config.bias-level", "[extension] A bias \"is the level an input ... takes when nothing"
                + " else drives it\" (pull-up 1, pull-down 0), applied \"before it answers the next request for that"
                + " line\"", LineConfigChecks::biasLevel));
        c.add(new Check("line-config.drive-levels", "[extension] \"An open-drain output drives 0 and lets go of the"
                + " line for 1. An open-source output drives 1 and lets go for 0. When an output has let go,"
                + " VIRTIO_GPIO_MSG_GET_VALUE reads the line's actual level\"", LineConfigChecks::driveLevels));
        c.add(new Check("line-config.debounce-filters", "[extension] \"When a line has a debounce period, the device"
                + " MUST NOT report, through VIRTIO_GPIO_MSG_GET_VALUE or an interrupt, an input level that has not"
                + " lasted the period\"; a change that lasts it is seen", LineConfigChecks::debounceFilters));
        c.add(new Check("line-config.direction-none-discards", "[extension] \"On VIRTIO_GPIO_MSG_SET_DIRECTION with"
                + " VIRTIO_GPIO_DIRECTION_NONE, the device MUST put the line's bias back to AS_IS, its drive to"
                + " PUSH_PULL and its debounce period to 0\" (seen through what a debounce period and a drive do; a"
                + " pull may stay, by AS_IS's definition, and is reported)", LineConfigChecks::directionNoneDiscards));
        c.add(new Check("line-config.reset-discards", "[extension] \"On device reset, the device MUST put every"
                + " line's bias back to AS_IS, its drive to PUSH_PULL and its debounce period to 0\": a new driver"
                + " that did not negotiate the extension meets none of the settings an earlier one left",
                LineConfigChecks::resetDiscards));
        // over everything seen
        c.add(new Check("requestq.used-length", "Every requestq answer has used length exactly 2 (the"
                + " virtio_gpio_response), 1 + gpio_names_size for GET_LINE_NAMES; over every message of every check",
                x -> Aggregates.usedLength(o)));
        c.add(new Check("requestq.status", "\"The status must be set to VIRTIO_GPIO_STATUS_OK on success and"
                + " VIRTIO_GPIO_STATUS_ERR on failure\": no other status value, over every answer of every check",
                x -> Aggregates.status(o)));
        c.add(new Check("requestq.fields-set", "\"The device MUST set all the fields of the struct"
                + " virtio_gpio_response before sending it back\": the value byte is written (the driver fills it"
                + " with 0xee) and is 0 in OK answers to SET_DIRECTION, SET_VALUE, SET_IRQ_TYPE and SET_LINE_CONFIG",
                x -> Aggregates.fieldsSet(o)));
        c.add(new Check("eventq.used-length", "Every returned eventq pair has used length exactly 1 (the"
                + " virtio_gpio_irq_response) and status VALID or INVALID; over every pair of every check",
                x -> Aggregates.eventUsedLength(o)));
        return c;
    }

    static String typeName(int type) {
        MessageType t = MessageType.fromCode(type);
        return t != null ? t.name() : "type " + type;
    }
}
