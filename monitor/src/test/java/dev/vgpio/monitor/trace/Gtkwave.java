package dev.vgpio.monitor.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * GTKWave's own VCD reader, run on a file: {@code vcd2fst -v in.vcd -f out.fst} converts it to GTKWave's FST, then
 * {@code fst2vcd -f out.fst} writes back what GTKWave understood. vcd2fst alone proves little: it exits 0 even on a
 * file that is no VCD at all, writing an FST that nothing can open (gtkwave 3.3.118). So the check is that vcd2fst
 * exits 0 with a non-empty FST, that fst2vcd can read that FST, and that what it read is what was meant
 * ({@link #check}): a value change GTKWave does not understand it drops without a word. Both tools come with
 * Debian's gtkwave package; scripts/install-test-tools.sh installs it.
 */
final class Gtkwave {
    private static final List<Path> PLACES = List.of(Path.of("/usr/bin"), Path.of("/usr/local/bin"));

    private Gtkwave() {
    }

    /** What GTKWave reads in {@code vcd}, as a VCD of its own; fails the test if it cannot read it. */
    static Vcd read(Path vcd) throws IOException, InterruptedException {
        Path fst = vcd.resolveSibling(vcd.getFileName() + ".fst");
        Files.deleteIfExists(fst);
        Run convert = run(tool("vcd2fst"), "-v", vcd.toString(), "-f", fst.toString());
        assertThat(convert.status()).as("vcd2fst on %s: %s", vcd, convert.errors()).isZero();
        assertThat(fst).as("the FST vcd2fst made of %s", vcd).exists();
        assertThat(Files.size(fst)).as("the FST vcd2fst made of %s", vcd).isPositive();
        Run back = run(tool("fst2vcd"), "-f", fst.toString());
        assertThat(back.status()).as("fst2vcd on the FST vcd2fst made of %s: %s", vcd, back.errors()).isZero();
        return Vcd.parse(back.output(), true);
    }

    /**
     * Checks that GTKWave reads in {@code vcd} what {@code meant} says: the same timescale, the same signals (by
     * path, with their widths, in order) and the same waves.
     */
    static void check(Path vcd, Vcd meant) throws IOException, InterruptedException {
        Vcd read = read(vcd);
        assertThat(read.timescale()).as("the timescale GTKWave reads in %s", vcd).isEqualTo(meant.timescale());
        assertThat(read.signals()).as("the signals GTKWave reads in %s", vcd).containsExactlyEntriesOf(
                meant.signals());
        assertThat(read.waves()).as("the waves GTKWave reads in %s", vcd).isEqualTo(meant.waves());
    }

    /** The tool's path; fails the test (it does not skip it) if the tool is missing. */
    static String tool(String name) {
        for (Path dir : PLACES) {
            Path p = dir.resolve(name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return fail(name + " is missing: the trace tests check VCD files with GTKWave's vcd2fst and fst2vcd (Debian's"
                + " gtkwave package); run scripts/install-test-tools.sh (as root), or apt-get install gtkwave");
    }

    /** How a tool ended: its status, its standard output and its standard error. */
    record Run(int status, String output, String errors) {
    }

    private static Run run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("vgpio-gtkwave", ".out");
        Path err = Files.createTempFile("vgpio-gtkwave", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null")
                    .toFile())).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not end within 60 s");
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), stderr);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
