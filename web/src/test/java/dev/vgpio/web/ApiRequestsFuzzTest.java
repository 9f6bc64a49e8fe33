package dev.vgpio.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vgpio.monitor.Stimulus;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * Fuzzes the bodies of the API's requests: the same bytes go to {@link ApiRequests#level} (the body of
 * {@code PUT .../level}) and to {@link ApiRequests#stimulus} (the body of {@code POST .../stimulus}), as the server
 * hands them over. The seeds are plain text files: valid bodies of each kind and the mistakes users make.
 *
 * <p>Invariants: the only error is a {@link BadRequest} with status 400, or 413 for a body over
 * {@link ApiRequests#MAX_BODY} bytes, and a message; an accepted level is 0 or 1 and is what the body says (an
 * object whose one field {@code level} is 0, 1, false or true); an accepted stimulus is within {@link Stimulus}'s
 * limits (every step from {@link Stimulus#MIN_STEP} to {@link Stimulus#MAX_LENGTH}, a stimulus with an end no longer
 * than {@code MAX_LENGTH}, counts and cycles in range) and is what the body says: its kind, its fields in microseconds
 * or their defaults, and no field the kind does not take.
 */
class ApiRequestsFuzzTest {
    /** A lenient reader, to see what the body says; the API's own reader is stricter. */
    private static final ObjectMapper PLAIN = new ObjectMapper();

    /**
     * JSON and the requests' words: Jazzer does not instrument Jackson (a jar), so it cannot learn them there.
     */
    @DictionaryEntries({"{\"level\": ", "{\"kind\": \"pulse\"", "{\"kind\": \"toggle\"", "{\"kind\": \"square\"",
        "\"kind\"", "\"level\"", "\"widthUs\"", "\"count\"", "\"intervalUs\"", "\"periodUs\"", "\"cycles\"", ": ", ", ",
        "}", "[", "]", "true", "false", "null", "0", "1", "100", "99", "200", "199", "1000000", "1000001", "600000000",
        "1000000000", "1000000001", "4294967297", "1e3", "1.0", "-1", "\\u0000", "\\ud800", "\""})
    @FuzzTest
    void requestBodies(byte[] body) {
        JsonNode said = said(body);
        checkLevel(body, said);
        checkStimulus(body, said);
    }

    private static void checkLevel(byte[] body, JsonNode said) {
        int level;
        try {
            level = ApiRequests.level(body);
        } catch (BadRequest e) {
            checkRefusal(body, e);
            return;
        }
        assertThat(level).isBetween(0, 1);
        assertThat(said).as("an accepted body is a JSON object").isNotNull();
        assertThat(fields(said)).containsExactly("level");
        JsonNode l = said.get("level");
        assertThat(l.isBoolean() ? (l.booleanValue() ? 1 : 0) : l.isIntegralNumber() ? l.asLong() : -1)
                .as("the level %s", l).isEqualTo((long) level);
    }

    private static void checkStimulus(byte[] body, JsonNode said) {
        Stimulus s;
        try {
            s = ApiRequests.stimulus(body);
        } catch (BadRequest e) {
            checkRefusal(body, e);
            return;
        }
        assertThat(said).as("an accepted body is a JSON object").isNotNull();
        assertThat(said.path("kind").asText()).isEqualTo(s.kind());
        switch (s) {
            case Stimulus.Pulse p -> {
                assertThat(fields(said)).isSubsetOf("kind", "widthUs");
                assertThat(p.width()).isEqualTo(micros(said, "widthUs", 100_000));
                checkStep(p.width());
                assertThat(p.width()).isLessThanOrEqualTo(Stimulus.MAX_LENGTH);
            }
            case Stimulus.Toggles t -> {
                assertThat(fields(said)).contains("count").isSubsetOf("kind", "count", "intervalUs");
                assertThat((long) t.count()).isEqualTo(said.get("count").asLong()).isBetween(1L, 1_000_000L);
                assertThat(t.interval()).isEqualTo(micros(said, "intervalUs", 100_000));
                checkStep(t.interval());
                assertThat(t.interval().multipliedBy(t.count() - 1L)).isLessThanOrEqualTo(Stimulus.MAX_LENGTH);
            }
            case Stimulus.Square q -> {
                assertThat(fields(said)).contains("periodUs").isSubsetOf("kind", "periodUs", "cycles");
                assertThat(q.period()).isEqualTo(micros(said, "periodUs", -1));
                assertThat((long) q.cycles()).isEqualTo(said.has("cycles") ? said.get("cycles").asLong() : 0)
                        .isBetween(0L, 1_000_000L);
                checkStep(q.period().dividedBy(2));
                if (q.cycles() > 0) {
                    assertThat(q.period().multipliedBy(q.cycles())).isLessThanOrEqualTo(Stimulus.MAX_LENGTH);
                }
            }
        }
    }

    private static void checkRefusal(byte[] body, BadRequest e) {
        assertThat(e.getMessage()).as("the message of %s", e).isNotBlank();
        assertThat(e.status()).as("the status of %s", e.getMessage())
                .isEqualTo(body.length > ApiRequests.MAX_BODY ? 413 : 400);
    }

    private static void checkStep(Duration step) {
        assertThat(step).isBetween(Stimulus.MIN_STEP, Stimulus.MAX_LENGTH);
    }

    /** The field in microseconds as the body gives it (a whole number), or {@code fallback} microseconds. */
    private static Duration micros(JsonNode o, String field, long fallback) {
        JsonNode n = o.get(field);
        if (n == null) {
            assertThat(fallback).as("\"%s\" is required", field).isNotNegative();
            return Duration.ofNanos(fallback * 1000);
        }
        assertThat(n.isIntegralNumber()).as("\"%s\": %s is a whole number", field, n).isTrue();
        return Duration.ofNanos(n.asLong() * 1000);
    }

    /** What the body says, as a lenient reader reads it: the object, or null if it is not one. */
    private static JsonNode said(byte[] body) {
        try {
            JsonNode n = PLAIN.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Set<String> fields(JsonNode o) {
        Set<String> names = new TreeSet<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
