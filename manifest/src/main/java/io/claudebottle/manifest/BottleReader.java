package io.claudebottle.manifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Validates a bottle file's frontmatter against the bottle schema and builds the {@link Bottle}. */
final class BottleReader {
    static final List<String> TOP_KEYS = List.of("env", "git", "cred_proxy", "egress", "dlp");
    private static final List<String> GIT_KEYS =
            List.of("Name", "Upstream", "IdentityFile", "KnownHostKey", "ExtraHosts", "ForbidForcePush");
    private static final List<String> ROUTE_KEYS = List.of("path", "upstream", "auth_scheme", "token_ref", "role");
    private static final List<String> EGRESS_KEYS = List.of("allowlist", "passthrough", "allow_addresses", "dlp_exempt");
    private static final List<String> DLP_KEYS = List.of("rules", "allow");
    static final List<String> RULE_KEYS = List.of("id", "description", "regex", "keywords", "min_entropy", "secret_group");

    private final Problems problems;
    private final Path userHome;

    private BottleReader(Problems problems, Path userHome) {
        this.problems = problems;
        this.userHome = userHome;
    }

    /** Returns the bottle, or empty if the file has errors (all of them reported). */
    static Optional<Bottle> read(String name, Path source, YNode.Map root, String body, Path userHome, Problems problems) {
        return new BottleReader(problems, userHome).read(name, source, root, body);
    }

    private Optional<Bottle> read(String name, Path source, YNode.Map root, String body) {
        MapReader top = MapReader.top(root, "bottle", problems);
        top.rejectUnknownKeys(TOP_KEYS, Set.of());
        Map<String, String> env = env(top);
        List<GitUpstream> git = git(top);
        List<CredRoute> routes = top.map("cred_proxy").map(this::routes).orElse(List.of());
        EgressPolicy egress = top.map("egress").map(this::egress)
                .orElse(new EgressPolicy(DefaultEgress.HOSTS, List.of(), List.of(), Map.of()));
        DlpPolicy dlp = top.map("dlp").map(this::dlp).orElse(DlpPolicy.NONE);
        warnUnreachableRoutes(top, routes, egress);
        if (problems.hasErrors()) {
            return Optional.empty();
        }
        return Optional.of(new Bottle(name, source, body, env, git, routes, egress, dlp));
    }

    private Map<String, String> env(MapReader top) {
        Map<String, String> env = new LinkedHashMap<>();
        top.map("env").ifPresent(map -> {
            for (YNode.Entry entry : map.entries()) {
                String key = entry.key().value();
                if (!Checks.ENV_NAME.matcher(key).matches()) {
                    problems.error(entry.key().at(), "`env`: `" + key + "` is not an environment variable name; "
                            + "use letters, digits and _, not starting with a digit");
                    continue;
                }
                if (entry.value() instanceof YNode.Scalar s
                        && (s.kind() == YNode.Scalar.Kind.INT || s.kind() == YNode.Scalar.Kind.FLOAT)) {
                    env.put(key, s.value());
                    continue;
                }
                MapReader.asString(entry.value(), "env." + key, problems).ifPresent(v -> env.put(key, v.value()));
            }
        });
        return env;
    }

    private List<GitUpstream> git(MapReader top) {
        List<GitUpstream> result = new ArrayList<>();
        Map<String, Position> names = new HashMap<>();
        List<YNode> items = top.list("git");
        for (int i = 0; i < items.size(); i++) {
            String path = "git[" + i + "]";
            MapReader.of(items.get(i), path, problems).flatMap(entry -> gitUpstream(entry, path, names))
                    .ifPresent(result::add);
        }
        return result;
    }

