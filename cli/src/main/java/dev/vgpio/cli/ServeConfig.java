package dev.vgpio.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code vgpio serve --config FILE} file, JSON:
 *
 * <pre>{@code
 * { "devices": [
 *     { "socket": "/run/vgpio/board.sock", "label": "board", "lines": ["LED", "BUTTON", "", "RESET"] },
 *     { "socket": "/run/vgpio/sim.sock", "chip": "sim:16" } ] }
 * }</pre>
 *
 * A device gives either {@code chip} (the command line's chip spec) or {@code lines} (names, "" for unnamed) with an
 * optional {@code label}. Relative socket paths are relative to the file's directory.
 */
public record ServeConfig(@JsonProperty("devices") List<Device> devices) {
    /** One device entry. */
    public record Device(@JsonProperty("socket") String socket, @JsonProperty("chip") String chip,
            @JsonProperty("label") String label, @JsonProperty("lines") List<String> lines) {
    }

    /** Reads and checks a config file; every error names the file and the entry. */
    public static List<DeviceSpec> load(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IOException("config file " + file + " is not UTF-8 text", e);
        }
        ServeConfig config;
        try {
            config = mapper.readValue(text, ServeConfig.class);
        } catch (JsonProcessingException e) {
            throw new IOException("config file " + file + ": " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : ""), e);
        }
        if (config == null || config.devices() == null || config.devices().isEmpty()) {
            throw new IOException("config file " + file + " lists no devices (expected {\"devices\": [...]})");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<DeviceSpec> specs = new ArrayList<>();
        for (int i = 0; i < config.devices().size(); i++) {
            Device d = config.devices().get(i);
            String where = "config file " + file + ", device " + i;
            if (d == null || d.socket() == null || d.socket().isBlank()) {
                throw new IOException(where + ": \"socket\" is missing");
            }
            if (d.chip() != null && d.lines() != null) {
                throw new IOException(where + ": give either \"chip\" or \"lines\", not both");
            }
            ChipSpec chip;
            try {
                if (d.lines() != null) {
                    chip = new ChipSpec(d.label() != null ? d.label() : ChipSpec.DEFAULT_LABEL, d.lines());
                } else {
                    chip = ChipSpec.parse(d.chip() != null ? d.chip() : "sim");
                    if (d.label() != null) {
                        chip = new ChipSpec(d.label(), chip.names());
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
            Path socket;
            try {
                socket = dir.resolve(d.socket());
            } catch (InvalidPathException e) {
                throw new IOException(where + ": \"socket\" is not a valid path: " + e.getReason(), e);
            }
            specs.add(new DeviceSpec(socket, chip));
        }
        return specs;
    }
}
