package dev.vgpio.lines.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vgpio.lines.pick.HostChipDirectory.Unreadable;
import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.lines.pick.Origin.HostOrigin;
import dev.vgpio.lines.pick.Origin.SimOrigin;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class LinePickerTest {
    static final HostChipInfo PINCTRL = chip(0, "pinctrl", "LED", "BUTTON", "", "RESET_N", "", "", "", "");
    static final HostChipInfo BANK = chip(1, "sim-bank-a", "A0", "A1", "A2", "A3");
    static final HostChipInfo EXPANDER_1 = chip(2, "expander", "X0", "SHARED", "", "");
    static final HostChipInfo EXPANDER_2 = chip(3, "expander", "Y0", "SHARED");
    static final HostChipInfo NO_LINES = chip(4, "");
    static final HostChipInfo UNLABELLED = chip(6, "", "P0", "P1");
    static final Unreadable LOCKED = new Unreadable(Path.of("/dev/gpiochip5"),
            "open(/dev/gpiochip5) failed: EACCES (Permission denied)");
    static final HostChipDirectory HOST = HostChipDirectory.of(
            List.of(PINCTRL, BANK, EXPANDER_1, EXPANDER_2, NO_LINES, UNLABELLED), List.of(LOCKED));

    static HostChipInfo chip(int number, String label, String... names) {
        return new HostChipInfo("gpiochip" + number, Path.of("/dev/gpiochip" + number), label, List.of(names));
    }

    private static PickedDevice pick(String spec, String... renames) {
        return LinePicker.pick(LineSpec.parse(spec), List.of(renames), HOST);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(String spec, Reason reason,
            String... renames) {
        return assertThatThrownBy(() -> pick(spec, renames)).isInstanceOfSatisfying(LineSpecException.class,
                e -> assertThat(e.reason()).as("reason of \"%s\"", e.getMessage()).isEqualTo(reason));
    }

    private static PickedLine host(HostChipInfo chip, int offset) {
        String name = chip.lineNames().get(offset);
        return new PickedLine(new HostOrigin(chip), offset, name, name);
    }

    @Test
    void chipsAreFoundByNamePathAndLabelAndTheLinesKeepTheirOrder() {
        PickedDevice d = pick("gpiochip0 3,0 /dev/gpiochip1 2-3 sim-bank-a 0 /dev/../dev/gpiochip6 1");
        assertThat(d.lines()).as("chips in the order written, each chip's offsets ascending").containsExactly(
                host(PINCTRL, 0), host(PINCTRL, 3), host(BANK, 2), host(BANK, 3), host(BANK, 0), host(UNLABELLED, 1));
        assertThat(d.names()).containsExactly("LED", "RESET_N", "A2", "A3", "A0", "P1");
        assertThat(d.simulated()).isEmpty();
        assertThat(d.hasHostLines()).isTrue();
        assertThat(d.label()).isEqualTo("gpiochip0+gpiochip1+gpiochip6");
    }

    @Test
    void aLoneChipIsTheWholeChipUnderItsLabel() {
        for (String token : List.of("gpiochip1", "/dev/gpiochip1", "sim-bank-a")) {
            PickedDevice d = pick(token);
            assertThat(d.lines()).as(token).containsExactly(host(BANK, 0), host(BANK, 1), host(BANK, 2),
                    host(BANK, 3));
            assertThat(d.label()).isEqualTo("sim-bank-a");
        }
        assertThat(pick("gpiochip6").label()).as("a chip without a label").isEqualTo("gpiochip6");
        assertThat(pick("gpiochip1 gpiochip6").label()).isEqualTo("gpiochip1+gpiochip6");
    }

    @Test
    void aLoneTokenThatIsNoChipIsAHostLineName() {
        PickedDevice d = pick("RESET_N A1 X0");
        assertThat(d.lines()).containsExactly(host(PINCTRL, 3), host(BANK, 1), host(EXPANDER_1, 0));
        assertThat(d.label()).isEqualTo("gpiochip0+gpiochip1+gpiochip2");
        assertThat(pick("RESET_N A1 X0 P0").label()).isEqualTo("gpiochip0+gpiochip1+gpiochip2+1 more");
        assertThat(pick("A1").label()).isEqualTo("gpiochip1");
    }

    @Test
    void aChipNameWinsOverAnotherChipsLabelAndALoneTokenThatIsAlsoALineIsRefused() {
        HostChipInfo odd = chip(7, "gpiochip1", "gpiochip0");
        HostChipDirectory dir = HostChipDirectory.of(List.of(PINCTRL, BANK, odd));
        assertThat(LinePicker.pick(LineSpec.parse("gpiochip1 0"), List.of(), dir).lines())
                .containsExactly(host(BANK, 0));
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip0"), List.of(), dir))
                .as("a lone token that is a chip and a line is refused, never widened to the chip")
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.AMBIGUOUS_LINE))
                .hasMessageContaining("both a host chip (gpiochip0) and the name of a host line");
        assertThat(LinePicker.pick(LineSpec.parse("/dev/gpiochip0"), List.of(), dir).lines()).hasSize(8);
        assertThat(LinePicker.pick(new LineSpec(List.of(new LineSpec.HostLineName("gpiochip0"))), List.of(), dir)
                .lines()).as("a host line name is never a chip").containsExactly(host(odd, 0));
    }

    @Test
    void simulatedAndHostLinesMix() {
        PickedDevice d = pick("sim:LED_A,BUTTON_A gpiochip0 3 sim:2@other");
        LineSpec.Simulated first = new LineSpec.Simulated("vgpio-sim", List.of("LED_A", "BUTTON_A"));
        LineSpec.Simulated second = new LineSpec.Simulated("other", List.of("line0", "line1"));
        assertThat(d.simulated()).containsExactly(first, second);
        assertThat(d.lines()).containsExactly(new PickedLine(new SimOrigin(0), 0, "LED_A", "LED_A"),
                new PickedLine(new SimOrigin(0), 1, "BUTTON_A", "BUTTON_A"), host(PINCTRL, 3),
                new PickedLine(new SimOrigin(1), 0, "line0", "line0"),
                new PickedLine(new SimOrigin(1), 1, "line1", "line1"));
        assertThat(d.label()).isEqualTo("vgpio-sim+gpiochip0+other");
    }

    @Test
    void aSimulatedDeviceNeverAsksTheHost() {
        HostChipDirectory none = new HostChipDirectory() {
            @Override
            public List<HostChipInfo> chips() {
                throw new AssertionError("asked the host for a simulated device");
            }
        };
        PickedDevice d = LinePicker.pick(LineSpec.parse("sim:LED,,BUTTON@board"), List.of(), none);
        assertThat(d.label()).isEqualTo("board");
        assertThat(d.names()).containsExactly("LED", "", "BUTTON");
        assertThat(d.hasHostLines()).isFalse();
        assertThat(LinePicker.pick(LineSpec.DEMO, List.of(), none).label()).isEqualTo("vgpio-sim");
        assertThat(LinePicker.pick(LineSpec.parse("sim sim:2"), List.of(), none).label())
                .isEqualTo("vgpio-sim");
    }

    @Test
    void renamesGoInLineOrderAndAnEmptyOneKeepsTheName() {
        PickedDevice d = pick("gpiochip0 0-3", "LIGHT", "", "SPARE");
        assertThat(d.names()).containsExactly("LIGHT", "BUTTON", "SPARE", "RESET_N");
        assertThat(d.lines().get(0).hostName()).isEqualTo("LED");
        assertThat(pick("gpiochip0 0-1", "X").names()).containsExactly("X", "BUTTON");
        assertThat(LinePicker.pick(LineSpec.parse("gpiochip0 0"), null, HOST).names()).containsExactly("LED");
        assertThat(LinePicker.pick(LineSpec.parse("gpiochip0 0-1"), Arrays.asList(null, "B"), HOST).names())
                .containsExactly("LED", "B");
        refused("gpiochip0 0-1", Reason.TOO_MANY_NAMES, "A", "B", "C")
                .hasMessageContaining("3 names for a device of 2 lines");
    }

    @Test
    void anUnknownChipListsTheChipsThatExist() {
        refused("gpiochip9 0", Reason.UNKNOWN_CHIP).hasMessageContaining("no host chip is called 'gpiochip9'")
                .hasMessageContaining("gpiochip0 [pinctrl] (8 lines), gpiochip1 [sim-bank-a] (4 lines)")
                .hasMessageContaining("not readable, so not searched: open(/dev/gpiochip5) failed: EACCES");
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip0 0"), List.of(),
                HostChipDirectory.of(List.of()))).hasMessageContaining("there are no readable host GPIO chips");
    }

    @Test
    void aLabelOfSeveralChipsIsRefusedNamingThem() {
        refused("expander 0", Reason.AMBIGUOUS_CHIP).hasMessage("several host chips are labelled 'expander':"
                + " gpiochip2, gpiochip3; call the one you mean by its gpiochipN name");
        refused("expander", Reason.AMBIGUOUS_CHIP);
        assertThat(pick("gpiochip3 0").lines()).containsExactly(host(EXPANDER_2, 0));
    }

    @Test
    void anOffsetBeyondTheChipSaysHowManyLinesItHas() {
        refused("sim-bank-a 1,4", Reason.OFFSET_OUT_OF_RANGE).hasMessage("offset 4 of 'sim-bank-a' is beyond the"
                + " chip: gpiochip1 has 4 lines, offsets 0 to 3");
        refused("gpiochip4 0", Reason.OFFSET_OUT_OF_RANGE).hasMessageContaining("gpiochip4 has no lines");
    }

    @Test
    void aHostLineNameMustBeOnExactlyOneLine() {
        refused("NOWHERE", Reason.UNKNOWN_LINE).hasMessageContaining("no host chip and no host line is called"
                + " 'NOWHERE'").hasMessageContaining("gpiochip6 [] (2 lines)");
        refused("SHARED", Reason.AMBIGUOUS_LINE).hasMessage("host line name 'SHARED' is on several lines:"
                + " gpiochip2 1, gpiochip3 1; pick the one you mean by chip and offset, as 'gpiochip2 1'");
        assertThatThrownBy(() -> LinePicker.pick(new LineSpec(List.of(new LineSpec.HostLineName("gpiochip1"))),
                List.of(), HOST)).hasMessageStartingWith("no host line is called 'gpiochip1'");
    }

    @Test
    void anUnreadableChipFailsOnlyASpecThatNeedsIt() {
        refused("gpiochip5 0", Reason.UNREADABLE_CHIP).hasMessage("host chip 'gpiochip5' cannot be used:"
                + " open(/dev/gpiochip5) failed: EACCES (Permission denied)");
        refused("/dev/gpiochip5", Reason.UNREADABLE_CHIP).hasMessageContaining("/dev/gpiochip5")
                .hasMessageContaining("EACCES");
        assertThat(pick("gpiochip0 1").names()).containsExactly("BUTTON");
    }

    @Test
    void aLinePickedTwiceNamesBothPositions() {
        refused("gpiochip0 3,1 gpiochip0 3", Reason.LINE_TWICE).hasMessage("host line gpiochip0 3 is picked twice,"
                + " as line 1 and as line 2 of the device");
        refused("gpiochip0 0 LED", Reason.LINE_TWICE).hasMessageContaining("as line 0 and as line 1");
        refused("sim-bank-a gpiochip1 2", Reason.LINE_TWICE).hasMessageContaining("gpiochip1 2")
                .hasMessageContaining("as line 2 and as line 4");
        refused("/dev/gpiochip0 1 /dev/./gpiochip0 1", Reason.LINE_TWICE);
    }

    @Test
    void twoLinesOfOneNameAreRefusedNamingBoth() {
        refused("gpiochip0 3 sim:A,B,C gpiochip1 2", Reason.DUPLICATE_NAME, "LED", "", "", "", "LED")
                .hasMessage("line 0 (gpiochip0 3) and line 4 (gpiochip1 2) are both called LED; rename one with"
                        + " --names");
        refused("sim:LED gpiochip0 0", Reason.DUPLICATE_NAME).hasMessageContaining("line 0 (vgpio-sim 0) and line 1"
                + " (gpiochip0 0) are both called LED");
        assertThat(pick("sim:LED gpiochip0 0", "LED_SIM").names()).containsExactly("LED_SIM", "LED");
        assertThat(pick("gpiochip0 2,4").names()).as("unnamed lines may be many").containsExactly("", "");
    }

    @Test
    void namesTheGuestCannotHaveAreRefused() {
        refused("gpiochip0 0", Reason.INVALID_NAME, "caf\u00e9").hasMessageContaining("is not 7-bit ASCII");
        refused("gpiochip0 0", Reason.INVALID_NAME, "A\0B").hasMessageContaining("contains a NUL byte");
        HostChipDirectory odd = HostChipDirectory.of(List.of(chip(0, "x", "\u00c4")));
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip0"), List.of(), odd))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_NAME))
                .hasMessageContaining("rename them with --names");
        assertThat(LinePicker.pick(LineSpec.parse("gpiochip0"), List.of("A"), odd).names()).containsExactly("A");
    }

    @Test
    void aDeviceNeedsALineAndHasAtMost65535() {
        refused("gpiochip4", Reason.EMPTY).hasMessage("the device has no lines: gpiochip4 has none");
        List<String> many = Collections.nCopies(40000, "");
        HostChipDirectory big = HostChipDirectory.of(List.of(
                new HostChipInfo("gpiochip0", Path.of("/dev/gpiochip0"), "a", many),
                new HostChipInfo("gpiochip1", Path.of("/dev/gpiochip1"), "b", many)));
        assertThat(LinePicker.pick(LineSpec.parse("gpiochip0 gpiochip1 0-25534"), List.of(), big).lines())
                .hasSize(65535);
        assertThatThrownBy(() -> LinePicker.pick(LineSpec.parse("gpiochip0 gpiochip1"), List.of(), big))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_LINES))
                .hasMessageContaining("the whole chip gpiochip1").hasMessageContaining("80000 lines");
    }

    @Test
    void devicesThatShareAHostLineAreRefusedNamingBoth() {
        PickedDevice a = pick("gpiochip0 0-2");
        PickedDevice b = pick("gpiochip1");
        PickedDevice c = pick("sim-bank-a 0 gpiochip0 2");
        LinePicker.checkDisjoint(List.of(a, b));
        LinePicker.checkDisjoint(List.of(pick("sim"), pick("sim"), a));
        assertThatThrownBy(() -> LinePicker.checkDisjoint(List.of(a, b, c)))
                .isInstanceOfSatisfying(LineSpecException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SHARED_LINE))
                .hasMessage("host line gpiochip1 0 (/dev/gpiochip1) is in device 1 (sim-bank-a) and in device 2"
                        + " (gpiochip1+gpiochip0); a host line can serve one device only");
    }

    @Test
    void hostChipsAreTheSameChipByPath() {
        HostChipInfo renamed = new HostChipInfo("other-name", Path.of("/dev/./gpiochip0"), "", PINCTRL.lineNames());
        PickedDevice a = pick("gpiochip0 5");
        PickedDevice b = LinePicker.pick(LineSpec.parse("other-name 5"), List.of(),
                HostChipDirectory.of(List.of(renamed)));
        assertThatThrownBy(() -> LinePicker.checkDisjoint(List.of(a, b))).hasMessageContaining("device 0")
                .hasMessageContaining("device 1");
        HostChipInfo elsewhere = new HostChipInfo("gpiochip0", Path.of("/other/gpiochip0"), "", PINCTRL.lineNames());
        LinePicker.checkDisjoint(List.of(a, LinePicker.pick(LineSpec.parse("gpiochip0 5"), List.of(),
                HostChipDirectory.of(List.of(elsewhere)))));
    }
}
