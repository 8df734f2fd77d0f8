package io.claudebottle.egress;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * JSON text of plain values — maps (keys written as strings), iterables, strings, numbers, booleans
 * and null — written with jackson-core's generator alone. The sidecar JVM writes all its JSON (audit
 * lines, refusals, health) this way and never builds a databind {@code ObjectMapper}: one costs about
 * 5.5 MB of class metadata for the rest of the process and, without the image's AOT cache, about
 * 0.3 s of interpreted start-up in the sidecar's C2-only JVM. Any other type is a programming error
 * and is refused.
 */
public final class PlainJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private PlainJson() {}

    /** The JSON text of {@code value}, on one line. */
    public static String text(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
            write(g, value);
        }
        return out.toString();
    }

    /** A UTF-8 generator writing to {@code out}. */
    static JsonGenerator generator(OutputStream out) {
        return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
    }

    static void write(JsonGenerator g, Object value) {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Boolean b -> g.writeBoolean(b);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case BigInteger b -> g.writeNumber(b);
            case BigDecimal b -> g.writeNumber(b);
            case Short s -> g.writeNumber(s);
            case Byte b -> g.writeNumber(b);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Iterable<?> items -> {
                g.writeStartArray();
                for (Object item : items) write(g, item);
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("cannot write a " + value.getClass().getName()
                    + " as plain JSON; pass a String, number, boolean, Map or List");
        }
    }
}
