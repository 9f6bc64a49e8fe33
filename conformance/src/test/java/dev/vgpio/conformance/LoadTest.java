package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.driver.Answer;
import dev.vgpio.driver.GpioChip;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import dev.vgpio.vhostuser.VhostUserFrontend;
import dev.vgpio.vhostuser.VhostUserServer;
import dev.vgpio.virtio.VirtioException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load: one daemon serving four devices (four {@link VhostUserServer}s in this JVM, as {@code vgpio serve
 * --socket-count 4} runs them), a front end on each with four threads sending requests for {@code vgpio.load.millis}
 * (default 3000), and in the middle 200 simultaneous connection attempts on the first device. Requests served,
 * errors and latency percentiles are printed; what is asserted is correctness only (house rule: performance is
 * measured in benchmarks): every request answered once and right, counted by the driver and by the device alike; the
 * attached front end keeps working through the storm; every other attempt is refused or closed; and the device
 * then accepts a new front end.
 */
class LoadTest {
    static final Duration RUN = Duration.ofMillis(Long.getLong("vgpio.load.millis", 3000));
    static final int DEVICES = 4;
    static final int LINES = 4;
    static final int ATTEMPTS = 200;
    static final GpioChip.Options OPTIONS = new GpioChip.Options(Duration.ofSeconds(10), 256, true);

    /** What one sending thread did. */
    static final class Worker {
        final int device;
        final int line;
        long sent;
        long errors;
        String firstError;
        long[] latencies = new long[1 << 16];

        Worker(int device, int line) {
            this.device = device;
            this.line = line;
        }

        void record(long nanos) {
            if (sent == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[(int) sent++] = nanos;
        }

        void error(String what) {
            errors++;
            if (firstError == null) {
                firstError = what;
            }
        }
    }

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fourFrontEndsOnFourDevicesAndTwoHundredConnectionAttemptsLoseNothing() throws Exception {
        List<VhostUserServer> servers = new ArrayList<>();
        List<VirtioGpioDevice> devices = new ArrayList<>();
        List<GpioChip> chips = new ArrayList<>();
        List<Worker> workers = new ArrayList<>();
        Map<VirtioException.Reason, Integer> attempts = new EnumMap<>(VirtioException.Reason.class);
        int succeeded = 0;
        long duringStorm;
        try {
            for (int d = 0; d < DEVICES; d++) {
                VirtioGpioDevice device = new VirtioGpioDevice(new GpioController(
                        SimulatedChip.withLines("load" + d, LINES, "L")));
                devices.add(device);
                servers.add(new VhostUserServer(dir.resolve("gpio" + d + ".sock"), device, "gpio" + d).start());
            }
            for (int d = 0; d < DEVICES; d++) {
                chips.add(GpioChip.open(VhostUserFrontend.connect(servers.get(d).path(), Duration.ofSeconds(10),
                        1 << 20), OPTIONS));
            }
            long end = System.nanoTime() + RUN.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int d = 0; d < DEVICES; d++) {
                for (int line = 0; line < LINES; line++) {
                    Worker w = new Worker(d, line);
                    workers.add(w);
                    GpioChip chip = chips.get(d);
                    threads.add(Thread.ofPlatform().name("load-" + d + "-" + line).start(() -> send(chip, w, end)));
                }
            }
            Thread.sleep(RUN.dividedBy(3)); // not synchronisation: the storm simply starts while the load runs
            long before = workers.stream().filter(w -> w.device == 0).mapToLong(w -> progress(w)).sum();
            Map<VirtioException.Reason, AtomicLong> reasons = new ConcurrentHashMap<>();
            AtomicLong ok = new AtomicLong();
            storm(servers.getFirst().path(), reasons, ok);
            reasons.forEach((r, n) -> attempts.put(r, (int) n.get()));
            succeeded = (int) ok.get();
            duringStorm = workers.stream().filter(w -> w.device == 0).mapToLong(w -> progress(w)).sum() - before;
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            chips.forEach(GpioChip::close);
        }
        // the device accepts a new front end after the storm and the load
        try (GpioChip after = GpioChip.open(VhostUserFrontend.connect(servers.getFirst().path(),
                Duration.ofSeconds(10), 1 << 20), OPTIONS)) {
            assertThat(after.sendMessage(MessageType.GET_DIRECTION.code(), 0, 0)).isEqualTo(new Answer(0, 0, 2));
        }
        servers.forEach(VhostUserServer::close);

