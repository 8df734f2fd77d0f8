package io.claudebottle.cli;

import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.credproxy.AgentSideConfig;
import io.claudebottle.credproxy.Route;
import io.claudebottle.gitgate.GitGateRepo;
import io.claudebottle.gitgate.InsteadOf;
import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.CredRoute;
import io.claudebottle.manifest.DlpRuleSpec;
import io.claudebottle.manifest.GitUpstream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a resolved {@link BottlePolicy} into what the backend launches: the sidecar config, the
 * tokens (read from this process's environment by {@code token_ref}), the agent's env and role files.
 */
record LaunchPlan(BottlePolicy policy, BottleLaunch.Images images, ObjectNode sidecarConfig,
                  Map<String, String> secrets, List<String> missingTokens, Map<String, String> agentEnv,
                  Map<String, String> agentFiles, Map<String, Path> skills, List<String> missingSkills,
                  List<String> command) {

    static final String GATE_URL = "git://git-gate:9418";

    static LaunchPlan of(BottlePolicy policy, Map<String, String> environment, Path userHome, List<String> command) {
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        ObjectNode egress = config.putObject("egress");
        strings(egress.putArray("allowlist"), policy.egress().hosts());
        strings(egress.putArray("passthrough"), policy.egress().passthrough());
        strings(egress.putArray("allowAddresses"), policy.egress().allowAddresses());
        ObjectNode exempt = egress.putObject("dlpExempt");
        policy.egress().dlpExempt().forEach((host, ids) -> strings(exempt.putArray(host), ids));
        ArrayNode rules = egress.putArray("dlpRules");
        for (DlpRuleSpec r : policy.dlp().rules()) {
            ObjectNode rule = rules.addObject().put("id", r.id()).put("description", r.description()).put("regex", r.regex());
            strings(rule.putArray("keywords"), r.keywords());
            if (r.minEntropy() != null) {
                rule.put("min_entropy", r.minEntropy());
            }
            if (r.secretGroup() != null) {
                rule.put("secret_group", r.secretGroup());
            }
        }
        strings(egress.putArray("dlpAllow"), policy.dlp().allow());
        egress.putArray("extraTrustedCaFiles");

        ArrayNode routes = config.putObject("credProxy").putArray("routes");
        List<Route> agentRoutes = new ArrayList<>();
        Map<String, String> secrets = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (CredRoute r : policy.credRoutes()) {
            String role = r.role() == null ? null : r.role().manifestName();
            ObjectNode route = routes.addObject().put("path", r.path()).put("upstream", r.upstream())
                    .put("authScheme", r.authScheme()).put("tokenRef", r.tokenRef());
            if (role != null) {
                route.put("role", role);
            }
            agentRoutes.add(Route.of(r.path(), r.upstream(), r.authScheme(), r.tokenRef(), role));
            String value = environment.get(r.tokenRef());
            if (value == null || value.isEmpty()) {
                missing.add(r.tokenRef());
            } else {
                secrets.put(r.tokenRef(), value);
            }
        }

        ArrayNode repos = config.putObject("gitGate").putArray("repos");
        List<GitGateRepo> gateRepos = new ArrayList<>();
        for (GitUpstream g : policy.git()) {
            ObjectNode repo = repos.addObject().put("name", g.name()).put("upstream", g.upstream())
                    .put("identityFile", g.identityFile().toString()).put("knownHostKey", g.knownHostKey())
                    .put("forbidForcePush", g.forbidForcePush());
            ObjectNode hosts = repo.putObject("extraHosts");
            g.extraHosts().forEach(hosts::put);
            gateRepos.add(new GitGateRepo(g.name(), g.upstream(), g.identityFile(), g.knownHostKey(), g.extraHosts(),
                    g.forbidForcePush()));
        }

        AgentSideConfig side = AgentSideConfig.forRoutes(agentRoutes);
        Map<String, String> env = new LinkedHashMap<>(policy.env());
        env.putAll(side.env());
        Map<String, String> files = new LinkedHashMap<>(side.homeFiles());
        if (!gateRepos.isEmpty()) {
            files.merge(AgentSideConfig.GITCONFIG, InsteadOf.gitconfig(GATE_URL, gateRepos), (a, b) -> a + "\n" + b);
        }

        Map<String, Path> skills = new LinkedHashMap<>();
        List<String> missingSkills = new ArrayList<>();
        for (String skill : policy.skills()) {
            Path dir = userHome.resolve(".claude/skills").resolve(skill);
            if (Files.isDirectory(dir)) {
                skills.put(skill, dir);
            } else {
                missingSkills.add(skill + " (no " + dir + ")");
            }
        }
        List<String> argv = command.isEmpty() ? claude(policy.systemPrompt()) : command;
        return new LaunchPlan(policy, null, config, secrets, missing, env, files, skills, missingSkills, argv);
    }

    private static List<String> claude(String systemPrompt) {
        return systemPrompt == null || systemPrompt.isBlank() ? List.of("claude")
                : List.of("claude", "--append-system-prompt", systemPrompt);
    }

    BottleLaunch toLaunch(BottleLaunch.Images images, Optional<String> runtime, boolean interactive) {
        return new BottleLaunch(policy.agent(), policy.bottle(), sidecarConfig, secrets, agentEnv, agentFiles, Map.of(),
                skills, command, interactive, runtime, images);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
