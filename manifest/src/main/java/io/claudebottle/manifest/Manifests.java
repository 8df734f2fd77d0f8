package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything loaded from the manifest locations: valid bottles and agents, the resolved policy of
 * every agent whose agent and bottle files are both valid, and all diagnostics.
 */
public record Manifests(ManifestLocations locations, List<ManifestFile> files, List<Bottle> bottles,
                        List<Agent> agents, Map<String, BottlePolicy> policies, List<Diagnostic> diagnostics) {
    public Manifests {
        files = List.copyOf(files);
        bottles = List.copyOf(bottles);
        agents = List.copyOf(agents);
        policies = Immutable.map(policies);
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    public List<Diagnostic> warnings() {
        return diagnostics.stream().filter(d -> !d.isError()).toList();
    }

    public Optional<BottlePolicy> policy(String agent) {
        return Optional.ofNullable(policies.get(agent));
    }

    /** The agent file that defines {@code agent} (home wins over repo), valid or not. */
    public Optional<ManifestFile> agentFile(String agent) {
        return files.stream().filter(f -> f.kind() == ManifestFile.Kind.AGENT && f.name().equals(agent)).findFirst();
    }

    /** The agent name closest to a misspelt one, for "did you mean". */
    public Optional<String> suggestAgent(String name) {
        return DidYouMean.closest(name, agentNames());
    }

    public List<String> agentNames() {
        return files.stream().filter(f -> f.kind() == ManifestFile.Kind.AGENT).map(ManifestFile::name).toList();
    }

    /** Diagnostics of the given files (e.g. an agent's file and its bottle's file). */
    public List<Diagnostic> diagnosticsOf(List<Path> sources) {
        return diagnostics.stream().filter(d -> sources.contains(d.file())).toList();
    }
}
