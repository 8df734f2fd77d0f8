package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one agent's bottle is allowed, fully resolved from its agent and bottle files. This
 * is what the backend and the sidecar act on; nothing outside it is granted.
 *
 * @param sources the agent file, then the bottle file
 * @param env environment variable names and values granted to the agent
 * @param egress with the effective allowlist (baked-in defaults ∪ manifest)
 * @param systemPrompt the agent file's body
 */
public record BottlePolicy(String agent, String bottle, List<Path> sources, Map<String, String> env,
                           List<String> skills, List<GitUpstream> git, List<CredRoute> credRoutes,
                           EgressPolicy egress, DlpPolicy dlp, String systemPrompt) {
    public BottlePolicy {
        sources = List.copyOf(sources);
        env = Immutable.map(env);
        skills = List.copyOf(skills);
        git = List.copyOf(git);
        credRoutes = List.copyOf(credRoutes);
    }

    static BottlePolicy of(Agent agent, Bottle bottle) {
        return new BottlePolicy(agent.name(), bottle.name(), List.of(agent.source(), bottle.source()), bottle.env(),
                agent.skills(), bottle.git(), bottle.credRoutes(), bottle.egress(), bottle.dlp(), agent.systemPrompt());
    }
}
