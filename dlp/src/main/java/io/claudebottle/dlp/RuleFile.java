package io.claudebottle.dlp;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads rule files: YAML with a top-level {@code rules:} list of {@link Rule} fields. */
public final class RuleFile {
    private static final Set<String> KEYS = Set.of("id", "description", "regex", "keywords", "min_entropy", "secret_group");
    private static final String BUILT_IN = "rules.yaml";
    private static volatile List<Rule> builtIn;

    private RuleFile() {}

    /** The built-in rule set shipped in this module. */
    public static List<Rule> builtIn() {
        List<Rule> rules = builtIn;
        if (rules == null) {
            try (InputStream in = RuleFile.class.getResourceAsStream(BUILT_IN)) {
                if (in == null) throw new IllegalStateException("built-in DLP rules resource " + BUILT_IN + " is missing from the classpath");
                byte[] bytes = in.readAllBytes();
                RuleCache cache = RuleCache.configured();
                String key = cache == null ? null : RuleCache.key(bytes);
                rules = cache == null ? null : cache.load(key);
                if (rules == null) {
                    rules = parse(new String(bytes, StandardCharsets.UTF_8), "built-in " + BUILT_IN);
                    if (cache != null) cache.store(key, rules);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            builtIn = rules;
        }
        return rules;
    }

    /** Loads a rule file; errors name the file, the rule and the fix. */
    public static List<Rule> load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Parses rule-file YAML; {@code source} names it in error messages. */
    public static List<Rule> parse(String yaml, String source) {
        Object doc;
        try {
            LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(0)
                    .setLabel(source).build();
            doc = new Load(settings).loadFromString(yaml);
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> top) || !(top.get("rules") instanceof List<?> list)) {
            throw new IllegalArgumentException(source + ": expected a top-level 'rules:' list");
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = source + ": rules[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new IllegalArgumentException(where + ": expected a mapping with id and regex");
            Rule rule = fromMap(m, where);
            if (!ids.add(rule.id())) throw new IllegalArgumentException(where + ": duplicate rule id '" + rule.id() + "'");
            rules.add(rule);
        }
        return List.copyOf(rules);
    }

    /** Builds a rule from a parsed mapping (rule files and the manifest's {@code dlp.rules}). */
    public static Rule fromMap(Map<?, ?> m, String where) {
        for (Object key : m.keySet()) {
            if (!KEYS.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'; allowed keys are " + new java.util.TreeSet<>(KEYS));
            }
        }
        String id = string(m, "id", where, true);
        String at = where + " (" + id + ")";
        List<String> keywords = new ArrayList<>();
        Object kw = m.get("keywords");
        if (kw instanceof List<?> l) {
            for (Object k : l) keywords.add(String.valueOf(k));
        } else if (kw != null) {
            throw new IllegalArgumentException(at + ": 'keywords' must be a list of strings");
        }
        double entropy = 0;
        if (m.get("min_entropy") instanceof Number n) entropy = n.doubleValue();
        else if (m.get("min_entropy") != null) throw new IllegalArgumentException(at + ": 'min_entropy' must be a number");
        int group = 0;
        if (m.get("secret_group") instanceof Integer g) group = g;
        else if (m.get("secret_group") != null) throw new IllegalArgumentException(at + ": 'secret_group' must be an integer");
        try {
            return new Rule(id, string(m, "description", at, false), string(m, "regex", at, true), keywords, entropy, group);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String string(Map<?, ?> m, String key, String where, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) throw new IllegalArgumentException(where + ": missing '" + key + "'");
            return "";
        }
        if (!(v instanceof String s)) throw new IllegalArgumentException(where + ": '" + key + "' must be a string (quote it)");
        return s;
    }
}
