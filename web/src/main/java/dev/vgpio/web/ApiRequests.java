package dev.vgpio.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vgpio.monitor.Stimulus;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * The bodies of the API's requests, read and checked: every field known and of the right type, every number in
 * range, each mistake a {@link BadRequest} that names the field and what it takes. docs/http-api.md lists them.
 */
public final class ApiRequests {
    /** The largest body the API reads. */
    public static final int MAX_BODY = 16 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder(new com.fasterxml.jackson.core.JsonFactoryBuilder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8)
                            .maxStringLength(1024).maxNumberLength(32).build()).build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ApiRequests() {
    }

    /** The body as one JSON object. */
    static ObjectNode object(byte[] body) throws BadRequest {
        if (body.length > MAX_BODY) {
            throw new BadRequest(413, "TOO_LARGE", "the body has " + body.length + " bytes; the API reads at most " + MAX_BODY);
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new BadRequest("the body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequest("the body must be a JSON object, such as {\"level\": 1}");
        }
        return (ObjectNode) node;
    }

    /** {@code {"level": 0|1}} (also {@code true}/{@code false}): the level to drive. */
    public static int level(byte[] body) throws BadRequest {
        ObjectNode o = object(body);
        only(o, List.of("level"));
        JsonNode level = o.get("level");
        if (level == null) {
            throw new BadRequest("give the level: {\"level\": 1} or {\"level\": 0}");
        }
        if (level.isBoolean()) {
            return level.booleanValue() ? 1 : 0;
        }
        if (level.isIntegralNumber() && (level.asLong() == 0 || level.asLong() == 1)) {
            return level.intValue();
        }
        throw new BadRequest("\"level\" is 0 or 1 (or false or true), not " + level);
    }

    /**
     * A stimulus: {@code {"kind": "pulse", "widthUs": N}}, {@code {"kind": "toggle", "count": N, "intervalUs": N}}
     * or {@code {"kind": "square", "periodUs": N, "cycles": N}} (cycles 0: until stopped). Times in microseconds.
     */
    public static Stimulus stimulus(byte[] body) throws BadRequest {
        ObjectNode o = object(body);
        JsonNode kind = o.get("kind");
        if (kind == null || !kind.isTextual()) {
            throw new BadRequest("give the stimulus's \"kind\": \"pulse\", \"toggle\" or \"square\"");
        }
        try {
            return switch (kind.textValue()) {
                case "pulse" -> {
                    only(o, List.of("kind", "widthUs"));
                    yield new Stimulus.Pulse(micros(o, "widthUs", 100_000));
                }
                case "toggle" -> {
                    only(o, List.of("kind", "count", "intervalUs"));
                    yield new Stimulus.Toggles(number(o, "count", -1), micros(o, "intervalUs", 100_000));
                }
                case "square" -> {
                    only(o, List.of("kind", "periodUs", "cycles"));
                    yield new Stimulus.Square(micros(o, "periodUs", -1), number(o, "cycles", 0));
                }
                default -> throw new BadRequest("unknown stimulus kind \"" + kind.textValue() + "\": use \"pulse\","
                        + " \"toggle\" or \"square\"");
            };
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    /** Refuses a field not among {@code known}. */
    static void only(ObjectNode o, List<String> known) throws BadRequest {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new BadRequest("unknown field \"" + f + "\": " + (known.isEmpty() ? "this request takes no"
                        + " fields: send {}" : "this request takes " + String.join(", ",
                        known.stream().map(k -> "\"" + k + "\"").toList())));
            }
        }
    }

    /** A whole number field from 0 to 10^9, or {@code fallback} if absent (-1: required). */
    private static int number(ObjectNode o, String field, int fallback) throws BadRequest {
        JsonNode n = o.get(field);
        if (n == null) {
            if (fallback < 0) {
                throw new BadRequest("give \"" + field + "\"");
            }
            return fallback;
        }
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > 1_000_000_000L) {
            throw new BadRequest("\"" + field + "\" is a whole number from 0 to 1000000000, not " + n);
        }
        return n.intValue();
    }

    private static Duration micros(ObjectNode o, String field, int fallback) throws BadRequest {
        return Duration.ofNanos(number(o, field, fallback) * 1000L);
    }
}