        long[] all = workers.stream().flatMapToLong(w -> Arrays.stream(w.latencies, 0, (int) w.sent)).sorted()
                .toArray();
        System.out.printf("load: %d front ends x %d threads for %d ms: %d requests, %d errors; latency p50 %.1f us,"
                + " p99 %.1f us, max %.1f us%n", DEVICES, LINES, RUN.toMillis(), all.length,
                workers.stream().mapToLong(w -> w.errors).sum(), percentile(all, 50) / 1e3,
                percentile(all, 99) / 1e3, all[all.length - 1] / 1e3);
        for (int d = 0; d < DEVICES; d++) {
            int dev = d;
            long sent = workers.stream().filter(w -> w.device == dev).mapToLong(w -> w.sent).sum();
            long[] mine = workers.stream().filter(w -> w.device == dev)
                    .flatMapToLong(w -> Arrays.stream(w.latencies, 0, (int) w.sent)).sorted().toArray();
            System.out.printf("load: device %d: %d requests sent, %d served by the device; p50 %.1f us, p99 %.1f us,"
                    + " max %.1f us, over 50 ms: %d%n", d, sent, devices.get(d).requestsServed(),
                    percentile(mine, 50) / 1e3, percentile(mine, 99) / 1e3, mine[mine.length - 1] / 1e3,
                    Arrays.stream(mine).filter(x -> x > 50_000_000).count());
        }
        System.out.printf("load: %d connection attempts during the load on device 0: %s, %d attached; device 0's"
                + " front end answered %d requests meanwhile%n", ATTEMPTS, attempts, succeeded, duringStorm);

        assertThat(workers).allSatisfy(w -> assertThat(w.errors).as("errors of %d/%d: %s", w.device, w.line,
                w.firstError).isZero());
        for (int d = 0; d < DEVICES; d++) {
            int dev = d;
            // per worker: SET_DIRECTION OUT, then the measured requests, then SET_DIRECTION NONE; plus 1 after
            long sent = workers.stream().filter(w -> w.device == dev).mapToLong(w -> w.sent + 2).sum();
            long opening = 1 + LINES; // GpioChip.open reads the line names and every line's caps (GET_LINE_CAPS)
            assertThat(devices.get(d).requestsServed()).as("requests device %d served", d)
                    .isEqualTo(sent + opening + (d == 0 ? opening + 1 : 0));
            assertThat(devices.get(d).errorsAnswered()).as("ERR answers of device %d", d).isZero();
        }
        assertThat(succeeded).as("attempts that got a session while a front end was attached").isZero();
        assertThat(attempts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(ATTEMPTS);
        assertThat(attempts.keySet()).as("every attempt was refused or closed")
                .isSubsetOf(VirtioException.Reason.CLOSED, VirtioException.Reason.UNREACHABLE);
        assertThat(duringStorm).as("device 0's front end kept answering during the storm").isPositive();
    }

    private static synchronized long progress(Worker w) {
        return w.sent;
    }

    /**
     * SET_DIRECTION OUT, then SET_VALUE v and GET_VALUE (which must answer v) until {@code end}, then SET_DIRECTION
     * NONE. Each request is timed; a wrong or missing answer is an error.
     */
    private static void send(GpioChip chip, Worker w, long end) {
        try {
            expect(chip.sendMessage(MessageType.SET_DIRECTION.code(), w.line, Direction.OUT.code()), 0, w,
                    "SET_DIRECTION OUT");
            int v = 0;
            while (System.nanoTime() < end) {
                v ^= 1;
                long t0 = System.nanoTime();
                Answer set = chip.sendMessage(MessageType.SET_VALUE.code(), w.line, v);
                long t1 = System.nanoTime();
                Answer get = chip.sendMessage(MessageType.GET_VALUE.code(), w.line, 0);
                long t2 = System.nanoTime();
                synchronized (LoadTest.class) {
                    w.record(t1 - t0);
                    w.record(t2 - t1);
                }
                expect(set, 0, w, "SET_VALUE " + v);
                expect(get, v, w, "GET_VALUE after SET_VALUE " + v);
            }
            expect(chip.sendMessage(MessageType.SET_DIRECTION.code(), w.line, Direction.NONE.code()), 0, w,
                    "SET_DIRECTION NONE");
        } catch (VirtioException | RuntimeException e) {
            w.error(e.toString());
        }
    }

    private static void expect(Answer a, int value, Worker w, String what) {
        if (!a.equals(new Answer(0, value, 2))) {
            w.error(what + " for line " + w.line + " answered " + a);
        }
    }

    /** 200 threads connect at the same moment; each outcome is counted by the reason it failed, or as success. */
    private static void storm(Path socket, Map<VirtioException.Reason, AtomicLong> reasons, AtomicLong ok)
            throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < ATTEMPTS; i++) {
            threads.add(Thread.ofPlatform().name("attempt-" + i).start(() -> {
                try {
                    go.await();
                    try (VhostUserFrontend f = VhostUserFrontend.connect(socket, Duration.ofSeconds(10), 1 << 16)) {
                        ok.incrementAndGet();
                    }
                } catch (VirtioException e) {
                    reasons.computeIfAbsent(e.reason(), r -> new AtomicLong()).incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
    }

    private static double percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
