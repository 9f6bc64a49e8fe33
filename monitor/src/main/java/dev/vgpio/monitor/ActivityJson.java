package dev.vgpio.monitor;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vgpio.control.LineStatus;
import dev.vgpio.protocol.IrqType;
import dev.vgpio.protocol.MessageType;
import java.io.IOException;
import java.util.Locale;

/**
 * The JSON form of activity and line views, the one the event stream, the HTTP API and JSON-lines traces share
 * (docs/http-api.md describes each field). Written with Jackson's streaming generator: no tree, no reflection.
 */
public final class ActivityJson {
    private ActivityJson() {
    }

    /** The word for an interrupt type: {@code none}, {@code edge-rising}, ..., {@code level-low}. */
    public static String word(IrqType t) {
        return t.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The word for who drives a line: {@code guest}, {@code host} or {@code nobody}. */
    public static String word(LineStatus.Driver d) {
        return d.name().toLowerCase(Locale.ROOT);
    }

    /** A message type's name as the spec writes it ({@code SET_VALUE}), or {@code type N} for an unknown one. */
    public static String typeName(int code) {
        MessageType t = MessageType.fromCode(code);
        return t == null ? "type " + code : t.name();
    }

    /** The {@code kind} field of {@code a}'s JSON form: {@code request}, {@code line}, {@code edge}, ... */
    public static String kind(Activity a) {
        return switch (a) {
            case Activity.Request r -> "request";
            case Activity.Interrupt i -> "interrupt";
            case Activity.Unmask u -> "unmask";
            case Activity.Edge e -> "edge";
            case Activity.Driven d -> "driven";
            case Activity.Filtered f -> "filtered";
            case Activity.Reset r -> "reset";
            case Activity.Detached d -> "detached";
            case Activity.StimulusChanged c -> "stimulus";
            case Activity.LineChanged c -> "line";
            case Activity.Dropped d -> "dropped";
        };
    }

    /** Every {@link #kind}, in the order the docs list them. */
    public static final java.util.List<String> KINDS = java.util.List.of("request", "interrupt", "unmask", "edge",
            "driven", "filtered", "reset", "detached", "stimulus", "line", "dropped");

    /** Writes {@code v}'s fields into the object {@code g} has open. */
    public static void fields(JsonGenerator g, LineView v) throws IOException {
        g.writeNumberField("line", v.offset());
        g.writeStringField("name", v.name());
        g.writeBooleanField("simulated", v.simulated());
        g.writeStringField("direction", LineStatus.word(v.direction()));
        g.writeNumberField("level", v.level());
        g.writeStringField("driver", word(v.driver()));
        g.writeStringField("irqType", word(v.irqType()));
        g.writeBooleanField("masked", v.masked());
        g.writeBooleanField("latched", v.latched());
        g.writeNumberField("requests", v.requests());
        g.writeNumberField("errors", v.errors());
        g.writeNumberField("edges", v.edges());
        g.writeNumberField("interrupts", v.interrupts());
        g.writeStringField("bias", v.bias().label());
        g.writeStringField("drive", v.drive().label());
        g.writeNumberField("debounceMicros", v.debounceMicros());
    }

    /** Writes {@code v} as one object. */
    public static void write(JsonGenerator g, LineView v) throws IOException {
        g.writeStartObject();
        fields(g, v);
        g.writeEndObject();
    }

    /** Writes {@code a} as one object: {@code t}, {@code device}, {@code kind} and the kind's own fields. */
    public static void write(JsonGenerator g, Activity a) throws IOException {
        g.writeStartObject();
        g.writeNumberField("t", a.nanos());
        g.writeStringField("device", a.device());
        switch (a) {
            case Activity.Request r -> {
                kind(g, "request", r.line(), r.name());
                g.writeStringField("type", typeName(r.type()));
                g.writeNumberField("value", r.value());
                g.writeBooleanField("ok", r.ok());
                if (r.ok()) {
                    g.writeNumberField("response", r.response());
                } else {
                    g.writeStringField("refusal", r.refusal());
                }
            }
            case Activity.Interrupt i -> {
                kind(g, "interrupt", i.line(), i.name());
                g.writeBooleanField("valid", i.valid());
            }
            case Activity.Unmask u -> {
                kind(g, "unmask", u.line(), u.name());
                g.writeBooleanField("refused", u.refused());
            }
            case Activity.Edge e -> {
                kind(g, "edge", e.line(), e.name());
                g.writeBooleanField("rising", e.rising());
            }
            case Activity.Driven d -> {
                kind(g, "driven", d.line(), d.name());
                g.writeNumberField("level", d.level());
            }
            case Activity.Filtered f -> {
                kind(g, "filtered", f.line(), f.name());
                g.writeNumberField("level", f.level());
                g.writeNumberField("widthMicros", f.widthMicros());
            }
            case Activity.Reset r -> {
                g.writeStringField("kind", "reset");
                g.writeNumberField("enabled", r.enabled());
            }
            case Activity.Detached d -> g.writeStringField("kind", "detached");
            case Activity.StimulusChanged c -> {
                kind(g, "stimulus", c.line(), c.name());
                if (c.stimulus() == null) {
                    g.writeNullField("stimulus");
                } else {
                    g.writeStringField("stimulus", c.stimulus());
                }
            }
            case Activity.LineChanged c -> {
                g.writeStringField("kind", "line");
                fields(g, c.line());
            }
            case Activity.Dropped d -> {
                g.writeStringField("kind", "dropped");
                g.writeNumberField("count", d.count());
            }
        }
        g.writeEndObject();
    }

    private static void kind(JsonGenerator g, String kind, int line, String name) throws IOException {
        g.writeStringField("kind", kind);
        g.writeNumberField("line", line);
        g.writeStringField("name", name);
    }
}