    private Optional<GitUpstream> gitUpstream(MapReader entry, String path, Map<String, Position> names) {
        entry.rejectUnknownKeys(GIT_KEYS, Set.of());
        boolean complete = entry.require("Name", "the repository's name, e.g. Name: my-repo");
        complete &= entry.require("Upstream", "the SSH URL to mirror, e.g. Upstream: git@host:owner/repo.git");
        complete &= entry.require("IdentityFile", "the SSH private key to push with, e.g. IdentityFile: ~/.ssh/id_ed25519");
        Optional<YNode.Scalar> name = entry.string("Name");
        name.filter(n -> !Checks.GIT_NAME.matcher(n.value()).matches()).ifPresent(n -> problems.error(n.at(),
                "`" + path + ".Name`: `" + n.value() + "` is not a valid repo name; use lowercase letters, digits, "
                        + ". _ and -, starting with a letter or digit"));
        name.ifPresent(n -> {
            Position first = names.putIfAbsent(n.value(), n.at());
            if (first != null) {
                problems.error(n.at(), "`" + path + ".Name`: `" + n.value() + "` is already used at line "
                        + first.line() + "; give each upstream its own Name");
            }
        });
        Optional<YNode.Scalar> upstream = entry.string("Upstream");
        upstream.ifPresent(u -> Checks.sshUpstream(u.value())
                .ifPresent(p -> problems.error(u.at(), "`" + path + ".Upstream`: " + p)));
        Optional<Path> identity = entry.string("IdentityFile").flatMap(f -> identityFile(f, path));
        Optional<YNode.Scalar> hostKey = entry.string("KnownHostKey");
        hostKey.filter(k -> !Checks.isKnownHostKey(k.value())).ifPresent(k -> problems.error(k.at(),
                "`" + path + ".KnownHostKey`: must be `<key-type> <base64-key>` as in known_hosts, "
                        + "like ssh-ed25519 AAAAC3Nza...; get it with ssh-keyscan"));
        if (!entry.has("KnownHostKey")) {
            problems.warning(entry.at(), "`" + path + "` has no KnownHostKey, so the upstream's host key is not pinned; "
                    + "add one (ssh-keyscan prints it)");
        }
        Map<String, String> extraHosts = new LinkedHashMap<>();
        entry.map("ExtraHosts").ifPresent(hosts -> {
            for (YNode.Entry e : hosts.entries()) {
                String host = e.key().value().toLowerCase(Locale.ROOT);
                Checks.hostname(host).ifPresent(p -> problems.error(e.key().at(), "`" + path + ".ExtraHosts`: " + p));
                MapReader.asString(e.value(), path + ".ExtraHosts." + host, problems).ifPresent(ip -> {
                    if (Checks.isAddress(ip.value())) {
                        extraHosts.put(host, ip.value());
                    } else {
                        problems.error(ip.at(), "`" + path + ".ExtraHosts`: `" + ip.value()
                                + "` is not an IP address; write the address to pin " + host + " to, like 100.64.0.7");
                    }
                });
            }
        });
        boolean forbidForcePush = entry.bool("ForbidForcePush").orElse(false);
        if (!complete || name.isEmpty() || upstream.isEmpty() || identity.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new GitUpstream(name.get().value(), upstream.get().value(), identity.get(),
                hostKey.map(k -> k.value().strip()).orElse(null), extraHosts, forbidForcePush));
    }

    private Optional<Path> identityFile(YNode.Scalar value, String path) {
        String text = value.value();
        Path file;
        if (text.equals("~") || text.startsWith("~/")) {
            file = userHome.resolve(text.length() <= 2 ? "" : text.substring(2));
        } else {
            file = Path.of(text);
        }
        if (!file.isAbsolute()) {
            problems.error(value.at(), "`" + path + ".IdentityFile`: `" + text
                    + "` must be an absolute path or start with ~/");
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            problems.warning(value.at(), "`" + path + ".IdentityFile`: " + file
                    + " does not exist on this machine; the git-gate cannot push until it does");
        }
        return Optional.of(file);
    }

    private List<CredRoute> routes(MapReader credProxy) {
        credProxy.rejectUnknownKeys(List.of("routes"), Set.of());
        List<CredRoute> result = new ArrayList<>();
        Map<String, Integer> paths = new HashMap<>();
        List<YNode> items = credProxy.list("routes");
        for (int i = 0; i < items.size(); i++) {
            String path = "cred_proxy.routes[" + i + "]";
            int index = i;
            MapReader.of(items.get(i), path, problems).flatMap(r -> route(r, path)).ifPresent(route -> {
                Integer first = paths.putIfAbsent(route.path(), index);
                if (first != null) {
                    problems.error(items.get(index).at(), "`" + path + ".path`: `" + route.path()
                            + "` is already routed by routes[" + first + "]; give each route its own path");
                }
                result.add(route);
            });
        }
        return result;
    }

