package io.claudebottle.sidecar;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads JSON text into a {@link JsonNode} tree with jackson-core's parser and the node factory, as
 * {@code ObjectMapper.readTree} would (a repeated key keeps its last value, integers become int, long
 * or big-integer nodes, other numbers doubles; content after the top-level value is refused), without
 * building a databind mapper in the sidecar JVM (see {@code PlainJson}).
 */
final class JsonTreeReader {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTreeReader() {}

    /** The tree of {@code json}, or null when it holds no value at all. */
    static JsonNode read(String json) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonToken first = p.nextToken();
            if (first == null) return null;
            JsonNode root = value(p, first);
            if (p.nextToken() != null) {
                throw new StreamReadException(p, "unexpected content after the top-level value");
            }
            return root;
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t) {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                for (String name = p.nextName(); name != null; name = p.nextName()) {
                    object.set(name, value(p, p.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
                    array.add(value(p, item));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.stringNode(p.getString());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new StreamReadException(p, "unexpected JSON token " + t);
        };
    }
}
