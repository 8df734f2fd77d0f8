package io.claudebottle.sidecar;

import io.claudebottle.credproxy.Route;
import io.claudebottle.dlp.Rule;
import io.claudebottle.gitgate.GitGateRepo;
import io.claudebottle.gitgate.GitGateSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's configuration: the JSON file the launcher writes (schema in the README, section
 * "bottle sidecar"). Tokens are never in it: services read them from the process environment.
 * Unknown keys are errors, so a typo cannot silently switch a protection off ({@link ConfigTree}
 * reads the JSON tree into these records).
 *
 * @param bottle      the bottle's name; it appears in the CA's subject
 * @param bind        address every service listens on
 * @param auditLog    the JSON-lines audit file shared by all services
 * @param caCertFile  where the per-bottle CA certificate (PEM) is written; never the key
 * @param supervise   the health/control endpoint
 * @param egress      the egress proxy; absent means no egress service
 * @param credProxy   the cred-proxy; absent means no cred-proxy (it needs the egress service)
 * @param gitGate     the git-gate; absent or without repos means no git-gate
 * @param dns         the DNS sink the agent's resolver points at; absent means none
 */
public record SidecarConfig(String bottle, String bind, Path auditLog, Path caCertFile,
                            Supervise supervise, Egress egress, CredProxy credProxy, GitGate gitGate, Dns dns) {

    public SidecarConfig {
        if (bottle == null || bottle.isBlank()) throw new IllegalArgumentException("\"bottle\" is required (the bottle's name)");
        bind = bind == null ? "127.0.0.1" : bind;
        if (auditLog == null) throw new IllegalArgumentException("\"auditLog\" is required (path of the audit JSON-lines file)");
        if (caCertFile == null) throw new IllegalArgumentException("\"caCertFile\" is required (where to write the CA certificate)");
        supervise = supervise == null ? new Supervise(0) : supervise;
    }

    /** {@code "supervise": {"port": 9100}} */
    public record Supervise(int port) {
        public Supervise {
            checkPort("supervise.port", port);
        }
    }

    /** {@code "dns": {"port": 53}}: a sink that answers every query REFUSED and audits the name. */
    public record Dns(int port) {
        public Dns {
            checkPort("dns.port", port);
        }
    }

    /** The egress proxy's section; lists default to empty. */
    public record Egress(int port, List<String> allowlist, List<String> passthrough, List<String> allowAddresses,
                         Map<String, List<String>> dlpExempt, List<DlpRule> dlpRules, List<String> dlpAllow,
                         List<Path> extraTrustedCaFiles) {
        public Egress {
            checkPort("egress.port", port);
            allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
            passthrough = passthrough == null ? List.of() : List.copyOf(passthrough);
            allowAddresses = allowAddresses == null ? List.of() : List.copyOf(allowAddresses);
            dlpExempt = dlpExempt == null ? Map.of() : Map.copyOf(dlpExempt);
            dlpRules = dlpRules == null ? List.of() : List.copyOf(dlpRules);
            dlpAllow = dlpAllow == null ? List.of() : List.copyOf(dlpAllow);
            extraTrustedCaFiles = extraTrustedCaFiles == null ? List.of() : List.copyOf(extraTrustedCaFiles);
        }
    }

    /** {@code "credProxy": {"port": 9099, "routes": [...]}}; tokens are read from the environment, never from here. */
    public record CredProxy(int port, List<CredProxyRoute> routes) {
        public CredProxy {
            checkPort("credProxy.port", port);
            routes = routes == null ? List.of() : List.copyOf(routes);
        }

        /** The routes, validated (errors name the route and the field). */
        public List<Route> toRoutes() {
            return routes.stream().map(CredProxyRoute::toRoute).toList();
        }
    }

    /** One cred-proxy route (snake_case spellings accepted too); {@code role} is optional. */
    public record CredProxyRoute(String path, String upstream, String authScheme,
                                 String tokenRef, String role) {
        public Route toRoute() {
            try {
                return Route.of(path, upstream, authScheme, tokenRef, role);
            } catch (NullPointerException e) {
                throw new IllegalArgumentException("credProxy.routes: route " + path + " lacks \"" + e.getMessage()
                        + "\" (path, upstream, authScheme and tokenRef are required)", e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("credProxy.routes: " + e.getMessage(), e);
            }
        }
    }

    /** {@code "gitGate": {"port": 9418, "stateDir": "...", "repos": [...]}}: one mirror per manifest {@code git:} entry. */
    public record GitGate(int port, Path stateDir, List<GitRepo> repos) {
        public GitGate {
            checkPort("gitGate.port", port);
            repos = repos == null ? List.of() : List.copyOf(repos);
        }

        /** The gate's settings, validated (errors name the repo and the field). */
        public GitGateSettings toSettings(String bind) {
            if (stateDir == null) throw new IllegalArgumentException("\"gitGate.stateDir\" is required (where mirrors are kept)");
            List<GitGateRepo> gateRepos = new ArrayList<>();
            for (int i = 0; i < repos.size(); i++) {
                try {
                    gateRepos.add(repos.get(i).toRepo());
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw new IllegalArgumentException("gitGate.repos[" + i + "]: " + e.getMessage(), e);
                }
            }
            return new GitGateSettings(bind, port, stateDir, gateRepos);
        }
    }

    /** One mirrored upstream (a manifest {@code git:} entry); {@code extraHosts} and {@code forbidForcePush} are optional. */
    public record GitRepo(String name, String upstream, Path identityFile, String knownHostKey,
                          Map<String, String> extraHosts, Boolean forbidForcePush) {
        GitGateRepo toRepo() {
            return new GitGateRepo(name, upstream, identityFile, knownHostKey, extraHosts, Boolean.TRUE.equals(forbidForcePush));
        }
    }

    /** A DLP rule, same fields as the rule file (snake_case spellings accepted too). */
    public record DlpRule(String id, String description, String regex, List<String> keywords,
                          Double minEntropy, Integer secretGroup) {
        public Rule toRule() {
            return new Rule(id, description, regex, keywords, minEntropy == null ? 0 : minEntropy,
                    secretGroup == null ? 0 : secretGroup);
        }
    }

    private static void checkPort(String key, int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("\"" + key + "\" must be 0-65535 (0 = any free port), got " + port);
    }

    /** Reads and validates {@code file}; errors name the file and the key. */
    public static SidecarConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("sidecar config " + file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static SidecarConfig parse(String json, String source) {
        try {
            JsonNode root = JsonTreeReader.read(json);
            if (root == null || root.isNull()) throw new IllegalArgumentException("empty");
            SidecarConfig c = ConfigTree.config(root);
            if (c.egress() != null) c.egress().dlpRules().forEach(DlpRule::toRule);
            if (c.credProxy() != null) c.credProxy().toRoutes();
            if (c.gitGate() != null) c.gitGate().toSettings(c.bind());
            return c;
        } catch (JacksonException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException("sidecar config " + source + ": not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sidecar config " + source + ": " + e.getMessage(), e);
        }
    }
}
