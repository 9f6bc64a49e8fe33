package dev.vgpio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FloorTest {
    @Test
    void parsesTheFloorsJson() {
        FloorResult r = Floor.parse("{\"sync\":{\"p50_ns\":9876,\"p99_ns\":20000,\"p999_ns\":45000,"
                + "\"ops_per_s\":98000},\"batch\":{\"ops_per_s\":11000000,\"in_flight\":128},\"queue_size\":256,"
                + "\"notification\":\"event_idx\",\"cpus\":\"any\"}");
        assertThat(r).isEqualTo(new FloorResult(9876, 20000, 45000, 98000, 11_000_000, 128));
        assertThat(Floor.table(r, Floor.Cpus.ANY)).contains("9.9 us", "11.00 M", "128 in flight");
    }

    @Test
    void refusesOutputWithoutTheFigures() {
        assertThatThrownBy(() -> Floor.parse("{\"sync\":{\"p50_ns\":1}}"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("p99_ns");
        assertThatThrownBy(() -> Floor.parse("floor: oops"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not JSON");
    }

    @Test
    void theSourceTravelsOnTheClasspathAndNamesItsCacheByHash() {
        byte[] source = Floor.source();
        assertThat(new String(source, java.nio.charset.StandardCharsets.UTF_8)).contains("int main(");
        assertThat(Floor.cacheDir(source).getFileName().toString()).matches("floor-[0-9a-f]{64}");
        assertThat(Floor.cacheDir(source).getParent()).endsWith(java.nio.file.Path.of(".cache", "vgpio", "bench"));
    }

    @Test
    void formatsDurationsAsSeconds() {
        assertThat(Floor.seconds(Duration.ofMillis(250))).isEqualTo("0.25");
        assertThat(Floor.seconds(Duration.ofSeconds(5))).isEqualTo("5");
        assertThat(Floor.Cpus.parse("0,1")).isEqualTo(new Floor.Cpus(0, 1));
        assertThat(Floor.Cpus.parse("any")).isEqualTo(Floor.Cpus.ANY);
        assertThatThrownBy(() -> Floor.Cpus.parse("0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runsTheFloorBriefly() throws Exception {
        assumeTrue(hasGcc(), "gcc is not installed");
        FloorResult r = Floor.run(Duration.ofMillis(300), Duration.ofMillis(100), Floor.Cpus.ANY);
        assertThat(r.batchInFlight()).isEqualTo(128);
        assertThat(r.syncP50Ns()).isPositive().isLessThanOrEqualTo(r.syncP99Ns());
        assertThat(r.syncP99Ns()).isLessThanOrEqualTo(r.syncP999Ns());
        assertThat(r.syncOpsPerS()).isPositive();
        assertThat(r.batchOpsPerS()).isGreaterThan(r.syncOpsPerS());
    }

    private static boolean hasGcc() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
