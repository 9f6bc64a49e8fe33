package dev.vgpio.bench;

/**
 * What the C floor measured (see {@link Floor}).
 *
 * @param syncP50Ns    median round trip with one request in flight, in nanoseconds
 * @param syncP99Ns    99th percentile of that round trip
 * @param syncP999Ns   99.9th percentile of that round trip
 * @param syncOpsPerS  requests per second with one request in flight
 * @param batchOpsPerS requests per second with {@code batchInFlight} requests in flight
 * @param batchInFlight requests kept in flight in the batch measurement (128: two descriptors each, 256 in all)
 */
public record FloorResult(long syncP50Ns, long syncP99Ns, long syncP999Ns, double syncOpsPerS, double batchOpsPerS,
        int batchInFlight) {
    /** Each figure's median over several runs of the floor. */
    public static FloorResult median(java.util.List<FloorResult> runs) {
        return new FloorResult(Medians.ofLong(runs, FloorResult::syncP50Ns), Medians.ofLong(runs, FloorResult::syncP99Ns),
                Medians.ofLong(runs, FloorResult::syncP999Ns), Medians.of(runs, FloorResult::syncOpsPerS),
                Medians.of(runs, FloorResult::batchOpsPerS), runs.getFirst().batchInFlight());
    }
}
