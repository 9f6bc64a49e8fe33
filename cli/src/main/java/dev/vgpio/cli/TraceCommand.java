package dev.vgpio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code vgpio trace start|stop|export}: record what a test bench's devices do, and fetch it as VCD or JSON lines. */
@Command(name = "trace", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Record the activity of a test bench's devices, and export it as a waveform (VCD) or JSON lines.",
            "Talks to 'vgpio serve --http'. 'start' begins a recording in the daemon (every line change and every"
                + " guest request), 'stop' ends it, 'export' fetches the running or last one. To record from"
                + " start-up to a file instead, give 'vgpio serve --trace FILE'. docs/traces.md describes both"
                + " formats; GTKWave opens the VCD."},
        subcommands = {TraceCommand.Start.class, TraceCommand.Stop.class, TraceCommand.Export.class},
        footer = {"", "Examples:", "  vgpio trace start", "  vgpio trace stop",
            "  vgpio trace export -o run.vcd && gtkwave run.vcd", "  vgpio trace export --format jsonl | jq ."})
final class TraceCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    BenchUrl bench;

    /** Sends {@code request}; prints the error of a refusal and returns null. */
    HttpResponse<byte[]> send(CommandSpec sub, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r;
        try {
            r = BenchUrl.client().send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException e) {
            fail(sub, bench.unreachable(e));
            return null;
        }
        if (r.statusCode() >= 400) {
            fail(sub, BenchUrl.errorOf(r.body(), "HTTP " + r.statusCode()));
            return null;
        }
        return r;
    }

    static int fail(CommandSpec sub, String message) {
        sub.commandLine().getErr().println(sub.qualifiedName(" ") + ": " + message);
        sub.commandLine().getErr().flush();
        return 1;
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start recording every line change and guest request in the daemon.")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        TraceCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<byte[]> r = parent.send(spec, parent.bench.request("api/trace")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build());
            if (r == null) {
                return 1;
            }
            spec.commandLine().getOut().println("recording; stop with 'vgpio trace stop', then 'vgpio trace export'");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop the recording (it stays in the daemon for 'export').")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        TraceCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            HttpResponse<byte[]> r = parent.send(spec, parent.bench.request("api/trace").DELETE().build());
            if (r == null) {
                return 1;
            }
            JsonNode n = JSON.readTree(r.body());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("stopped: %d events recorded%s%n", n.path("activities").asLong(), n.path("lost").asLong() > 0
                    ? ", " + n.path("lost").asLong() + " lost (the recording was full)" : "");
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Fetch the running or last recording, to a file or to standard output.")
    static final class Export implements Callable<Integer> {
        @ParentCommand
        TraceCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                description = "Write it to FILE (its format from its name, .vcd or .jsonl, unless --format).")
        Path output;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
                description = "vcd (a waveform, the default) or jsonl (one JSON object per event).")
        String format;

        @Override
        public Integer call() throws Exception {
            String f = format;
            if (f == null) {
                String name = output == null ? "" : output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                f = name.endsWith(".jsonl") ? "jsonl" : "vcd";
            }
            if (!f.equals("vcd") && !f.equals("jsonl")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--format " + f
                        + ": give vcd or jsonl");
            }
            HttpResponse<byte[]> r = parent.send(spec, parent.bench.request("api/trace?format=" + f).GET().build());
            if (r == null) {
                return 1;
            }
            if (output == null) {
                spec.commandLine().getOut().print(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
                spec.commandLine().getOut().flush();
            } else {
                Path tmp = Files.createTempFile(output.toAbsolutePath().getParent(), ".vgpio-trace", ".part");
                try {
                    Files.write(tmp, r.body());
                    Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp); // gone after the move; left by nothing that failed
                }
                spec.commandLine().getErr().printf("wrote %s (%d bytes)%n", output, r.body().length);
                spec.commandLine().getErr().flush();
            }
            return 0;
        }
    }
}
