package dev.vgpio.monitor.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.control.LineStatus;
import dev.vgpio.monitor.Activity;
import dev.vgpio.monitor.LineView;
import dev.vgpio.protocol.Direction;
import dev.vgpio.protocol.IrqType;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VCD writer on made-up snapshots and changes, checked by the tests' reader and by GTKWave's. */
class VcdWriterTest {
    private static final long T0 = 1_000_000_000L;

    @TempDir
    Path dir;

    private static LineView line(int offset, String name, Direction dir, int level) {
        return new LineView(offset, name, true, dir, level, dir == Direction.OUT ? LineStatus.Driver.GUEST
                : LineStatus.Driver.NOBODY, IrqType.NONE, true, false, 0, 0, 0, 0);
    }

    private static List<LineView> lines(String... names) {
        List<LineView> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(line(i, names[i], Direction.NONE, 0));
        }
        return out;
    }

    @Test
    void everyLineGetsAnIdentifierOfItsOwnInItsScope() {
        assertThat(VcdNames.signals(lines("", "LED", "BUTTON A", "3V3", "LED", "wire", "LED_dir", "h\u00e9llo",
                "a.b[0]", "line0", "input", "INPUT", "_x$y", "LED_4")))
                .containsExactly("line0", "LED", "BUTTON_A", "_3V3", "LED_4", "wire_", "LED_dir_6", "h_llo",
                        "a_b_0_", "line0_9", "input_", "INPUT", "_x_y", "LED_4_13");
        assertThat(VcdNames.identifier("x".repeat(2000), "")).hasSize(VcdNames.MAX_LENGTH);
        assertThat(VcdNames.scopes(List.of("gpio0", "gpio-1", "gpio_1", ""))).containsExactly("gpio0", "gpio_1",
                "gpio_1_2", "device3");
        assertThat(List.of(VcdNames.code(0), VcdNames.code(1), VcdNames.code(2), VcdNames.code(3), VcdNames.code(92),
                VcdNames.code(93), VcdNames.code(94), VcdNames.code(93 + 93 * 93)))
                .containsExactly("!", "\"", "#", "%", "~", "!!", "!\"", "!!!");
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            codes.add(VcdNames.code(i));
        }
        assertThat(codes).doesNotHaveDuplicates()
                .allMatch(c -> c.chars().allMatch(ch -> ch >= '!' && ch <= '~' && ch != '$'));
    }

    @Test
    void changesGoOutInTimeOrderWithOneTimeForChangesAtOneTime() throws Exception {
        Snapshot start = new Snapshot(Instant.parse("2025-01-02T03:04:05.678Z"), T0, List.of(
                new Snapshot.Device("gpio0", "board", List.of(line(0, "LED", Direction.OUT, 1),
                        line(1, "", Direction.IN, 0), line(2, "LED", Direction.NONE, 1))),
                new Snapshot.Device("gpio1", "", lines("wire", "a b"))));
        StringWriter out = new StringWriter();
        VcdWriter w = new VcdWriter(out, start);
        String header = out.toString();
        assertThat(header).startsWith("$date\n\t2025-01-02T03:04:05.678Z\n$end\n$version\n\tvgpio")
                .contains("$timescale 1 ns $end\n$scope module gpio0 $end\n")
                .contains("$var wire 1 ! LED $end\n$var wire 2 \" LED_dir $end\n")
                .contains("$comment line 1, which has no name, is line1 $end\n")
                .contains("$comment line 2 \"LED\" is LED_2 $end\n")
                .endsWith("$enddefinitions $end\n#0\n$dumpvars\n1!\nb01 \"\n0#\nb10 %\n1&\nb00 '\n0(\nb00 )\n0*\n"
                        + "b00 +\n$end\n");
        // one batch: gpio1 drained after gpio0, though its change came first; a change stamped before the start
        w.accept(new Activity.LineChanged(T0 + 500, "gpio0", line(0, "LED", Direction.OUT, 0)));
        w.accept(new Activity.LineChanged(T0 + 500, "gpio0", line(1, "", Direction.OUT, 0)));
        w.accept(new Activity.Request(T0 + 600, "gpio0", 0, "LED", 5, 1, true, 0, null));
        w.accept(new Activity.LineChanged(T0 + 600, "gpio0", line(0, "LED", Direction.OUT, 1)));
        w.accept(new Activity.LineChanged(T0 - 5, "gpio1", line(0, "wire", Direction.IN, 1)));
        w.accept(new Activity.LineChanged(T0 + 200, "gpio1", line(1, "a b", Direction.OUT, 0)));
        w.accept(new Activity.LineChanged(T0 + 700, "gpio9", line(0, "x", Direction.OUT, 1)));
        assertThat(out.toString()).as("nothing before the batch ends").isEqualTo(header);
        w.endOfBatch();
        String batch = out.toString().substring(header.length());
        assertThat(batch).isEqualTo("1(\nb10 )\n#200\nb01 +\n#500\n0!\nb01 %\n#600\n1!\n");
        // the next batch: a change stamped before what is written goes at the time written; a loss is a comment
        w.accept(new Activity.LineChanged(T0 + 100, "gpio1", line(1, "a b", Direction.NONE, 1)));
        w.accept(new Activity.Dropped(T0 + 900, "gpio1", 3));
        w.endOfBatch();
        assertThat(out.toString().substring(header.length() + batch.length())).isEqualTo("1*\nb00 +\n#900\n"
                + "$comment gpio1 lost 3 records of activity (the monitor fell behind): changes about then may be"
                + " missing $end\n");
        w.finish(T0 + 2000);
        assertThat(out.toString()).endsWith("#2000\n");

        Vcd vcd = Vcd.parse(out.toString());
        assertThat(vcd.timescale()).isEqualTo("1ns");
        assertThat(vcd.signals()).containsExactly(Map.entry("gpio0.LED", 1), Map.entry("gpio0.LED_dir", 2),
                Map.entry("gpio0.line1", 1), Map.entry("gpio0.line1_dir", 2), Map.entry("gpio0.LED_2", 1),
                Map.entry("gpio0.LED_2_dir", 2), Map.entry("gpio1.wire_", 1), Map.entry("gpio1.wire__dir", 2),
                Map.entry("gpio1.a_b", 1), Map.entry("gpio1.a_b_dir", 2));
        assertThat(vcd.waves().get("gpio0.LED")).containsExactly(new Vcd.Change(0, "gpio0.LED", "1"),
                new Vcd.Change(500, "gpio0.LED", "0"), new Vcd.Change(600, "gpio0.LED", "1"));
        assertThat(vcd.waves().get("gpio1.a_b")).containsExactly(new Vcd.Change(0, "gpio1.a_b", "0"),
                new Vcd.Change(600, "gpio1.a_b", "1"));
        Path file = dir.resolve("made.vcd");
        Files.writeString(file, out.toString());
        Gtkwave.check(file, vcd);
        assertThat(Gtkwave.read(file).end()).isEqualTo(2000);
    }

    @Test
    void aFilteredPulseIsACommentBesideThePulseTheHostDrove() throws Exception {
        Snapshot start = new Snapshot(Instant.parse("2025-01-02T03:04:05Z"), T0, List.of(
                new Snapshot.Device("gpio0", "board", List.of(line(0, "BUTTON", Direction.IN, 0)))));
        StringWriter out = new StringWriter();
        VcdWriter w = new VcdWriter(out, start);
        int header = out.toString().length();
        w.accept(new Activity.LineChanged(T0 + 100, "gpio0", line(0, "BUTTON", Direction.IN, 1)));
        w.accept(new Activity.LineChanged(T0 + 900, "gpio0", line(0, "BUTTON", Direction.IN, 0)));
        w.accept(new Activity.Filtered(T0 + 900, "gpio0", 0, "BUTTON", 1, 0));
        w.endOfBatch();
        assertThat(out.toString().substring(header)).isEqualTo("#100\n1!\n#900\n0!\n$comment gpio0 line 0 BUTTON: a 0"
                + " us pulse to 1 was filtered by the line's debounce period (the guest did not see it) $end\n");
        w.finish(T0 + 1000);
        Path file = dir.resolve("filtered.vcd");
        Files.writeString(file, out.toString());
        Gtkwave.check(file, Vcd.parse(out.toString()));
    }

    @Test
    void aDeviceWhoseLinesBecomeUnknownShowsX() throws Exception {
        Snapshot start = new Snapshot(Instant.now(), T0, List.of(new Snapshot.Device("gpio0", "", lines("A", "B"))));
        StringWriter out = new StringWriter();
        VcdWriter w = new VcdWriter(out, start);
        w.unknown(T0 + 10, "gpio0", "the recording was full");
        w.unknown(T0 + 10, "gpio7", "no such device: nothing");
        w.finish(T0 + 20);
        Vcd vcd = Vcd.parse(out.toString());
        assertThat(vcd.comments()).contains("the recording was full");
        assertThat(Waves.values(vcd.waves(), "gpio0.A")).containsExactly("0", "x");
        assertThat(Waves.values(vcd.waves(), "gpio0.B_dir")).containsExactly("00", "xx");
        Path file = dir.resolve("unknown.vcd");
        Files.writeString(file, out.toString());
        Gtkwave.check(file, vcd);
    }

    @Test
    void commentsHoldNoKeywordsOrControlCharacters() {
        assertThat(VcdWriter.printable("a$end\tb\\c \u00e9")).isEqualTo("a\\u0024end\\u0009b\\u005cc \\u00e9");
    }

    @Test
    void aMalformedVcdFailsTheCheck() throws Exception {
        String good = "$timescale 1 ns $end\n$scope module gpio0 $end\n$var wire 1 ! LED $end\n"
                + "$var wire 2 \" LED_dir $end\n$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n0!\nb00 \"\n$end\n"
                + "#10\n1!\nb01 \"\n";
        Vcd meant = Vcd.parse(good);
        Path file = dir.resolve("check.vcd");
        Files.writeString(file, good);
        Gtkwave.check(file, meant);
        Map<String, String> bad = Map.of(
                "no VCD at all", "this is not a value change dump\n",
                "no signal", "$timescale 1 ns $end\n$enddefinitions $end\n#0\n",
                "a change of a signal no $var declares", good.replace("1!", "1#"),
                "a value that is no value", good.replace("1!", "q!"),
                "a vector's value without its signal", good.replace("b01 \"", "b01\""),
                "a header cut short", good.substring(0, good.indexOf("$var wire 2")),
                "a timescale of its own", good.replace("1 ns", "1 us"));
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Files.writeString(file, b.getValue());
            assertThatThrownBy(() -> Gtkwave.check(file, meant)).as(b.getKey()).isInstanceOf(AssertionError.class);
        }
    }
}
