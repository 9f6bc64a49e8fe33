package dev.vgpio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.device.GpioController;
import dev.vgpio.device.VirtioGpioDevice;
import dev.vgpio.lines.SimulatedChip;
import dev.vgpio.vhostuser.VhostUserServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;

    /** Runs {@code vgpio bench ARGS --socket S} against a vgpio back end of {@code lines} lines; its stdout. */
    private String bench(int lines, String... args) throws Exception {
        Path socket = dir.resolve("gpio.sock");
        try (VhostUserServer server = new VhostUserServer(socket,
                new VirtioGpioDevice(new GpioController(SimulatedChip.withLines("sim", lines, "L"))), "b").start()) {
            CliRun cli = new CliRun();
            String[] all = java.util.Arrays.copyOf(args, args.length + 3);
            all[args.length] = "--socket";
            all[args.length + 1] = socket.toString();
            all[args.length + 2] = "--warmup=0.1";
            assertThat(cli.execute(all)).isZero();
            return cli.out.toString();
        }
    }

    @Test
    void jsonHasTheFiguresTheIssueAsksForWithTheFloorAndRatios() throws Exception {
        JsonNode j = new ObjectMapper().readTree(bench(8, "bench", "--duration", "0.3", "--json"));
        assertThat(j.at("/sync/p50_ns").asLong()).isPositive();
        assertThat(j.at("/sync/p99_ns").asLong()).isGreaterThanOrEqualTo(j.at("/sync/p50_ns").asLong());
        assertThat(j.at("/sync/ops_per_s").asLong()).isPositive();
        assertThat(j.at("/batch/ops_per_s").asLong()).isPositive();
        assertThat(j.at("/floor/sync/p50_ns").asLong()).isPositive();
        assertThat(j.at("/ratio/sync_p50").asDouble()).isPositive();
        assertThat(j.at("/ratio/batch_ops_per_s").asDouble()).isPositive();
    }

    @Test
    void tableWithoutFloor() throws Exception {
        assertThat(bench(4, "bench", "-d", "0.2", "--no-floor")).contains("1 in flight, p50")
                .contains("128 in flight, requests/s");
    }

    @Test
    void roundsReportMediansAndEachRound() throws Exception {
        JsonNode j = new ObjectMapper().readTree(bench(8, "bench", "-d", "0.2", "--rounds", "3", "--json"));
        assertThat(j.at("/rounds").asInt()).isEqualTo(3);
        JsonNode each = j.at("/each_round");
        assertThat(each.size()).isEqualTo(3);
        long[] p50 = new long[3];
        for (int i = 0; i < 3; i++) {
            p50[i] = each.get(i).at("/sync_p50_ns").asLong();
            assertThat(each.get(i).at("/floor_batch_ops_per_s").asLong()).isPositive();
        }
        java.util.Arrays.sort(p50);
        assertThat(j.at("/sync/p50_ns").asLong()).isEqualTo(p50[1]);
    }

    @Test
    void roundsOutOfRangeAreRefused() {
        CliRun cli = new CliRun();
        assertThat(cli.execute("bench", "-c", dir.resolve("none.sock").toString(), "--rounds", "0")).isNotZero();
        assertThat(cli.err.toString()).contains("--rounds must be between 1 and 100");
    }

    @Test
    void aMissingBackEndGetsTheToolsHint() {
        CliRun cli = new CliRun();
        Path none = dir.resolve("none.sock");
        assertThat(cli.execute("bench", "-c", none.toString(), "--no-floor", "--duration", "1")).isEqualTo(1);
        assertThat(cli.err.toString()).startsWith("vgpio bench: ").contains("(is `vgpio serve` running on " + none
                + "?)");
    }
}
