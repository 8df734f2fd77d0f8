package io.claudebottle.dlp;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The true/false-positive vectors resource, one entry per built-in rule. */
record Vectors(String id, List<String> truePositives, List<String> falsePositives) {
    static List<Vectors> all() {
        try (InputStream in = Vectors.class.getResourceAsStream("vectors.yaml")) {
            Map<?, ?> doc = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
            List<Vectors> out = new ArrayList<>();
            for (Object o : (List<?>) doc.get("vectors")) {
                Map<?, ?> m = (Map<?, ?>) o;
                out.add(new Vectors((String) m.get("id"), strings(m.get("tp")), strings(m.get("fp"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> strings(Object o) {
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }
}
