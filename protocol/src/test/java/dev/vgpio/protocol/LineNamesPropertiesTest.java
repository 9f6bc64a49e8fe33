package dev.vgpio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class LineNamesPropertiesTest {
    @Provide
    Arbitrary<List<String>> uniqueAsciiNames() {
        return Arbitraries.strings().ascii().excludeChars('\0').ofMaxLength(12).injectNull(0.15)
                .list().ofMaxSize(40)
                .uniqueElements(name -> name == null || name.isEmpty() ? new Object() : name);
    }

    /** Mostly zero bytes and a few letters, so that many random blocks are (almost) valid. */
    @Provide
    Arbitrary<byte[]> nameLikeBytes() {
        Arbitrary<Byte> b = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just((byte) 0)),
                net.jqwik.api.Tuple.of(5, Arbitraries.of((byte) 'A', (byte) 'B', (byte) 'C')),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
        return b.array(byte[].class).ofMaxSize(40);
    }

    @Property(tries = 500)
    void encodeThenDecodeReturnsTheNames(@ForAll("uniqueAsciiNames") List<String> names) {
        byte[] block = LineNames.encode(names);
        List<String> expected = new ArrayList<>();
        for (String name : names) {
            expected.add(name == null ? "" : name);
        }
        assertThat(LineNames.decode(block, names.size())).isEqualTo(expected);
        assertThat(LineNames.encodedSize(names)).isEqualTo(block.length);
    }

    @Property(tries = 1000)
    void decodingArbitraryBytesReturnsNgpioNamesOrRefusesCleanly(
            @ForAll("nameLikeBytes") byte[] block, @ForAll @IntRange(min = 0, max = 12) int ngpio) {
        checkDecode(block, ngpio);
    }

    @Property(tries = 500)
    void decodingUniformRandomBytesReturnsNgpioNamesOrRefusesCleanly(
            @ForAll @Size(max = 64) byte[] block, @ForAll @IntRange(min = 0, max = 65535) int ngpio) {
        checkDecode(block, ngpio);
    }

    private static void checkDecode(byte[] block, int ngpio) {
        List<String> names;
        try {
            names = LineNames.decode(block, ngpio);
        } catch (InvalidLineNamesException e) {
            assertThat(e.problems()).isNotEmpty();
            return;
        }
        assertThat(names).hasSize(ngpio);
        // what was accepted re-encodes to the start of the block, and only zeros follow
        byte[] again = LineNames.encode(names);
        assertThat(Arrays.copyOf(block, again.length)).containsExactly(again);
        for (int i = again.length; i < block.length; i++) {
            assertThat(block[i]).isZero();
        }
    }
}
