package io.claudebottle.sidecar;

import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The sidecar config's JSON tree read into its records by hand. Jackson's record binding built a
 * deserializer per record type on every sidecar start: 230-360 ms of the container's start, before
 * the CA (its JVM runs C2 only, so start-up code is interpreted). Unknown keys are errors at every
 * level, as they were, and every error names the key.
 */
final class ConfigTree {

    private ConfigTree() {
    }

    static SidecarConfig config(JsonNode root) {
        Fields f = new Fields(root, "", Set.of("bottle", "bind", "auditLog", "caCertFile", "supervise", "egress",
                "credProxy", "gitGate", "dns"));
        return new SidecarConfig(f.string("bottle"), f.string("bind"), f.path("auditLog"), f.path("caCertFile"),
                f.object("supervise", (n, at) -> new SidecarConfig.Supervise(new Fields(n, at, Set.of("port")).integer("port"))),
                f.object("egress", ConfigTree::egress), f.object("credProxy", ConfigTree::credProxy),
                f.object("gitGate", ConfigTree::gitGate),
                f.object("dns", (n, at) -> new SidecarConfig.Dns(new Fields(n, at, Set.of("port")).integer("port"))));
    }

    private static SidecarConfig.Egress egress(JsonNode node, String at) {
        Fields f = new Fields(node, at, Set.of("port", "allowlist", "passthrough", "allowAddresses", "dlpExempt",
                "dlpRules", "dlpAllow", "extraTrustedCaFiles"));
        Map<String, List<String>> exempt = f.map("dlpExempt", Fields::stringList);
        return new SidecarConfig.Egress(f.integer("port"), f.strings("allowlist"), f.strings("passthrough"),
                f.strings("allowAddresses"), exempt, f.list("dlpRules", ConfigTree::dlpRule), f.strings("dlpAllow"),
                f.list("extraTrustedCaFiles", (n, a) -> Path.of(Fields.text(n, a))));
    }

    private static SidecarConfig.DlpRule dlpRule(JsonNode node, String at) {
        Fields f = new Fields(node, at, Set.of("id", "description", "regex", "keywords", "minEntropy", "min_entropy",
                "secretGroup", "secret_group"));
        return new SidecarConfig.DlpRule(f.string("id"), f.string("description"), f.string("regex"), f.strings("keywords"),
                f.decimal("minEntropy", "min_entropy"), f.optionalInteger("secretGroup", "secret_group"));
    }

    private static SidecarConfig.CredProxy credProxy(JsonNode node, String at) {
        Fields f = new Fields(node, at, Set.of("port", "routes"));
        return new SidecarConfig.CredProxy(f.integer("port"), f.list("routes", (n, a) -> {
            Fields r = new Fields(n, a, Set.of("path", "upstream", "authScheme", "auth_scheme", "tokenRef", "token_ref", "role"));
            return new SidecarConfig.CredProxyRoute(r.string("path"), r.string("upstream"), r.string("authScheme", "auth_scheme"),
                    r.string("tokenRef", "token_ref"), r.string("role"));
        }));
    }

    private static SidecarConfig.GitGate gitGate(JsonNode node, String at) {
        Fields f = new Fields(node, at, Set.of("port", "stateDir", "repos"));
        return new SidecarConfig.GitGate(f.integer("port"), f.path("stateDir"), f.list("repos", (n, a) -> {
            Fields r = new Fields(n, a, Set.of("name", "upstream", "identityFile", "knownHostKey", "extraHosts", "forbidForcePush"));
            return new SidecarConfig.GitRepo(r.string("name"), r.string("upstream"), r.path("identityFile"),
                    r.string("knownHostKey"), r.map("extraHosts", Fields::text), r.bool("forbidForcePush"));
        }));
    }

    /** One JSON object's fields, its unknown keys refused; {@code at} is its path for errors. */
    private record Fields(JsonNode node, String at) {

        Fields(JsonNode node, String at, Set<String> known) {
            this(node, at);
            if (!node.isObject()) {
                throw new IllegalArgumentException(where(at) + " must be an object");
            }
            for (String key : node.propertyNames()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown key \"" + key + "\" at " + where(at)
                            + "; known keys: " + known.stream().sorted().toList());
                }
            }
        }

        private static String where(String at) {
            return at.isEmpty() ? "the top level" : "\"" + at + "\"";
        }

        private String key(String name) {
            return at.isEmpty() ? name : at + "." + name;
        }

        /** The first of {@code names} present and not null, else null. */
        private JsonNode value(String... names) {
            for (String name : names) {
                JsonNode v = node.get(name);
                if (v != null && !v.isNull()) {
                    return v;
                }
            }
            return null;
        }

        static String text(JsonNode v, String at) {
            if (!v.isString()) {
                throw new IllegalArgumentException("\"" + at + "\" must be a string");
            }
            return v.asString();
        }

        static List<String> stringList(JsonNode v, String at) {
            if (!v.isArray()) {
                throw new IllegalArgumentException("\"" + at + "\" must be a list");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(text(v.get(i), at + "[" + i + "]"));
            }
            return out;
        }

        String string(String... names) {
            JsonNode v = value(names);
            return v == null ? null : text(v, key(names[0]));
        }

        Path path(String name) {
            String s = string(name);
            return s == null ? null : Path.of(s);
        }

        List<String> strings(String name) {
            JsonNode v = value(name);
            return v == null ? null : stringList(v, key(name));
        }

        /** A port-like number: absent is 0, as an unset primitive; null is refused. */
        int integer(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                return 0;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new IllegalArgumentException("\"" + key(name) + "\" must be a whole number, got " + v);
            }
            return v.intValue();
        }

        Integer optionalInteger(String... names) {
            JsonNode v = value(names);
            if (v == null) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new IllegalArgumentException("\"" + key(names[0]) + "\" must be a whole number, got " + v);
            }
            return v.intValue();
        }

        Double decimal(String... names) {
            JsonNode v = value(names);
            if (v == null) {
                return null;
            }
            if (!v.isNumber()) {
                throw new IllegalArgumentException("\"" + key(names[0]) + "\" must be a number, got " + v);
            }
            return v.doubleValue();
        }

        Boolean bool(String name) {
            JsonNode v = value(name);
            if (v == null) {
                return null;
            }
            if (!v.isBoolean()) {
                throw new IllegalArgumentException("\"" + key(name) + "\" must be true or false, got " + v);
            }
            return v.booleanValue();
        }

        <T> T object(String name, BiFunction<JsonNode, String, T> read) {
            JsonNode v = value(name);
            return v == null ? null : read.apply(v, key(name));
        }

        <T> List<T> list(String name, BiFunction<JsonNode, String, T> read) {
            JsonNode v = value(name);
            if (v == null) {
                return null;
            }
            if (!v.isArray()) {
                throw new IllegalArgumentException("\"" + key(name) + "\" must be a list");
            }
            List<T> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(read.apply(v.get(i), key(name) + "[" + i + "]"));
            }
            return out;
        }

        <T> Map<String, T> map(String name, BiFunction<JsonNode, String, T> read) {
            JsonNode v = value(name);
            if (v == null) {
                return null;
            }
            if (!v.isObject()) {
                throw new IllegalArgumentException("\"" + key(name) + "\" must be an object");
            }
            Map<String, T> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                out.put(e.getKey(), read.apply(e.getValue(), key(name) + "." + e.getKey()));
            }
            return out;
        }
    }
}
