package dev.vgpio.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The GET_LINE_NAMES block: one NUL-terminated 7-bit ASCII string per line, in line order, a single 0 byte for a line
 * without a name; names that are present are unique. Trailing zero bytes after the last line are tolerated when
 * decoding. In lists, {@code null} and {@code ""} both mean "no name". Problems are reported all at once as an
 * {@link InvalidLineNamesException} whose messages name the lines concerned; offsets in them are from the start of
 * the block.
 */
public final class LineNames {
    /** Longest name shown in full in a message; longer ones are cut and end in "...". */
    private static final int SHOWN_NAME_MAX = 64;
    private static final long BYTE_ARRAY_MAX = Integer.MAX_VALUE - 16;

    private LineNames() {
    }

    /** Throws {@link InvalidLineNamesException} unless {@code names} could be a device's line names. */
    public static void validate(List<String> names) {
        List<String> problems = problemsOf(names);
        if (!problems.isEmpty()) {
            throw new InvalidLineNamesException(problems);
        }
    }

    /** The size in bytes of the encoded block (the config's {@code gpio_names_size}); validates first. */
    public static int encodedSize(List<String> names) {
        validate(names);
        long size = 0;
        for (String name : names) {
            size += (name == null ? 0 : name.length()) + 1;
        }
        if (size > BYTE_ARRAY_MAX) {
            throw new InvalidLineNamesException(List.of("names block would be " + size + " bytes, too large"));
        }
        return (int) size;
    }

    /** The names block for these names, in line order; validates first. */
    public static byte[] encode(List<String> names) {
        byte[] block = new byte[encodedSize(names)];
        int pos = 0;
        for (String name : names) {
            if (name != null) {
                byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(ascii, 0, block, pos, ascii.length);
                pos += ascii.length;
            }
            pos++; // the terminating 0, already there
        }
        return block;
    }

    /** Decodes the first {@code ngpio} names of a whole block; see {@link #decode(MemorySegment, long, long, int)}. */
    public static List<String> decode(byte[] block, int ngpio) {
        return decode(MemorySegment.ofArray(block), 0, block.length, ngpio);
    }

    /**
     * Decodes {@code ngpio} names from the {@code size}-byte block at {@code offset}: an unmodifiable list with ""
     * for lines without a name. Throws {@link InvalidLineNamesException} if the block holds fewer than {@code ngpio}
     * terminated names, a name is not 7-bit ASCII, a name appears twice, or a non-zero byte follows the last name.
     * Throws IllegalArgumentException if {@code ngpio} is outside 0..{@value VirtioGpio#MAX_LINES}, and
     * IndexOutOfBoundsException if the block is not inside the segment.
     */
    public static List<String> decode(MemorySegment seg, long offset, long size, int ngpio) {
        if (ngpio < 0 || ngpio > VirtioGpio.MAX_LINES) {
            throw new IllegalArgumentException("ngpio must be 0.." + VirtioGpio.MAX_LINES + ", got " + ngpio);
        }
        Objects.checkFromIndexSize(offset, size, seg.byteSize());
        MemorySegment block = seg.asSlice(offset, size);
        List<String> problems = new ArrayList<>();
        List<String> names = new ArrayList<>(ngpio);
        long pos = 0;
        while (names.size() < ngpio) {
            int line = names.size();
            long end = indexOfNul(block, pos);
            if (end < 0) {
                String tail = pos < size ? " (line " + line + " name at offset " + pos + " has no terminator)" : "";
                problems.add("names block of " + size + " bytes holds only " + line + " of " + ngpio
                        + " NUL-terminated line names" + tail);
                break;
            }
            if (end - pos > BYTE_ARRAY_MAX) {
                problems.add("line " + line + " name at offset " + pos + " is too long (" + (end - pos) + " bytes)");
                break;
            }
            byte[] bytes = block.asSlice(pos, end - pos).toArray(ValueLayout.JAVA_BYTE);
            String name = new String(bytes, StandardCharsets.ISO_8859_1);
            if (!isAscii(bytes)) {
                problems.add("line " + line + " name " + quote(name, true) + " is not 7-bit ASCII");
            }
            names.add(name);
            pos = end + 1;
        }
        if (names.size() == ngpio) {
            for (long i = pos; i < size; i++) {
                byte b = block.get(ValueLayout.JAVA_BYTE, i);
                if (b != 0) {
                    problems.add(String.format("non-zero byte 0x%02x at offset %d after the last of %d line names"
                            + " (only zero padding may follow)", b & 0xff, i, ngpio));
                    break;
                }
            }
        }
        addDuplicates(names, problems, true);
        if (!problems.isEmpty()) {
            throw new InvalidLineNamesException(problems);
        }
        return List.copyOf(names);
    }

    private static List<String> problemsOf(List<String> names) {
        List<String> problems = new ArrayList<>();
        if (names.size() > VirtioGpio.MAX_LINES) {
            problems.add(names.size() + " line names, but a device has at most " + VirtioGpio.MAX_LINES + " lines");
        }
        for (int line = 0; line < names.size(); line++) {
            String name = names.get(line);
            if (name == null) {
                continue;
            }
            if (name.indexOf('\0') >= 0) {
                problems.add("line " + line + " name contains a NUL byte");
            }
            if (!isAscii(name)) {
                problems.add("line " + line + " name " + quote(name, false) + " is not 7-bit ASCII");
            }
        }
        addDuplicates(names, problems, false);
        return problems;
    }

    private static void addDuplicates(List<String> names, List<String> problems, boolean rawBytes) {
        Map<String, List<Integer>> linesByName = new LinkedHashMap<>();
        for (int line = 0; line < names.size(); line++) {
            String name = names.get(line);
            if (name != null && !name.isEmpty()) {
                linesByName.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
            }
        }
        linesByName.forEach((name, lines) -> {
            if (lines.size() > 1) {
                problems.add("duplicate line name " + quote(name, rawBytes) + " on lines " + joinLines(lines));
            }
        });
    }

    /** "2 and 5", "2, 5 and 7". */
    private static String joinLines(List<Integer> lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                sb.append(i == lines.size() - 1 ? " and " : ", ");
            }
            sb.append(lines.get(i));
        }
        return sb.toString();
    }

    private static long indexOfNul(MemorySegment block, long from) {
        long size = block.byteSize();
        for (long i = from; i < size; i++) {
            if (block.get(ValueLayout.JAVA_BYTE, i) == 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The name in double quotes for a message, cut after {@value #SHOWN_NAME_MAX} characters. ASCII control
     * characters are written as \xNN; so are bytes 0x80..0xff of a decoded block ({@code rawBytes}, the name read as
     * ISO-8859-1), while other non-ASCII characters of a Java string are kept as they are.
     */
    private static String quote(String name, boolean rawBytes) {
        StringBuilder sb = new StringBuilder("\"");
        int shown = Math.min(name.length(), SHOWN_NAME_MAX);
        for (int i = 0; i < shown; i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || (rawBytes && c > 0x7f)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (shown < name.length()) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
