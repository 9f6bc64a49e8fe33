package dev.vgpio.bench;

import static dev.vgpio.virtio.VirtioException.Reason.PROTOCOL_VIOLATION;
import static dev.vgpio.virtio.VirtioException.Reason.REFUSED;
import static dev.vgpio.virtio.VirtioException.Reason.TIMED_OUT;

import dev.vgpio.driver.GpioChip;
import dev.vgpio.driver.RequestRing;
import dev.vgpio.protocol.GpioConfig;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.protocol.VirtioGpio;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.virtio.VirtioException;
import dev.vgpio.virtio.VirtioFeature;
import dev.vgpio.virtio.VirtioTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * End-to-end benchmark of any vhost-user-gpio back end, measured from vgpio's front end on one thread: the round trip
 * of a GET_VALUE with one request in flight (kick by eventfd, wait for the call eventfd), and throughput with many
 * requests in flight across the lines. The same shape as {@link Floor}: a 256-entry split ring and eventfds.
 */
public final class EndToEnd {
    /** What one run measured. */
    public record Result(long syncP50Ns, long syncP99Ns, long syncP999Ns, double syncOpsPerS, long syncSamples,
            double batchOpsPerS, int batchInFlight, int lines) {
        /** Each figure's median over several runs (runs of the same back end, with the same in-flight count). */
        public static Result median(java.util.List<Result> runs) {
            Result first = runs.getFirst();
            return new Result(Medians.ofLong(runs, Result::syncP50Ns), Medians.ofLong(runs, Result::syncP99Ns),
                    Medians.ofLong(runs, Result::syncP999Ns), Medians.of(runs, Result::syncOpsPerS),
                    Medians.ofLong(runs, Result::syncSamples), Medians.of(runs, Result::batchOpsPerS),
                    first.batchInFlight(), first.lines());
        }
    }

    private static final int QUEUE_SIZE = 256;
    private static final int MAX_SAMPLES = 20_000_000;

    private final VirtioTransport transport;
    private final RequestRing ring;
    private final int lines;
    private final Duration timeout = Duration.ofSeconds(2);
    private int answered;
    private int lastStatus;
    private final RequestRing.Answers collect = (slot, status, value, usedLength) -> {
        answered++;
        lastStatus = status;
        ring().release(slot);
    };

    private EndToEnd(VirtioTransport transport) throws IOException {
        this.transport = transport;
        long features = transport.negotiate(GpioChip.acceptedFeatures(transport.offeredFeatures(), false));
        this.lines = GpioConfig.fromBytes(transport.readConfig(0, GpioConfig.SIZE)).ngpio();
        if (lines == 0) {
            throw new VirtioException(PROTOCOL_VIOLATION, "the device reports ngpio = 0");
        }
        this.ring = new RequestRing(transport, VirtioGpio.REQUESTQ, QUEUE_SIZE,
                VirtioFeature.RING_EVENT_IDX.in(features));
        ring.interruptOnlyBeforeWaiting();
    }

    /** Waits for the device's call, after asking for it; returns at once if answers came meanwhile. */
    private void await(String what) throws IOException, InterruptedException {
        if (ring.prepareToWait() && !transport.awaitNotification(VirtioGpio.REQUESTQ, timeout)
                && !ring.hasAnswers()) {
            throw new VirtioException(TIMED_OUT, "no answer within " + timeout.toMillis() + " ms " + what);
        }
    }

    private RequestRing ring() {
        return ring;
    }

    /** Measures the back end at {@code socket}: warm-up, then each phase for {@code duration}. */
    public static Result run(Path socket, Duration warmup, Duration duration, int inFlight)
            throws IOException, InterruptedException {
        try (VirtioTransport t = VhostUserFrontend.connect(socket, Duration.ofSeconds(2), 4 << 20)) {
            return new EndToEnd(t).measure(warmup, duration, inFlight);
        }
    }

    /** Measures any transport (e.g. an in-process device). */
    public static Result run(VirtioTransport transport, Duration warmup, Duration duration, int inFlight)
            throws IOException, InterruptedException {
        return new EndToEnd(transport).measure(warmup, duration, inFlight);
    }

    private Result measure(Duration warmup, Duration duration, int inFlight)
            throws IOException, InterruptedException {
        if (inFlight < 1 || inFlight > ring.capacity()) {
            throw new IllegalArgumentException("in-flight must be 1.." + ring.capacity() + ", not " + inFlight);
        }
        long[] samples = new long[MAX_SAMPLES];
        sync(samples, warmup);
        int n = sync(samples, duration);
        long[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        double syncOps = n / (duration.toNanos() / 1e9);
        batch(warmup, inFlight);
        double batchOps = batch(duration, inFlight);
        return new Result(percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 99.9), syncOps, n,
                batchOps, inFlight, lines);
    }

    /** One request in flight: submit, kick, wait for the call, collect. Returns the samples taken. */
    private int sync(long[] samples, Duration duration) throws IOException, InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        int n = 0;
        int line = 0;
        int type = MessageType.GET_VALUE.code();
        while (System.nanoTime() < end && n < samples.length) {
            long t0 = System.nanoTime();
            answered = 0;
            ring.submit(type, line, 0);
            line = nextLine(line);
            ring.kick(VirtioGpio.REQUESTQ);
            while (ring.drain(collect) == 0) {
                await("with one request in flight");
            }
            samples[n++] = System.nanoTime() - t0;
        }
        return n;
    }

    /** {@code inFlight} requests kept in flight across the lines; returns requests answered per second. */
    private double batch(Duration duration, int inFlight) throws IOException, InterruptedException {
        int type = MessageType.GET_VALUE.code();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long done = 0;
        int line = 0;
        answered = 0;
        for (int i = 0; i < inFlight; i++) {
            ring.submit(type, line, 0);
            line = nextLine(line);
        }
        ring.kick(VirtioGpio.REQUESTQ);
        int outstanding = inFlight;
        while (true) {
            answered = 0;
            if (ring.drain(collect) == 0) {
                await("with many requests in flight");
                continue;
            }
            done += answered;
            outstanding -= answered;
            if (System.nanoTime() >= end) {
                break;
            }
            while (outstanding < inFlight) {
                ring.submit(type, line, 0);
                line = nextLine(line);
                outstanding++;
            }
            ring.kick(VirtioGpio.REQUESTQ);
        }
        long elapsed = System.nanoTime() - start;
        while (outstanding > 0) { // let the ring empty before the next phase
            answered = 0;
            if (ring.drain(collect) == 0) {
                await("while the ring empties");
            }
            outstanding -= answered;
        }
        if (lastStatus != 0) {
            throw new VirtioException(REFUSED, "the back end answered GET_VALUE with status " + lastStatus);
        }
        return done / (elapsed / 1e9);
    }

    /** The line after {@code line}, round the chip (no division per request: the floor's modulus is a mask). */
    private int nextLine(int line) {
        return line + 1 == lines ? 0 : line + 1;
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