    private Optional<CredRoute> route(MapReader route, String path) {
        route.rejectUnknownKeys(ROUTE_KEYS, Set.of());
        boolean complete = route.require("path", "the path prefix the agent dials, e.g. path: /anthropic/");
        complete &= route.require("upstream", "the https:// URL requests are forwarded to");
        complete &= route.require("token_ref", "the name of the host environment variable holding the token");
        Optional<YNode.Scalar> prefix = route.string("path");
        boolean valid = prefix.map(p -> report(p, path + ".path", Checks.routePath(p.value()))).orElse(false);
        Optional<YNode.Scalar> upstream = route.string("upstream");
        valid &= upstream.map(u -> report(u, path + ".upstream", Checks.httpsUpstream(u.value()))).orElse(false);
        Optional<YNode.Scalar> tokenRef = route.string("token_ref");
        valid &= tokenRef.map(t -> report(t, path + ".token_ref", Checks.ENV_NAME.matcher(t.value()).matches()
                ? Optional.empty()
                : Optional.of("`" + t.value() + "` is not an environment variable name; use letters, digits and _, "
                        + "not starting with a digit, like GH_PAT"))).orElse(false);
        Optional<YNode.Scalar> scheme = route.string("auth_scheme");
        valid &= scheme.map(s -> report(s, path + ".auth_scheme", Checks.AUTH_SCHEME.matcher(s.value()).matches()
                ? Optional.empty()
                : Optional.of("`" + s.value() + "` is not an HTTP auth scheme; write one word like Bearer or token")))
                .orElse(true);
        CredRoute.Role role = null;
        Optional<YNode.Scalar> roleName = route.string("role");
        if (roleName.isPresent()) {
            Optional<CredRoute.Role> parsed = CredRoute.Role.fromManifestName(roleName.get().value());
            if (parsed.isPresent()) {
                role = parsed.get();
            } else {
                List<String> roles = java.util.Arrays.stream(CredRoute.Role.values()).map(CredRoute.Role::manifestName).toList();
                String fix = DidYouMean.closest(roleName.get().value(), roles).map(s -> "did you mean `" + s + "`?")
                        .orElse("roles: " + String.join(", ", roles));
                problems.error(roleName.get().at(), "`" + path + ".role`: unknown role `" + roleName.get().value() + "`; " + fix);
                valid = false;
            }
        }
        if (!complete || !valid) {
            return Optional.empty();
        }
        return Optional.of(new CredRoute(prefix.get().value(), upstream.get().value(),
                scheme.map(YNode.Scalar::value).orElse("Bearer"), tokenRef.get().value(), role));
    }

