package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineNamesTest {
    /** The spec's example: 10 lines, names on lines 0, 5 and 7. */
    private static final List<String> SPEC_NAMES = Arrays.asList(
            "MMC-CD", null, null, null, null, "Red LED Vdd", null, "ethernet reset", null, null);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static InvalidLineNamesException decodeFailure(byte[] block, int ngpio) {
        try {
            LineNames.decode(block, ngpio);
        } catch (InvalidLineNamesException e) {
            return e;
        }
        throw new AssertionError("decode accepted the block");
    }

    @Test
    void specExampleEncodesToTheExpectedBytesAndDecodesBack() {
        byte[] expected = ascii("MMC-CD\0" + "\0\0\0\0" + "Red LED Vdd\0" + "\0" + "ethernet reset\0" + "\0\0");
        assertThat(LineNames.encode(SPEC_NAMES)).containsExactly(expected);
        assertThat(LineNames.encodedSize(SPEC_NAMES)).isEqualTo(41).isEqualTo(expected.length);
        assertThat(LineNames.decode(expected, 10))
                .containsExactly("MMC-CD", "", "", "", "", "Red LED Vdd", "", "ethernet reset", "", "");
    }

    @Test
    void emptyAndNullNamesAreASingleZeroByte() {
        assertThat(LineNames.encode(Arrays.asList("", null, "a"))).containsExactly(ascii("\0\0a\0"));
        assertThat(LineNames.encode(List.of())).isEmpty();
        assertThat(LineNames.decode(new byte[0], 0)).isEmpty();
    }

    @Test
    void decodeFromASegmentAtAnOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            seg.fill((byte) 'x');
            byte[] block = LineNames.encode(List.of("A", "", "B"));
            MemorySegment.copy(block, 0, seg, Wire.U8, 10, block.length);
            assertThat(LineNames.decode(seg, 10, block.length, 3)).containsExactly("A", "", "B");
        }
    }

    @Test
    void validateRefusesDuplicates() {
        assertThatThrownBy(() -> LineNames.validate(List.of("a", "b", "LED", "c", "d", "LED")))
                .isInstanceOf(InvalidLineNamesException.class)
                .hasMessage("duplicate line name \"LED\" on lines 2 and 5");
        assertThatThrownBy(() -> LineNames.validate(List.of("x", "x", "", "", "x")))
                .hasMessage("duplicate line name \"x\" on lines 0, 1 and 4");
    }

    @Test
    void validateAllowsManyLinesWithoutNamesAndIsCaseSensitive() {
        LineNames.validate(Arrays.asList("", "", null, null, "led", "LED"));
    }

    @Test
    void validateRefusesNonAsciiAndNul() {
        assertThatThrownBy(() -> LineNames.validate(List.of("a", "b", "c", "caf\u00e9")))
                .isInstanceOf(InvalidLineNamesException.class)
                .hasMessage("line 3 name \"caf\u00e9\" is not 7-bit ASCII");
        assertThatThrownBy(() -> LineNames.validate(List.of("a", "b", "c", "d", "bad\0name")))
                .hasMessage("line 4 name contains a NUL byte");
    }

    @Test
    void validateReportsAllProblems() {
        InvalidLineNamesException e = (InvalidLineNamesException) org.assertj.core.api.Assertions.catchThrowable(
                () -> LineNames.encode(List.of("LED", "\u00b5", "a\0", "LED")));
        assertThat(e.problems()).containsExactly(
                "line 1 name \"\u00b5\" is not 7-bit ASCII",
                "line 2 name contains a NUL byte",
                "duplicate line name \"LED\" on lines 0 and 3");
        assertThat(e).hasMessage(String.join("; ", e.problems()));
    }

    @Test
    void encodedSizeAlsoValidates() {
        assertThatThrownBy(() -> LineNames.encodedSize(List.of("a", "a")))
                .isInstanceOf(InvalidLineNamesException.class)
                .hasMessage("duplicate line name \"a\" on lines 0 and 1");
    }

    @Test
    void validateRefusesMoreThanMaxLines() {
        List<String> names = new ArrayList<>(Collections.nCopies(VirtioGpio.MAX_LINES + 1, ""));
        assertThatThrownBy(() -> LineNames.validate(names))
                .isInstanceOf(InvalidLineNamesException.class)
                .hasMessage("65536 line names, but a device has at most 65535 lines");
        LineNames.validate(names.subList(0, VirtioGpio.MAX_LINES));
    }

    @Test
    void decodeRefusesATooShortBlock() {
        assertThat(decodeFailure(ascii("a\0b\0"), 3))
                .hasMessage("names block of 4 bytes holds only 2 of 3 NUL-terminated line names");
        assertThat(decodeFailure(ascii("a\0bc"), 3)).hasMessage(
                "names block of 4 bytes holds only 1 of 3 NUL-terminated line names"
                        + " (line 1 name at offset 2 has no terminator)");
        assertThat(decodeFailure(new byte[0], 1))
                .hasMessage("names block of 0 bytes holds only 0 of 1 NUL-terminated line names");
    }

    @Test
    void decodeRefusesNonAsciiWithTheBytesShown() {
        byte[] block = {'x', 0, 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, 0};
        assertThat(decodeFailure(block, 2)).hasMessage("line 1 name \"caf\\xc3\\xa9\" is not 7-bit ASCII");
    }

    @Test
    void decodeRefusesDuplicates() {
        assertThat(decodeFailure(ascii("a\0LED\0\0b\0LED\0"), 5))
                .hasMessage("duplicate line name \"LED\" on lines 1 and 4");
    }

    @Test
    void decodeAllowsZeroPaddingButNotOtherTrailingBytes() {
        assertThat(LineNames.decode(ascii("a\0b\0\0\0\0"), 2)).containsExactly("a", "b");
        assertThat(decodeFailure(ascii("a\0b\0\0\0Z\0"), 2)).hasMessage(
                "non-zero byte 0x5a at offset 6 after the last of 2 line names (only zero padding may follow)");
    }

    @Test
    void decodeReportsAllProblems() {
        byte[] block = {'A', 0, (byte) 0x80, 0, 'A', 0, 0, 7};
        assertThat(decodeFailure(block, 3).problems()).containsExactly(
                "line 1 name \"\\x80\" is not 7-bit ASCII",
                "non-zero byte 0x07 at offset 7 after the last of 3 line names (only zero padding may follow)",
                "duplicate line name \"A\" on lines 0 and 2");
    }

    @Test
    void messagesEscapeControlCharactersAndCutLongNames() {
        String longName = "n".repeat(100) + "\u00e9";
        InvalidLineNamesException e = (InvalidLineNamesException) org.assertj.core.api.Assertions.catchThrowable(
                () -> LineNames.validate(List.of(longName, "tab\t\"q\"\u00e9")));
        assertThat(e.problems()).containsExactly(
                "line 0 name \"" + "n".repeat(64) + "...\" is not 7-bit ASCII",
                "line 1 name \"tab\\x09\\\"q\\\"\u00e9\" is not 7-bit ASCII");
    }

    @Test
    void decodeRefusesAnImpossibleLineCount() {
        assertThatThrownBy(() -> LineNames.decode(new byte[4], -1))
                .isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(InvalidLineNamesException.class)
                .hasMessageContaining("ngpio");
    }
}
