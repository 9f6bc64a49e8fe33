package dev.vgpio.lines.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vgpio.lines.pick.HostChipDirectory.Unreadable;
import dev.vgpio.lines.pick.LineSpecException.Reason;
import dev.vgpio.lines.pick.Origin.HostOrigin;
import dev.vgpio.lines.pick.Origin.SimOrigin;
import dev.vgpio.protocol.LineNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes what a user writes for a device's lines: {@link LineSpec#parse} and {@link LinePicker#pick} against a fixed
 * fake host (chips that share a label, line names on several chips, a chip of no lines, one of 40000, one with a
 * name the guest cannot have, names that are other chips' names, and a chip that cannot be read). The input is UTF-8
 * text: the spec, then optionally a line {@code --names A,,B} with the renames. The seeds are plain text files.
 *
 * <p>Invariants: the only error is a {@link LineSpecException} with a reason and a message; what is picked has 1 to
 * 65535 lines, valid virtio-gpio names that are distinct (unnamed lines aside) and are the renames or else the lines'
 * own names, every host line is a line of its chip (offset within it, the chip's name for it) and is picked once,
 * every simulated line is a line of its simulated chip; and the device shares a host line with a copy of itself
 * exactly when it has one.
 */
class LineSpecFuzzTest {
    private static final String NAMES = "\n--names ";
    private static final List<HostChipInfo> CHIPS = List.of(
            chip(0, "pinctrl", "LED", "BUTTON", "", "RESET_N", "", "", "", ""),
            chip(1, "bank", "A0", "A1", "A2", "A3"),
            chip(2, "expander", "X0", "SHARED", "", ""),
            chip(3, "expander", "Y0", "SHARED"),
            chip(4, "empty"),
            chip(5, "", "P0", "P1"),
            chip(6, "gpiochip1", "gpiochip0", "bank"),
            chip(7, "odd", "\u00c4", "LED_RED"),
            new HostChipInfo("gpiochip8", Path.of("/dev/gpiochip8"), "big", Collections.nCopies(40000, "")));
    private static final HostChipDirectory HOST = HostChipDirectory.of(CHIPS, List.of(new Unreadable(
            Path.of("/dev/gpiochip9"), "open(/dev/gpiochip9) failed: EACCES (Permission denied)")));

    private static HostChipInfo chip(int number, String label, String... names) {
        return new HostChipInfo("gpiochip" + number, Path.of("/dev/gpiochip" + number), label, List.of(names));
    }

    /**
     * The grammar's words and the fake host's names: Jazzer learns comparisons, not what a name is for. The names
     * line is written in libFuzzer's escape for the newline ({@code \x0a}): an entry is one line of its dictionary.
     */
    @DictionaryEntries({"sim", "sim:", "@", ",", "-", " ", "\\x0a--names ", "65534", "65535", "gpiochip", "gpiochip0",
        "/dev/gpiochip1", "/dev/../dev/gpiochip2", "pinctrl", "bank", "expander", "empty", "odd", "big", "LED",
        "RESET_N", "SHARED", "LED_RED", "gpiochip9", "\u0000", "\u00e9"})
    @FuzzTest
    void lineSpec(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int cut = text.indexOf(NAMES);
        String spec = cut < 0 ? text : text.substring(0, cut);
        List<String> renames = cut < 0 ? List.of() : Arrays.asList(text.substring(cut + NAMES.length()).split(",", -1));
        PickedDevice device;
        try {
            device = LinePicker.pick(LineSpec.parse(spec), renames, HOST);
        } catch (LineSpecException e) {
            assertThat(e.reason()).as("the reason of %s", e).isNotNull();
            assertThat(e.getMessage()).as("the message of %s", e).isNotBlank();
            return;
        }
        List<PickedLine> lines = device.lines();
        assertThat(lines).hasSizeBetween(1, 65535);
        assertThat(device.label()).isNotBlank();
        LineNames.validate(device.names());
        Set<String> names = new HashSet<>();
        Set<String> hostLines = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            PickedLine l = lines.get(i);
            String rename = i < renames.size() ? renames.get(i) : "";
            assertThat(l.name()).as("line %d's name", i).isEqualTo(rename.isEmpty() ? l.hostName() : rename);
            assertThat(l.name().isEmpty() || names.add(l.name())).as("name %s is unique", l.name()).isTrue();
            switch (l.origin()) {
                case HostOrigin(HostChipInfo chip) -> {
                    assertThat(CHIPS).contains(chip);
                    assertThat(l.offset()).as("offset on %s", chip.name()).isBetween(0, chip.lineCount() - 1);
                    assertThat(l.hostName()).isEqualTo(chip.lineNames().get(l.offset()));
                    assertThat(hostLines.add(chip.path() + " " + l.offset())).as("%s picked once", l).isTrue();
                }
                case SimOrigin(int index) -> {
                    assertThat(index).isBetween(0, device.simulated().size() - 1);
                    List<String> simNames = device.simulated().get(index).names();
                    assertThat(l.offset()).isBetween(0, simNames.size() - 1);
                    assertThat(l.hostName()).isEqualTo(simNames.get(l.offset()));
                }
            }
        }
        if (device.hasHostLines()) {
            assertThatThrownBy(() -> LinePicker.checkDisjoint(List.of(device, device)))
                    .isInstanceOfSatisfying(LineSpecException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.SHARED_LINE));
        } else {
            LinePicker.checkDisjoint(List.of(device, device));
        }
    }
}
