package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A valid bottle file from {@code <home>/bottles/<name>.md}: the infrastructure an agent runs in.
 *
 * @param description the Markdown body (free text for humans)
 * @param env environment variables granted to the agent (values are not secrets by contract)
 * @param egress with the effective allowlist (defaults ∪ manifest)
 */
public record Bottle(String name, Path source, String description, Map<String, String> env, List<GitUpstream> git,
                     List<CredRoute> credRoutes, EgressPolicy egress, DlpPolicy dlp) {
    public Bottle {
        env = Immutable.map(env);
        git = List.copyOf(git);
        credRoutes = List.copyOf(credRoutes);
    }
}
