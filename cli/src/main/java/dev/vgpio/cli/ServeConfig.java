package dev.vgpio.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vgpio.lines.pick.LineSpec;
import dev.vgpio.lines.pick.LineSpecException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code vgpio serve --config FILE} file: JSON, or YAML if the name ends in {@code .yaml} or {@code .yml}, or
 * TOML if it ends in {@code .toml} (docs/config.md has the same, at more length). The same file in each format:
 *
 * <pre>{@code
 * { "devices": [
 *     { "socket": "/run/vgpio/board.sock", "chip": "gpiochip0 3,5-7 sim:BUTTON", "names": ["LED"] },
 *     { "socket": "bench.sock", "label": "bench",
 *       "lines": [ { "chip": "gpiochip1", "offset": 2, "name": "RELAY" }, { "line": "RESET_N" }, "DOOR" ] },
 *     { "socket": "demo.sock" } ] }
 * }</pre>
 *
 * <pre>{@code
 * devices:
 *   - socket: /run/vgpio/board.sock
 *     chip: gpiochip0 3,5-7 sim:BUTTON
 *     names: [LED]
 *   - socket: bench.sock
 *     label: bench
 *     lines:
 *       - {chip: gpiochip1, offset: 2, name: RELAY}
 *       - {line: RESET_N}
 *       - DOOR
 *   - socket: demo.sock
 * }</pre>
 *
 * <pre>{@code
 * [[devices]]
 * socket = "/run/vgpio/board.sock"
 * chip = "gpiochip0 3,5-7 sim:BUTTON"
 * names = ["LED"]
 *
 * [[devices]]
 * socket = "bench.sock"
 * label = "bench"
 * lines = [{ chip = "gpiochip1", offset = 2, name = "RELAY" }, { line = "RESET_N" }, "DOOR"]
 *
 * [[devices]]
 * socket = "demo.sock"
 * }</pre>
 *
 * <p>{@code devices} lists at least one device. A device's keys:
 *
 * <ul>
 *   <li>{@code socket} (required): its vhost-user socket; a relative path is relative to the file's directory.</li>
 *   <li>{@code chip}: its lines in {@code --chip}'s syntax ({@link LineSpec}): simulated chips, host chips with
 *       offsets, whole host chips and host line names, in device line order. With {@code names}, the guest's names
 *       in that order ({@code ""} keeps a line's own name; fewer than the lines is fine), as {@code --names}
 *       gives them. With {@code label}, the label of the simulated chip if {@code chip} is one simulated chip
 *       ({@code "chip": "sim:16", "label": "board"}).</li>
 *   <li>{@code lines}, instead of {@code chip}: one entry a line, in order. A string is a simulated line of that
 *       name ({@code ""} or {@code null} for an unnamed one); consecutive strings are one simulated chip, labelled
 *       {@code label} (default {@value LineSpec#DEFAULT_LABEL}). An object is one host line: {@code chip} (name,
 *       path or label) and {@code offset}, or {@code line} (a host line's name, never taken for a chip), and
 *       optionally {@code name}, the guest's name for it. {@code names} does not go with {@code lines}.</li>
 *   <li>neither: the demo chip, as {@code "chip": "sim"}.</li>
 *   <li>{@code caps}: what its simulated lines take, as {@code --sim-caps}.</li>
 *   <li>{@code listen}: a channel address the device is also served on, as {@code --listen}
 *       ({@code "unix:/run/vgpio/board.chan"}, {@code "tcp:127.0.0.1:7000"}); a relative Unix path is relative to
 *       the daemon's working directory.</li>
 * </ul>
 *
 * <p>Unknown and repeated keys are errors. Every error names the file, the device and the entry, with the line of
 * the file where the parser knows it (JSON and YAML; not TOML, whose parser reads the whole file first). Host chips
 * are looked up when the device is served, not when the file is read.
 */
public final class ServeConfig {
    private static final String ENTRY_FORMS = "a \"lines\" entry is a string (a simulated line's name) or an"
            + " object (a host line: {\"chip\": CHIP, \"offset\": N} or {\"line\": NAME}, each with an optional"
            + " \"name\" for the guest)";

    private ServeConfig() {
    }

    /** The file as the parser maps it. */
    record Config(@JsonProperty("devices") List<Device> devices) {
    }

    /** A device entry and the line of the file it starts on (0 if unknown). */
    @JsonDeserialize(using = DeviceReader.class)
    record Device(Fields fields, int line) {
    }

    /** A device entry's keys. */
    record Fields(@JsonProperty("socket") String socket, @JsonProperty("chip") String chip,
            @JsonProperty("label") String label, @JsonProperty("names") List<String> names,
            @JsonProperty("lines") List<Entry> lines, @JsonProperty("caps") String caps,
            @JsonProperty("listen") String listen) {
    }

    /** A {@code lines} entry: a string or an object, and the line of the file it is on (0 if unknown). */
    @JsonDeserialize(using = EntryReader.class)
    sealed interface Entry {
        /** The line of the file. */
        int line();
    }

    /** A string entry: a simulated line of this name. */
    record SimulatedLine(String name, int line) implements Entry {
    }

    /** An object entry: one host line. */
    record HostLine(HostKeys keys, int line) implements Entry {
    }

    /** An object entry's keys. */
    record HostKeys(@JsonProperty("chip") String chip, @JsonProperty("offset") Integer offset,
            @JsonProperty("line") String line, @JsonProperty("name") String name) {
    }

    /** Reads a device's keys and notes where the device starts. */
    static final class DeviceReader extends JsonDeserializer<Device> {
        @Override
        public Device deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            int line = lineOf(p.currentTokenLocation());
            return new Device(ctxt.readValue(p, Fields.class), line);
        }
    }

    /** Reads a {@code lines} entry of either form and notes where it is. */
    static final class EntryReader extends JsonDeserializer<Entry> {
        @Override
        public Entry deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            int line = lineOf(p.currentTokenLocation());
            if (p.currentToken() == JsonToken.START_OBJECT) {
                return new HostLine(ctxt.readValue(p, HostKeys.class), line);
            }
            if (p.currentToken().isScalarValue()) {
                return new SimulatedLine(p.getText(), line);
            }
            return ctxt.reportInputMismatch(Entry.class, ENTRY_FORMS);
        }
    }

    /**
     * Reads and checks a config file.
     *
     * @param file the file; its name's ending says its format
     * @return its devices, at least one, with absolute socket paths
     * @throws IOException if it cannot be read or is not a valid config; the message names the file, the device and
     *     the entry
     */
    public static List<DeviceSpec> load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IOException("config file " + file + " is not UTF-8 text", e);
        } catch (NoSuchFileException e) {
            throw new IOException("config file " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("config file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("config file " + file + ": cannot be read ("
                    + (Files.isDirectory(file) ? "it is a directory" : e.getMessage()) + ")", e);
        }
        if (text.isBlank()) {
            throw new IOException("config file " + file + " is empty (expected a list of devices; see docs/config.md)");
        }
        Config config;
        try {
            config = mapperFor(file).readValue(text, Config.class);
        } catch (JsonProcessingException e) {
            boolean syntax = e instanceof StreamReadException || e.getCause() instanceof StreamReadException;
            String where = syntax ? at(e.getLocation())
                    : e instanceof UnrecognizedPropertyException u ? at(keyLine(text, u.getPropertyName(),
                            lineOf(e.getLocation())))
                    : at(lineOf(e.getLocation()));
            throw new IOException("config file " + file + where + pathOf(e) + ": " + why(e), e);
        }
        if (config == null || config.devices() == null || config.devices().isEmpty()) {
            throw new IOException("config file " + file + " lists no devices (expected \"devices\", a list of at"
                    + " least one; see docs/config.md)");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<DeviceSpec> specs = new ArrayList<>();
        for (int i = 0; i < config.devices().size(); i++) {
            specs.add(device(file, dir, i, config.devices().get(i)));
        }
        return specs;
    }

    /** JSON, YAML or TOML by the file's name, each strict: no unknown or repeated keys, nothing after the end. */
    private static ObjectMapper mapperFor(Path file) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        MapperBuilder<?, ?> builder = name.endsWith(".yaml") || name.endsWith(".yml") ? YAMLMapper.builder()
                : name.endsWith(".toml") ? TomlMapper.builder() : JsonMapper.builder();
        return builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /** The entry's {@code listen} (a channel address, checked), or {@code null} when it has none. */
    private static String listen(String where, Fields d) throws IOException {
        if (d.listen() == null) {
            return null;
        }
        try {
            dev.vgpio.channel.Endpoint.parse(d.listen());
            return d.listen();
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": \"listen\": " + e.getMessage(), e);
        }
    }

    /** The entry's {@code caps} (what its simulated lines take), or {@code null} when it has none. */
    private static Integer caps(String where, Fields d) throws IOException {
        if (d.caps() == null) {
            return null;
        }
        try {
            return new SimCaps().convert(d.caps());
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new IOException(where + ": \"caps\": " + e.getMessage(), e);
        }
    }

    private static DeviceSpec device(Path file, Path dir, int index, Device device) throws IOException {
        String where = place(file, device == null ? 0 : device.line(), ", device " + index);
        Fields d = device == null ? null : device.fields();
        if (d == null || d.socket() == null || d.socket().isBlank()) {
            throw new IOException(where + ": \"socket\" is missing");
        }
        if (d.chip() != null && d.lines() != null) {
            throw new IOException(where + ": give either \"chip\" or \"lines\", not both");
        }
        if (d.names() != null && d.lines() != null) {
            throw new IOException(where + ": \"names\" renames the lines of \"chip\"; with \"lines\", give an"
                    + " entry its \"name\"");
        }
        Path socket;
        try {
            socket = dir.resolve(d.socket());
        } catch (InvalidPathException e) {
            throw new IOException(where + ": \"socket\" is not a valid path: " + e.getReason(), e);
        }
        if (d.lines() != null) {
            return fromEntries(file, index, where, socket, d);
        }
        try {
            LineSpec spec = LineSpec.parse(d.chip() != null ? d.chip() : "sim");
            if (d.label() != null) {
                if (spec.parts().size() != 1 || !(spec.parts().getFirst() instanceof LineSpec.Simulated s)) {
                    throw new IOException(where + ": \"label\" is the label of a simulated chip, and \"chip\" is"
                            + " not one (write sim...@LABEL in \"chip\" to label one of its simulated chips)");
                }
                spec = new LineSpec(List.of(new LineSpec.Simulated(d.label(), s.names())));
            }
            return new DeviceSpec(socket, spec, d.names() != null ? d.names() : List.of(), caps(where, d),
                    listen(where, d));
        } catch (LineSpecException e) {
            throw new IOException(where + ": \"chip\": " + e.getMessage(), e);
        }
    }

    /** A device given by {@code lines}: each run of strings becomes a simulated chip, each object a host line. */
    private static DeviceSpec fromEntries(Path file, int index, String where, Path socket, Fields d)
            throws IOException {
        List<Entry> entries = d.lines();
        if (entries.isEmpty()) {
            throw new IOException(where + ": \"lines\" is empty");
        }
        String label = d.label() != null ? d.label() : LineSpec.DEFAULT_LABEL;
        List<LineSpec.Part> parts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int runStart = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i) instanceof HostLine(HostKeys keys, int line)) {
                addSimulated(parts, label, entries, runStart, i, file, index);
                runStart = -1;
                String at = place(file, line, ", device " + index + ", \"lines\" entry " + i);
                try {
                    parts.add(hostPart(keys, at));
                } catch (LineSpecException e) {
                    throw new IOException(at + ": " + e.getMessage(), e);
                }
                names.add(keys.name() == null ? "" : keys.name());
            } else {
                runStart = runStart < 0 ? i : runStart;
                names.add("");
            }
        }
        addSimulated(parts, label, entries, runStart, entries.size(), file, index);
        if (d.label() != null && parts.stream().noneMatch(p -> p instanceof LineSpec.Simulated)) {
            throw new IOException(where + ": \"label\" is the label of the simulated lines (the string entries)"
                    + " of \"lines\", and there are none");
        }
        while (!names.isEmpty() && names.getLast().isEmpty()) {
            names.removeLast(); // no rename at the end is no rename: the same device as "chip" without "names"
        }
        try {
            return new DeviceSpec(socket, new LineSpec(parts), names, caps(where, d), listen(where, d));
        } catch (LineSpecException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    /** Entries {@code from} (if not -1) to {@code to}, exclusive, are strings: one simulated chip. */
    private static void addSimulated(List<LineSpec.Part> parts, String label, List<Entry> entries, int from, int to,
            Path file, int index) throws IOException {
        if (from < 0) {
            return;
        }
        try {
            parts.add(new LineSpec.Simulated(label, entries.subList(from, to).stream()
                    .map(e -> e == null ? "" : ((SimulatedLine) e).name()).toList()));
        } catch (LineSpecException e) {
            throw new IOException(place(file, lineOf(entries.get(from)), ", device " + index + ", \"lines\" entries "
                    + from + " to " + (to - 1) + " (a simulated chip): " + e.getMessage()), e);
        }
    }

    private static LineSpec.Part hostPart(HostKeys keys, String at) throws IOException {
        if (keys.chip() != null && keys.line() != null) {
            throw new IOException(at + ": give \"chip\" and \"offset\", or \"line\", not both");
        }
        if (keys.chip() != null) {
            if (keys.offset() == null) {
                throw new IOException(at + ": \"chip\" needs an \"offset\" (for a whole chip, give the device"
                        + " \"chip\": \"" + keys.chip() + "\" instead of \"lines\")");
            }
            if (LineSpec.isSimulated(keys.chip())) {
                throw new IOException(at + ": an object is a host line; a simulated line is a string entry");
            }
            return new LineSpec.HostLines(keys.chip(), List.of(keys.offset()));
        }
        if (keys.offset() != null) {
            throw new IOException(at + ": \"offset\" needs a \"chip\"");
        }
        if (keys.line() == null) {
            throw new IOException(at + ": give \"chip\" and \"offset\", or \"line\" (" + ENTRY_FORMS + ")");
        }
        return new LineSpec.HostLineName(keys.line());
    }

    private static int lineOf(Entry entry) {
        return entry == null ? 0 : entry.line();
    }

    /** {@code config file F:LINE} and what follows; without the line if it is unknown. */
    private static String place(Path file, int line, String rest) {
        return "config file " + file + at(line) + rest;
    }

    private static int lineOf(JsonLocation location) {
        return location == null ? 0 : Math.max(location.getLineNr(), 0);
    }

    /** {@code :LINE:COLUMN} after the file's name, for a syntax error; as much of it as is known. */
    private static String at(JsonLocation location) {
        int line = lineOf(location);
        return line > 0 && location.getColumnNr() > 0 ? ":" + line + ":" + location.getColumnNr() : at(line);
    }

    /**
     * What is wrong, in the file's terms rather than the parser's: no class names, no parser state, and for an
     * unknown key the keys that are valid there.
     */
    static String why(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = new ArrayList<>();
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(k -> known.add("\"" + k + "\""));
            }
            known.sort(null);
            return "unknown key \"" + u.getPropertyName() + "\"" + (known.isEmpty() ? ""
                    : " (the keys here are " + String.join(", ", known) + ")");
        }
        String why = String.valueOf(e.getOriginalMessage());
        if (why.startsWith("Trailing token")) {
            return "there is more after the end of the config (one JSON object, one YAML document)";
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null && why.startsWith("Cannot ")) {
            java.util.regex.Matcher found = java.util.regex.Pattern.compile("from (\\w+) value").matcher(why);
            return "expected " + kind(m.getTargetType()) + (found.find() ? ", found " + kindOf(found.group(1)) : "");
        }
        if (why.contains("\n")) { // YAML's: the problem's lines, without the echoed source and markers
            why = String.join(": ", why.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                    .toList());
        }
        // drop what only a Java programmer can read: types, classes and token names
        return why.replaceAll("\\(start marker at \\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]\\)",
                        "(opened on line $1, column $2)")
                .replaceAll(" ?\\(class [^)]*\\)", "").replaceAll(" ?\\(code [0-9]+\\)", "")
                .replaceAll(" ?\\(token `[^`]*`\\)", "").replaceAll("`[a-z][\\w.$<>, ]*`", "value")
                .replaceAll("\\s*at \\[Source:.*", "").strip();
    }

    private static String kind(Class<?> type) {
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object";
    }

    private static String kindOf(String jacksonKind) {
        return switch (jacksonKind) {
            case "Array" -> "a list";
            case "Object" -> "an object";
            case "String" -> "a string";
            case "Integer", "Floating-point" -> "a number";
            case "Boolean" -> "true or false";
            default -> jacksonKind.toLowerCase(Locale.ROOT);
        };
    }

    /**
     * The line of the unknown key {@code key}: the parser reports where it stood when it gave up (the end of the
     * entry, as it reads an entry whole before it takes its keys), so this is the last line at or before that one
     * where {@code key} is written as a key ({@code "key":}, {@code key:} or {@code key =}); {@code reported} if none.
     */
    static int keyLine(String text, String key, int reported) {
        java.util.regex.Pattern asKey = java.util.regex.Pattern.compile("(^|[\\s{,\\[-])[\"']?"
                + java.util.regex.Pattern.quote(key) + "[\"']?\\s*[:=]");
        String[] lines = text.split("\n", -1);
        int last = reported > 0 ? Math.min(reported, lines.length) : lines.length;
        for (int i = last; i >= 1; i--) {
            if (asKey.matcher(lines[i - 1]).find()) {
                return i;
            }
        }
        return reported;
    }

    /** {@code :LINE} after the file's name, or nothing if the line is unknown. */
    private static String at(int line) {
        return line > 0 ? ":" + line : "";
    }

    /** Where in the file a mapping error is: {@code , device 0, "lines" entry 2, "offset"}. */
    private static String pathOf(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        String field = null;
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                field = r.getFieldName();
                if (!field.equals("devices")) {
                    b.append(", \"").append(field).append('"');
                }
            } else if (r.getIndex() >= 0) {
                if ("devices".equals(field)) {
                    b.append(", device ").append(r.getIndex());
                } else {
                    b.append(" entry ").append(r.getIndex());
                }
            }
        }
        return b.toString();
    }
}
