package io.claudebottle.cli;

import io.claudebottle.manifest.AllowedHost;
import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.CredRoute;
import io.claudebottle.manifest.DlpRuleSpec;
import io.claudebottle.manifest.GitUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code bottle show} reports about a resolved policy. Unlike {@link BottlePolicy} it holds
 * env variable names only (values stay out of terminals and logs), and whether each route's token
 * is present in the current environment.
 */
record PolicyView(String agent, String bottle, List<String> sources, List<String> env, List<String> skills,
                  List<Git> git, List<Route> credRoutes, Egress egress, Dlp dlp, String systemPrompt,
                  List<String> warnings) {

    record Git(String name, String upstream, String identityFile, boolean hostKeyPinned,
               Map<String, String> extraHosts, boolean forbidForcePush) {}

    record Route(String path, String upstream, String authScheme, String tokenRef, boolean tokenSet, String role) {}

    record Host(String host, boolean isDefault, String reason) {}

    record Egress(List<Host> allowlist, List<String> passthrough, List<String> allowAddresses,
                  Map<String, List<String>> dlpExempt) {}

    record Dlp(List<DlpRuleSpec> rules, List<String> allow) {}

    static PolicyView of(BottlePolicy policy, Map<String, String> environment) {
        List<String> warnings = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        for (CredRoute route : policy.credRoutes()) {
            String token = environment.get(route.tokenRef());
            boolean set = token != null && !token.isEmpty();
            if (!set) {
                warnings.add(route.tokenRef() + " is not set in this environment: the cred-proxy route " + route.path()
                        + " cannot authenticate until you export it");
            }
            routes.add(new Route(route.path(), route.upstream(), route.authScheme(), route.tokenRef(), set,
                    route.role() == null ? null : route.role().manifestName()));
        }
        for (String host : policy.egress().passthrough()) {
            warnings.add("passthrough host " + host + " is not TLS-intercepted: what the agent sends there is not "
                    + "DLP-scanned");
        }
        List<Git> git = policy.git().stream().map(PolicyView::git).toList();
        List<Host> hosts = policy.egress().allowlist().stream()
                .map((AllowedHost h) -> new Host(h.host(), h.builtIn(), h.reason())).toList();
        return new PolicyView(policy.agent(), policy.bottle(),
                policy.sources().stream().map(Object::toString).toList(),
                List.copyOf(policy.env().keySet()), policy.skills(), git, routes,
                new Egress(hosts, policy.egress().passthrough(), policy.egress().allowAddresses(),
                        policy.egress().dlpExempt()),
                new Dlp(policy.dlp().rules(), policy.dlp().allow()), policy.systemPrompt(), warnings);
    }

    private static Git git(GitUpstream g) {
        return new Git(g.name(), g.upstream(), g.identityFile().toString(), g.knownHostKey() != null, g.extraHosts(),
                g.forbidForcePush());
    }
}
