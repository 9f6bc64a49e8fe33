package dev.vgpio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.MessageType;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The device serves requests without allocating: the bytes this thread allocates inside
 * {@code VirtioGpioDevice.queueNotified(REQUESTQ)} only (the driver's side is left out of the count), over 200,000
 * requests after a warm-up. A byte per request would show as 200 KB here.
 */
class RequestPathAllocationTest {
    private static final int REQUESTS = 200_000;
    /** Bytes allowed in total over {@link #REQUESTS} requests. */
    private static final long BUDGET = 1024;
    private static final int MAX_ROUNDS = 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final RequestPath path;

    RequestPathAllocationTest() throws Exception {
        path = new RequestPath();
    }

    @AfterEach
    void close() {
        path.close();
    }

    interface Step {
        void run() throws Exception;
    }

    /**
     * The fewest bytes allocated inside {@code device} over {@code REQUESTS / perRound} rounds of submit, serve,
     * drain, over measurement rounds repeated until one stays within budget (or {@link #MAX_ROUNDS} have run): the
     * interpreter and C1-compiled code allocate where C2 code does not, and a round that a recompilation falls into
     * is outdone by a later one. A first round, not measured, warms the JIT up.
     */
    private long allocatedInside(String what, Step submit, Step device, Step drain, int perRound)
            throws Exception {
        int rounds = REQUESTS / perRound;
        for (int i = 0; i < rounds; i++) {
            submit.run();
            device.run();
            drain.run();
        }
        long fewest = Long.MAX_VALUE;
        int attempt = 0;
        for (; attempt < MAX_ROUNDS && fewest >= BUDGET; attempt++) {
            long total = 0;
            for (int i = 0; i < rounds; i++) {
                submit.run();
                long before = THREADS.getCurrentThreadAllocatedBytes();
                device.run();
                total += THREADS.getCurrentThreadAllocatedBytes() - before;
                drain.run();
            }
            fewest = Math.min(fewest, total);
        }
        System.out.printf("%s: %d bytes allocated over %d requests (fewest of %d measured rounds)%n", what, fewest,
                REQUESTS, attempt);
        return fewest;
    }

    @Test
    void measuringAllocatesNothing() throws Exception {
        long bytes = allocatedInside("the allocation counter alone", () -> { }, () -> { }, () -> { }, 1);
        assertThat(bytes).as("bytes the allocation counter itself allocates over %d reads", REQUESTS)
                .isLessThan(BUDGET);
    }

    @Test
    void servingBatchesOfMixedRequestsAllocatesNothing() throws Exception {
        long bytes = allocatedInside("queueNotified(REQUESTQ), batches of 128", path::submitBatch, path::serve,
                () -> path.drain(RequestPath.BATCH), RequestPath.BATCH);
        path.verify();
        assertThat(bytes).as("bytes allocated by queueNotified(REQUESTQ) over %d requests in batches of %d", REQUESTS,
                RequestPath.BATCH).isLessThan(BUDGET);
    }

    @Test
    void servingOneRequestAtATimeAllocatesNothing() throws Exception {
        long bytes = allocatedInside("queueNotified(REQUESTQ), one request at a time", path::submitOne, path::serve,
                () -> path.drain(1), 1);
        path.verify();
        assertThat(bytes).as("bytes allocated by queueNotified(REQUESTQ) over %d single requests", REQUESTS)
                .isLessThan(BUDGET);
    }

    @Test
    void servingThroughPickedLinesAllocatesNothing() throws Exception {
        try (RequestPath picked = new RequestPath(true)) {
            long bytes = allocatedInside("queueNotified(REQUESTQ) through PickedLines, batches of 128",
                    picked::submitBatch, picked::serve, () -> picked.drain(RequestPath.BATCH), RequestPath.BATCH);
            picked.verify();
            assertThat(bytes).as("bytes allocated through PickedLines over %d requests", REQUESTS)
                    .isLessThan(BUDGET);
        }
    }

    @Test
    void servingWhileWatchersRecordTheActivityAllocatesNothing() throws Exception {
        dev.vgpio.device.ActivityRing ring = new dev.vgpio.device.ActivityRing(1 << 12);
        path.device().controller().setActivity(ring);
        long[] seen = new long[1];
        dev.vgpio.device.ActivityRing.Reader count = r -> seen[0] += r.kind();
        long bytes = allocatedInside("queueNotified(REQUESTQ) recording each request, batches of 128",
                path::submitBatch, path::serve, () -> {
                    path.drain(RequestPath.BATCH);
                    ring.drain(count, Integer.MAX_VALUE); // the watcher's side, not counted
                }, RequestPath.BATCH);
        path.verify();
        assertThat(seen[0]).as("records were read").isPositive();
        assertThat(ring.dropped()).isZero();
        assertThat(bytes).as("bytes allocated recording %d requests", REQUESTS).isLessThan(BUDGET);
    }

    @Test
    void theBenchmarkedRequestsAreAnsweredRight() throws Exception {
        path.chip().drive(5, 1);
        assertThat(path.oneRequest()).isEqualTo(2);
        assertThat(path.response(-1)).containsExactly(0, 1);
        assertThat(path.batch()).isEqualTo(2 * RequestPath.BATCH);
        for (int i = 0; i < RequestPath.BATCH; i++) {
            int line = i % RequestPath.LINES;
            boolean output = line < RequestPath.LINES / 2;
            int[] answer = path.response(i);
            assertThat(answer[0]).as("status of request %d", i).isZero();
            if (RequestPath.batchType(i) == MessageType.GET_DIRECTION) {
                assertThat(answer[1]).as("direction of line %d", line)
                        .isEqualTo((output ? Direction.OUT : Direction.IN).code());
            } else if (RequestPath.batchType(i) == MessageType.SET_VALUE) {
                assertThat(answer[1]).isZero();
            }
        }
        path.verify();
        assertThat(path.device().requestsServed()).isEqualTo(1 + RequestPath.BATCH);
    }
}
