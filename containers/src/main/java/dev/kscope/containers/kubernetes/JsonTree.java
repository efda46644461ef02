package dev.kscope.containers.kubernetes;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON (or YAML) as maps, lists, strings, numbers and booleans, read with Jackson's streaming parser: a kubeconfig
 * or an API list read this way needs none of Jackson's data binding, whose set-up alone costs a cold JVM more than
 * decoding a cluster's objects. Fields naming never reads (a pod's containers, managed fields…) are skipped unread.
 */
final class JsonTree {
    /** The bulk of a real cluster's objects, and nothing naming needs. */
    private static final Set<String> SKIPPED = Set.of("managedFields", "annotations", "containers", "initContainers", "ephemeralContainers",
            "volumes", "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses", "conditions", "affinity", "tolerations");

    private JsonTree() {
    }

    /** The value starting at the parser's next token, or null at the end of the input. */
    static Object read(JsonParser parser) throws IOException {
        return parser.nextToken() == null ? null : value(parser);
    }

    private static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                var map = new LinkedHashMap<String, Object>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    var name = p.currentName();
                    p.nextToken();
                    if (SKIPPED.contains(name)) p.skipChildren();
                    else map.put(name, value(p));
                }
                yield map;
            }
            case START_ARRAY -> {
                var list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) list.add(value(p));
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> null;
        };
    }

    /** The value at {@code path} in nested objects, or null. */
    static Object at(Object node, String... path) {
        for (var key : path) node = node instanceof Map<?, ?> map ? map.get(key) : null;
        return node;
    }

    static List<?> array(Object node) {
        return node instanceof List<?> list ? list : List.of();
    }

    static String text(Object node) {
        return node instanceof String s ? s : null;
    }

    static List<String> texts(List<?> values) {
        return values.stream().map(JsonTree::text).filter(v -> v != null).toList();
    }
}
