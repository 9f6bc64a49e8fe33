package dev.vgpio.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device's request path through real split rings in guest memory, in one thread (see {@link RequestPath}):
 * each invocation builds the chains on the driver side, lets {@code VirtioGpioDevice.queueNotified(REQUESTQ)} serve
 * them and collects the used elements. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated
 * per request, driver and device together, and should be about 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class RequestPathBenchmark {
    /** {@code chip}: the simulated chip itself; {@code picked}: its lines through {@link dev.vgpio.lines.PickedLines}. */
    @Param({"chip", "picked"})
    public String lines;

    private RequestPath path;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        path = new RequestPath(lines.equals("picked"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            path.verify();
        } finally {
            path.close();
        }
    }

    /** One GET_VALUE round trip: submit, publish, serve, collect. */
    @Benchmark
    public int oneRequest() throws Exception {
        return path.oneRequest();
    }

    /** 128 requests (GET_VALUE, SET_VALUE, GET_DIRECTION over 8 lines) per round; the score is per request. */
    @Benchmark
    @OperationsPerInvocation(RequestPath.BATCH)
    public int batch128() throws Exception {
        return path.batch();
    }
}