    private EgressPolicy egress(MapReader egress) {
        egress.rejectUnknownKeys(EGRESS_KEYS, Set.of());
        List<String> addresses = new ArrayList<>();
        List<YNode.Scalar> addressEntries = egress.strings("allow_addresses");
        for (int i = 0; i < addressEntries.size(); i++) {
            YNode.Scalar entry = addressEntries.get(i);
            if (report(entry, "egress.allow_addresses[" + i + "]", Checks.addressOrRange(entry.value()))) {
                addresses.add(entry.value());
            }
        }
        List<AllowedHost> allowlist = new ArrayList<>(DefaultEgress.HOSTS);
        List<YNode.Scalar> entries = egress.strings("allowlist");
        for (int i = 0; i < entries.size(); i++) {
            YNode.Scalar entry = entries.get(i);
            String host = entry.value().toLowerCase(Locale.ROOT);
            String path = "egress.allowlist[" + i + "]";
            Optional<String> address = Checks.ipLiteralOf(host);
            boolean valid;
            if (address.isPresent()) {
                // An IP target needs both: the allowlist entry and an allow_addresses range covering it.
                valid = Checks.covered(address.get(), addresses);
                if (!valid) {
                    problems.error(entry.at(), "`" + path + "`: `" + host + "` is an IP address, which the bottle "
                            + "may dial only if egress.allow_addresses covers it too; add \"" + address.get()
                            + "\" there, or allowlist a hostname instead");
                }
            } else {
                valid = report(entry, path, Checks.allowlistEntry(host));
            }
            if (valid && allowlist.stream().noneMatch(h -> h.host().equals(host))) {
                allowlist.add(new AllowedHost(host, false, ""));
            }
        }
        List<String> passthrough = new ArrayList<>();
        List<YNode.Scalar> passthroughEntries = egress.strings("passthrough");
        for (int i = 0; i < passthroughEntries.size(); i++) {
            YNode.Scalar entry = passthroughEntries.get(i);
            String host = entry.value().toLowerCase(Locale.ROOT);
            String path = "egress.passthrough[" + i + "]";
            boolean allowlisted = allowlist.stream().anyMatch(h -> h.host().equals(host));
            if (allowlisted || report(entry, path, Checks.allowlistEntry(host))) {
                if (!allowlisted) {
                    problems.error(entry.at(), "`" + path + "`: `" + host + "` is not in egress.allowlist; add it there "
                            + "too (passthrough only turns off TLS interception for allowlisted hosts)");
                } else {
                    passthrough.add(host);
                }
            }
        }
        Map<String, List<String>> exempt = new LinkedHashMap<>();
        egress.map("dlp_exempt").ifPresent(map -> {
            for (YNode.Entry e : map.entries()) {
                String host = e.key().value().toLowerCase(Locale.ROOT);
                String path = "egress.dlp_exempt." + host;
                if (!report(e.key(), "egress.dlp_exempt", Checks.allowlistEntry(host))) {
                    continue;
                }
                if (!(e.value() instanceof YNode.Seq seq)) {
                    MapReader.wrongType(e.value(), path, "a list of DLP rule ids", problems);
                    continue;
                }
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < seq.items().size(); i++) {
                    String itemPath = path + "[" + i + "]";
                    MapReader.asString(seq.items().get(i), itemPath, problems).ifPresent(id -> {
                        if (report(id, itemPath, ruleId(id.value()))) {
                            ids.add(id.value());
                        }
                    });
                }
                exempt.put(host, List.copyOf(ids));
            }
        });
        return new EgressPolicy(allowlist, passthrough, addresses, exempt);
    }

    private DlpPolicy dlp(MapReader dlp) {
        dlp.rejectUnknownKeys(DLP_KEYS, Set.of());
        List<DlpRuleSpec> rules = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        List<YNode> items = dlp.list("rules");
        for (int i = 0; i < items.size(); i++) {
            String path = "dlp.rules[" + i + "]";
            int index = i;
            MapReader.of(items.get(i), path, problems).flatMap(r -> DlpRuleReader.read(r, path, problems)).ifPresent(rule -> {
                Integer first = ids.putIfAbsent(rule.id(), index);
                if (first != null) {
                    problems.error(items.get(index).at(), "`" + path + ".id`: `" + rule.id()
                            + "` is already used by rules[" + first + "]; give each rule its own id");
                }
                rules.add(rule);
            });
        }
        List<String> allow = new ArrayList<>();
        List<YNode.Scalar> allowEntries = dlp.strings("allow");
        for (int i = 0; i < allowEntries.size(); i++) {
            YNode.Scalar entry = allowEntries.get(i);
            if (report(entry, "dlp.allow[" + i + "]", DlpRuleReader.re2Problem(entry.value()))) {
                allow.add(entry.value());
            }
        }
        return new DlpPolicy(rules, allow);
    }

    private void warnUnreachableRoutes(MapReader top, List<CredRoute> routes, EgressPolicy egress) {
        for (CredRoute route : routes) {
            String host = java.net.URI.create(route.upstream()).getHost().toLowerCase(Locale.ROOT);
            boolean allowed = egress.allowlist().stream().map(AllowedHost::host)
                    .map(h -> h.replaceAll(":\\d+$", ""))
                    .anyMatch(h -> h.equals(host) || (h.startsWith("*.") && host.endsWith(h.substring(1))));
            if (!allowed) {
                problems.warning(top.keyAt("cred_proxy"), "cred_proxy route " + route.path() + " goes to " + host
                        + ", which is not in egress.allowlist: the cred-proxy's requests to it will be refused; add "
                        + host + " to egress.allowlist");
            }
        }
    }

    static Optional<String> ruleId(String id) {
        return Checks.RULE_ID.matcher(id).matches()
                ? Optional.empty()
                : Optional.of("`" + id + "` is not a rule id; use letters, digits, . _ and -");
    }

    private boolean report(YNode.Scalar at, String path, Optional<String> problem) {
        problem.ifPresent(p -> problems.error(at.at(), "`" + path + "`: " + p));
        return problem.isEmpty();
    }
}
