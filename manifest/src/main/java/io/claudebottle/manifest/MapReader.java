package io.claudebottle.manifest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one YAML mapping against a schema: typed getters that report wrong types, required keys,
 * and unknown keys with a "did you mean" suggestion. {@code path} names the mapping in messages
 * (e.g. {@code git[0]}); it is empty for the top level of a file.
 */
final class MapReader {
    private final YNode.Map map;
    private final String path;
    private final String owner;
    private final Problems problems;
    private final java.util.Map<String, YNode.Entry> entries = new LinkedHashMap<>();

    private MapReader(YNode.Map map, String path, String owner, Problems problems) {
        this.map = map;
        this.path = path;
        this.owner = owner;
        this.problems = problems;
        for (YNode.Entry entry : map.entries()) {
            entries.put(entry.key().value(), entry);
        }
    }

    /** Top level of a file; {@code owner} is "bottle" or "agent". */
    static MapReader top(YNode.Map map, String owner, Problems problems) {
        return new MapReader(map, "", owner, problems);
    }

    /** Reads {@code node} as a mapping named {@code path}, or reports the wrong type. */
    static Optional<MapReader> of(YNode node, String path, Problems problems) {
        if (node instanceof YNode.Map m) {
            return Optional.of(new MapReader(m, path, "`" + path + "`", problems));
        }
        wrongType(node, path, "a mapping (key: value lines)", problems);
        return Optional.empty();
    }

    Position at() {
        return map.at();
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Reports every key not in {@code allowed}; {@code ignored} keys are accepted silently. */
    void rejectUnknownKeys(List<String> allowed, Set<String> ignored) {
        for (YNode.Entry entry : map.entries()) {
            String key = entry.key().value();
            if (allowed.contains(key) || ignored.contains(key)) {
                continue;
            }
            List<String> candidates = new ArrayList<>(allowed);
            candidates.addAll(ignored);
            String fix = DidYouMean.closest(key, candidates)
                    .map(s -> "did you mean `" + s + "`?")
                    .orElse("allowed keys: " + String.join(", ", allowed));
            problems.error(entry.key().at(), "unknown key `" + key + "` in " + owner + "; " + fix);
        }
    }

    /** The value of {@code key}, absent if missing or written as null. */
    Optional<YNode> value(String key) {
        YNode.Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.value() instanceof YNode.Scalar s
                && (s.kind() == YNode.Scalar.Kind.NULL || s.kind() == YNode.Scalar.Kind.INVALID)) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    Position keyAt(String key) {
        YNode.Entry entry = entries.get(key);
        return entry == null ? map.at() : entry.key().at();
    }

    /** Reports {@code key} missing unless present (a null or invalid value counts as present but reported). */
    boolean require(String key, String whatItIs) {
        if (value(key).isPresent()) {
            return true;
        }
        YNode.Entry entry = entries.get(key);
        if (entry != null && entry.value() instanceof YNode.Scalar s && s.kind() == YNode.Scalar.Kind.INVALID) {
            return false;
        }
        String subject = path.isEmpty() ? owner : "`" + path + "`";
        if (entry != null) {
            problems.error(entry.value().at(), "`" + path(key) + "` is empty; give it " + whatItIs);
        } else {
            problems.error(map.at(), subject + " is missing required key `" + key + "`: " + whatItIs);
        }
        return false;
    }

    Optional<YNode.Scalar> string(String key) {
        return value(key).flatMap(node -> asString(node, path(key), problems));
    }

    Optional<Boolean> bool(String key) {
        Optional<YNode> node = value(key);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (node.get() instanceof YNode.Scalar s && s.kind() == YNode.Scalar.Kind.BOOL) {
            return Optional.of(Boolean.parseBoolean(s.value()));
        }
        wrongType(node.get(), path(key), "true or false", problems);
        return Optional.empty();
    }

    Optional<YNode.Scalar> number(String key, boolean integer) {
        Optional<YNode> node = value(key);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (node.get() instanceof YNode.Scalar s
                && (s.kind() == YNode.Scalar.Kind.INT || (!integer && s.kind() == YNode.Scalar.Kind.FLOAT))) {
            return Optional.of(s);
        }
        wrongType(node.get(), path(key), integer ? "a whole number" : "a number", problems);
        return Optional.empty();
    }

    /** A list value; a missing key reads as an empty list. */
    List<YNode> list(String key) {
        Optional<YNode> node = value(key);
        if (node.isEmpty()) {
            return List.of();
        }
        if (node.get() instanceof YNode.Seq seq) {
            return seq.items();
        }
        wrongType(node.get(), path(key), "a list", problems);
        return List.of();
    }

    /** A list of strings; each non-string item is reported and skipped, with its index. */
    List<YNode.Scalar> strings(String key) {
        List<YNode> items = list(key);
        List<YNode.Scalar> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            asString(items.get(i), path(key) + "[" + i + "]", problems).ifPresent(result::add);
        }
        return result;
    }

    Optional<MapReader> map(String key) {
        return value(key).flatMap(node -> of(node, path(key), problems));
    }

    /** The key/value pairs of a free-form mapping (env, ExtraHosts, dlp_exempt). */
    List<YNode.Entry> entries() {
        return map.entries();
    }

    static Optional<YNode.Scalar> asString(YNode node, String path, Problems problems) {
        if (node instanceof YNode.Scalar s) {
            switch (s.kind()) {
                case STRING -> { return Optional.of(s); }
                case INVALID -> { return Optional.empty(); }
                default -> { }
            }
        }
        wrongType(node, path, "a string", problems);
        return Optional.empty();
    }

    static void wrongType(YNode node, String path, String expected, Problems problems) {
        if (node instanceof YNode.Scalar s && s.kind() == YNode.Scalar.Kind.INVALID) {
            return;
        }
        String fix = node instanceof YNode.Scalar s && s.kind() != YNode.Scalar.Kind.NULL && expected.equals("a string")
                ? "; quote it: \"" + s.value() + "\""
                : "";
        problems.error(node.at(), "`" + path + "` must be " + expected + ", found " + node.describe() + fix);
    }
}
