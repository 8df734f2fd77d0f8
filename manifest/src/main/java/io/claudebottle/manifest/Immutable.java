package io.claudebottle.manifest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Order-preserving immutable copies (Map.copyOf would lose the manifest's order). */
final class Immutable {
    private Immutable() {}

    static <K, V> Map<K, V> map(Map<K, V> source) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(source));
    }
}
