package dev.vgpio.lines.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.pick.LineSpec.HostLineName;
import dev.vgpio.lines.pick.LineSpec.HostLines;
import dev.vgpio.lines.pick.LineSpec.LoneToken;
import dev.vgpio.lines.pick.LineSpec.Simulated;
import dev.vgpio.lines.pick.LineSpecException.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class LineSpecTest {
    private static List<LineSpec.Part> parts(String text) {
        return LineSpec.parse(text).parts();
    }

    /** Asserts that {@code text} is refused for {@code reason}, with the grammar shown; returns the assert. */
    private static AbstractThrowableAssert<?, ? extends Throwable> refused(String text, Reason reason) {
        return assertThatThrownBy(() -> LineSpec.parse(text)).isInstanceOfSatisfying(LineSpecException.class,
                e -> assertThat(e.reason()).as("reason of \"%s\"", e.getMessage()).isEqualTo(reason));
    }

    @Test
    void simIsTheDemoChip() {
        assertThat(LineSpec.parse("sim")).isEqualTo(LineSpec.DEMO);
        assertThat(LineSpec.DEMO.parts()).containsExactly(Simulated.DEMO);
        assertThat(Simulated.DEMO.label()).isEqualTo("vgpio-sim");
        assertThat(Simulated.DEMO.names()).containsExactly("LED_RED", "LED_GREEN", "BUTTON_A", "BUTTON_B", "RELAY",
                "BUZZER", "DOOR_SENSOR", "RESET_N");
        assertThat(parts("sim@board")).containsExactly(new Simulated("board", LineSpec.DEMO_NAMES));
    }

    @Test
    void simCountNamesTheLinesByNumber() {
        assertThat(parts("sim:3")).containsExactly(new Simulated("vgpio-sim", List.of("line0", "line1", "line2")));
        assertThat(((Simulated) parts("sim:16@x").getFirst()).names()).hasSize(16).endsWith("line15");
        assertThat(((Simulated) parts("sim:65535").getFirst()).names()).hasSize(65535);
        assertThat(parts("sim:007")).containsExactly(new Simulated("vgpio-sim", List.of("line0", "line1", "line2",
                "line3", "line4", "line5", "line6")));
    }

    @Test
    void simNamesMayBeEmptyForUnnamedLines() {
        assertThat(parts("sim:LED,,BUTTON@board")).containsExactly(new Simulated("board", List.of("LED", "",
                "BUTTON")));
        assertThat(parts("sim:,")).containsExactly(new Simulated("vgpio-sim", List.of("", "")));
        refused("sim:", Reason.EMPTY).hasMessageContaining("no lines after 'sim:'");
        refused("sim:a@b,c@lab", Reason.SYNTAX).hasMessageContaining("only one '@'");
    }

    @Test
    void simErrorsKeepTheChipSpecMessages() {
        String grammar = "(use sim, sim:COUNT or sim:NAME,NAME,... optionally followed by @LABEL)";
        refused("sim:0", Reason.EMPTY).hasMessage("invalid chip spec 'sim:0': line count must be 1 to 65535, got 0 "
                + grammar);
        refused("sim:8@", Reason.SYNTAX).hasMessage("invalid chip spec 'sim:8@': the label after '@' is empty "
                + grammar);
        refused("sim:99999999999", Reason.TOO_MANY_LINES).hasMessageContaining("line count 99999999999 is too large");
        refused("sim:65536", Reason.TOO_MANY_LINES).hasMessageContaining("line count must be 1 to 65535, got 65536");
        refused("sim@a@b", Reason.SYNTAX).hasMessageContaining("'sim@a@b'").hasMessageContaining(grammar);
        refused("gpiochip0 0 sim:LED,BUTTON,LED", Reason.DUPLICATE_NAME)
                .hasMessage("invalid chip spec 'sim:LED,BUTTON,LED': duplicate line name \"LED\" on lines 0 and 2");
        refused("sim:caf\u00e9", Reason.INVALID_NAME).hasMessageContaining("is not 7-bit ASCII");
        for (String typo : List.of("sim:-3", "sim:3x", "sim:+2", "sim:1.5")) {
            refused(typo, Reason.SYNTAX).hasMessageContaining("is not a line count")
                    .hasMessageContaining("a chip of one named line is sim:NAME");
        }
    }

    @Test
    void aLoneSimNameIsAChipOfOneLine() {
        assertThat(parts("sim:abc")).containsExactly(new Simulated("vgpio-sim", List.of("abc")));
        assertThat(parts("sim:3,x")).as("a name that starts with a digit, in a list")
                .containsExactly(new Simulated("vgpio-sim", List.of("3", "x")));
    }

    @Test
    void aChipFollowedByOffsetsPicksThoseLinesAsTheKernelsAggregatorDoes() {
        assertThat(parts("gpiochip0 3,5-7 gpiochip1 2")).containsExactly(
                new HostLines("gpiochip0", List.of(3, 5, 6, 7)), new HostLines("gpiochip1", List.of(2)));
        assertThat(parts("/dev/gpiochip2 7,0-1,4-4,007")).as("a bitmap list: ascending, each offset once")
                .containsExactly(new HostLines("/dev/gpiochip2", List.of(0, 1, 4, 7)));
        assertThat(parts("bank 0-3,2")).containsExactly(new HostLines("bank", List.of(0, 1, 2, 3)));
        assertThat(parts("gpiochip0 0-65534").getFirst().minLines()).isEqualTo(65535);
    }

    @Test
    void aTokenWithoutOffsetsIsALoneToken() {
        assertThat(parts("gpiochip1")).containsExactly(new LoneToken("gpiochip1"));
        assertThat(parts("sim-bank-a 0-3 LED_NAME")).containsExactly(new HostLines("sim-bank-a", List.of(0, 1, 2, 3)),
                new LoneToken("LED_NAME"));
        assertThat(parts("3v3_EN simulator 1")).containsExactly(new LoneToken("3v3_EN"),
                new HostLines("simulator", List.of(1)));
    }

    @Test
    void simulatedAndHostPartsMix() {
        LineSpec spec = LineSpec.parse("  sim:LED,BUTTON\tgpiochip0 3\n RESET_N sim@second ");
        assertThat(spec.parts()).containsExactly(new Simulated("vgpio-sim", List.of("LED", "BUTTON")),
                new HostLines("gpiochip0", List.of(3)), new LoneToken("RESET_N"),
                new Simulated("second", LineSpec.DEMO_NAMES));
        assertThat(spec.needsHost()).isTrue();
        assertThat(LineSpec.parse("sim sim:2").needsHost()).isFalse();
    }

    @Test
    void anEmptySpecIsRefusedWithTheGrammar() {
        refused("", Reason.EMPTY).hasMessageContaining("the line spec is empty").hasMessageContaining(LineSpec.GRAMMAR);
        refused(" \t\n ", Reason.EMPTY);
        assertThatThrownBy(() -> new LineSpec(List.of())).isInstanceOfSatisfying(LineSpecException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY));
    }

    @Test
    void offsetsMustFollowAHostChip() {
        refused("3", Reason.SYNTAX).hasMessageContaining("offsets '3' follow no host chip")
                .hasMessageContaining(LineSpec.GRAMMAR);
        refused("gpiochip0 3 5", Reason.SYNTAX).hasMessageContaining("offsets '5' follow no host chip")
                .hasMessageContaining("gpiochip0 3,5-7");
        refused("sim:4 0-1", Reason.SYNTAX).hasMessageContaining("offsets '0-1' follow the simulated chip 'sim:4'");
    }

    @Test
    void malformedOffsetsAreSyntaxErrorsNamingTheToken() {
        for (String bad : List.of("3,,5", "3-", "-3", "1-2-3", ",", "3,", "--")) {
            refused("gpiochip0 " + bad, Reason.SYNTAX).hasMessageContaining("offsets '" + bad + "' of 'gpiochip0'")
                    .hasMessageContaining(LineSpec.GRAMMAR);
        }
    }

    @Test
    void aBackwardsRangeIsRefusedWithTheRightOne() {
        refused("gpiochip0 1,7-5", Reason.BACKWARDS_RANGE)
                .hasMessageContaining("offsets '1,7-5' of 'gpiochip0': the range 7-5 runs backwards (write 5-7)");
    }

    @Test
    void offsetsStopAt65534() {
        assertThat(parts("gpiochip0 65534")).containsExactly(new HostLines("gpiochip0", List.of(65534)));
        refused("gpiochip0 65535", Reason.OFFSET_TOO_LARGE).hasMessageContaining("offset 65535 is above 65534");
        refused("gpiochip0 0-99999999999999999999", Reason.OFFSET_TOO_LARGE)
                .hasMessageContaining("offset 99999999999999999999 is above 65534");
        assertThatThrownBy(() -> new HostLines("gpiochip0", List.of(65535)))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.OFFSET_TOO_LARGE));
    }

    @Test
    void aSpecOfMoreThan65535LinesIsRefused() {
        refused("gpiochip0 0-65534 gpiochip1 0", Reason.TOO_MANY_LINES)
                .hasMessageContaining("offsets '0' of 'gpiochip1' make more than 65535 lines");
        refused("sim:65535 RESET_N", Reason.TOO_MANY_LINES).hasMessageContaining("'RESET_N' makes 65536 lines");
        assertThat(parts("gpiochip0 " + String.join(",", Collections.nCopies(2, "0-65534"))).getFirst().minLines())
                .as("overlapping ranges count once").isEqualTo(65535);
        refused("gpiochip0 0-65534 gpiochip0 0-1", Reason.TOO_MANY_LINES);
        List<LineSpec.Part> many = new ArrayList<>(Collections.nCopies(65535, new LoneToken("X")));
        assertThat(new LineSpec(many).parts()).hasSize(65535);
        many.add(new HostLineName("Y"));
        assertThatThrownBy(() -> new LineSpec(many)).isInstanceOfSatisfying(LineSpecException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_LINES));
    }

    @Test
    void partsMadeDirectlyAreCheckedToo() {
        assertThatThrownBy(() -> new HostLines("gpiochip0", List.of())).hasMessageContaining("no offsets");
        assertThatThrownBy(() -> new HostLines("gpiochip0", List.of(-1))).hasMessageContaining("not within 0 to");
        assertThatThrownBy(() -> new HostLines("gpio chip", List.of(1))).hasMessageContaining("holds white space");
        assertThatThrownBy(() -> new LoneToken("")).hasMessageContaining("is empty");
        assertThatThrownBy(() -> new HostLineName("")).hasMessageContaining("host line name is empty");
        assertThatThrownBy(() -> new Simulated(null, List.of("A"))).hasMessageContaining("needs a label");
        assertThatThrownBy(() -> new Simulated("x", List.of())).hasMessageContaining("at least one line");
        assertThat(new Simulated("x", java.util.Arrays.asList("A", null)).names()).containsExactly("A", "");
        assertThat(new HostLineName("LED 1").minLines()).isEqualTo(1);
    }

    @Test
    void longTokensAreCutInMessages() {
        String longName = "x".repeat(500);
        refused(longName + " 3-1", Reason.BACKWARDS_RANGE).hasMessageContaining("x".repeat(80) + "...")
                .message().hasSizeLessThan(700);
    }
}
