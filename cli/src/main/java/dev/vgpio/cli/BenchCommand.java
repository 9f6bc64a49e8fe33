package dev.vgpio.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vgpio.bench.EndToEnd;
import dev.vgpio.bench.Floor;
import dev.vgpio.bench.FloorResult;
import dev.vgpio.virtio.VirtioException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vgpio bench}: latency and throughput of a vhost-user-gpio back end, next to a C floor measured alongside. */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Measure the latency and throughput of a vhost-user-gpio back end.",
            "Any back end (vgpio's or another) is measured from vgpio's front end: the round trip of a request"
                + " with one in flight (median, p99, p99.9) and throughput with many in flight across the lines;"
                + " then the same two figures for a floor, two C processes sharing a 256-entry split ring with"
                + " eventfds, and the ratios. Run the back end on an idle machine: both sides share its CPUs."},
        footer = {"", "Example:", "  ./vgpio serve &  ./vgpio bench --duration 5 --json"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ChipOption socket;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "5",
            description = "Measured time per phase (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = {"-w", "--warmup"}, paramLabel = "SECONDS", defaultValue = "2",
            description = "Warm-up before each phase (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--in-flight", paramLabel = "N", defaultValue = "128",
            description = "Requests in flight for the throughput phase (default ${DEFAULT-VALUE}, at most 128).")
    int inFlight;

    @Option(names = "--no-floor", description = "Skip the C floor (it needs gcc).")
    boolean noFloor;

    @Option(names = "--floor-cpus", paramLabel = "D,V", defaultValue = "any",
            description = "CPUs for the floor's driver and device processes: 'any' (the scheduler decides, as for"
                    + " vgpio), or two CPU numbers such as 0,0 or 0,1 (default ${DEFAULT-VALUE}).")
    String floorCpus;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
            description = "Measure N times, the back end and the floor in turn, and report each figure's median"
                + " (default ${DEFAULT-VALUE}). On a shared or virtual machine single runs vary by tens of percent;"
                + " alternating rounds lets both sides meet the same conditions.")
    int rounds;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Duration d = seconds(duration, "--duration");
        Duration w = seconds(warmup, "--warmup");
        if (rounds < 1 || rounds > 100) {
            throw new IllegalArgumentException("--rounds must be between 1 and 100, not " + rounds);
        }
        Floor.Cpus cpus = Floor.Cpus.parse(floorCpus);
        List<EndToEnd.Result> backEnd = new ArrayList<>();
        List<FloorResult> floor = new ArrayList<>();
        PrintWriter err = spec.commandLine().getErr();
        for (int i = 0; i < rounds; i++) {
            try {
                Path device = socket.path();
                if (ChannelOptions.isAddress(device.toString())) {
                    try (var t = dev.vgpio.channel.ChannelTransport.connect(
                            ChannelOptions.connectable(device.toString()), ToolCommand.channelToken(),
                            Duration.ofSeconds(2), 4 << 20)) {
                        backEnd.add(EndToEnd.run(t, w, d, inFlight));
                    }
                } else {
                    backEnd.add(EndToEnd.run(device, w, d, inFlight));
                }
            } catch (VirtioException e) {
                throw ToolCommand.explained(e, socket.path());
            }
            if (!noFloor) {
                floor.add(Floor.run(d, w, cpus));
            }
            if (rounds > 1) {
                err.printf("round %d/%d done%n", i + 1, rounds);
                err.flush();
            }
        }
        EndToEnd.Result r = EndToEnd.Result.median(backEnd);
        FloorResult f = noFloor ? null : FloorResult.median(floor);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(r, f, backEnd, floor));
        } else {
            table(out, r, f);
        }
        out.flush();
        return 0;
    }

    private static Duration seconds(double s, String option) {
        if (!(s > 0) || s > 3600) {
            throw new IllegalArgumentException(option + " must be between 0 and 3600 seconds, not " + s);
        }
        return Duration.ofNanos((long) (s * 1e9));
    }

    String toJson(EndToEnd.Result r, FloorResult f, List<EndToEnd.Result> backEnd, List<FloorResult> floorRuns) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("socket", socket.path().toString());
        root.put("lines", r.lines());
        root.put("rounds", rounds);
        ObjectNode sync = root.putObject("sync");
        sync.put("p50_ns", r.syncP50Ns());
        sync.put("p99_ns", r.syncP99Ns());
        sync.put("p999_ns", r.syncP999Ns());
        sync.put("ops_per_s", Math.round(r.syncOpsPerS()));
        sync.put("samples", r.syncSamples());
        ObjectNode batch = root.putObject("batch");
        batch.put("ops_per_s", Math.round(r.batchOpsPerS()));
        batch.put("in_flight", r.batchInFlight());
        if (f != null) {
            ObjectNode floor = root.putObject("floor");
            floor.put("cpus", floorCpus);
            floor.putObject("sync").put("p50_ns", f.syncP50Ns()).put("p99_ns", f.syncP99Ns())
                    .put("p999_ns", f.syncP999Ns()).put("ops_per_s", Math.round(f.syncOpsPerS()));
            floor.putObject("batch").put("ops_per_s", Math.round(f.batchOpsPerS())).put("in_flight", f.batchInFlight());
            ObjectNode ratio = root.putObject("ratio");
            ratio.put("sync_p50", round((double) r.syncP50Ns() / f.syncP50Ns()));
            ratio.put("sync_p99", round((double) r.syncP99Ns() / f.syncP99Ns()));
            ratio.put("batch_ops_per_s", round(r.batchOpsPerS() / f.batchOpsPerS()));
        }
        if (rounds > 1) { // the figures above are medians; each round's own figures follow
            var each = root.putArray("each_round");
            for (int i = 0; i < backEnd.size(); i++) {
                ObjectNode round = each.addObject();
                EndToEnd.Result b = backEnd.get(i);
                round.put("sync_p50_ns", b.syncP50Ns()).put("sync_p99_ns", b.syncP99Ns())
                        .put("batch_ops_per_s", Math.round(b.batchOpsPerS()));
                if (i < floorRuns.size()) {
                    FloorResult fr = floorRuns.get(i);
                    round.put("floor_sync_p50_ns", fr.syncP50Ns()).put("floor_sync_p99_ns", fr.syncP99Ns())
                            .put("floor_batch_ops_per_s", Math.round(fr.batchOpsPerS()));
                }
            }
        }
        return root.toString();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private void table(PrintWriter out, EndToEnd.Result r, FloorResult f) {
        out.printf("vgpio bench: %s (%d lines), %.1f s per phase after %.1f s warm-up%s%n", socket.path(), r.lines(),
                duration,
                warmup, rounds > 1 ? ", medians of " + rounds + " rounds" : "");
        out.printf("%-26s %14s %14s %8s%n", "", "back end", f == null ? "" : "C floor", f == null ? "" : "ratio");
        row(out, "1 in flight, p50", us(r.syncP50Ns()), f == null ? null : us(f.syncP50Ns()),
                f == null ? 0 : (double) r.syncP50Ns() / f.syncP50Ns());
        row(out, "1 in flight, p99", us(r.syncP99Ns()), f == null ? null : us(f.syncP99Ns()),
                f == null ? 0 : (double) r.syncP99Ns() / f.syncP99Ns());
        row(out, "1 in flight, p99.9", us(r.syncP999Ns()), f == null ? null : us(f.syncP999Ns()),
                f == null ? 0 : (double) r.syncP999Ns() / f.syncP999Ns());
        row(out, "1 in flight, requests/s", ops(r.syncOpsPerS()), f == null ? null : ops(f.syncOpsPerS()),
                f == null ? 0 : r.syncOpsPerS() / f.syncOpsPerS());
        row(out, r.batchInFlight() + " in flight, requests/s", ops(r.batchOpsPerS()),
                f == null ? null : ops(f.batchOpsPerS()), f == null ? 0 : r.batchOpsPerS() / f.batchOpsPerS());
        if (f != null) {
            out.printf("floor: 2 C processes, 256-entry split ring, eventfds, CPUs %s%n", floorCpus);
        }
    }

    private static void row(PrintWriter out, String what, String value, String floor, double ratio) {
        out.printf("%-26s %14s %14s %8s%n", what, value, floor == null ? "" : floor,
                floor == null ? "" : String.format("%.2fx", ratio));
    }

    private static String us(long ns) {
        return String.format("%.1f us", ns / 1000.0);
    }

    private static String ops(double perSecond) {
        return perSecond >= 1e6 ? String.format("%.2f M", perSecond / 1e6) : String.format("%.0f k", perSecond / 1e3);
    }
}
