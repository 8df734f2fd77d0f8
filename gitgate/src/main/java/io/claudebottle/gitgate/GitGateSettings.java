package io.claudebottle.gitgate;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where the gate listens and what it serves.
 *
 * @param bind     address to listen on, e.g. {@code 0.0.0.0} in the sidecar, {@code 127.0.0.1} in tests
 * @param port     TCP port; 0 picks a free one (see {@link GitGate#port()})
 * @param stateDir directory for mirrors and per-push scratch repositories; created if missing
 * @param repos    the upstreams served, names unique
 */
public record GitGateSettings(String bind, int port, Path stateDir, List<GitGateRepo> repos) {
    public GitGateSettings {
        bind = bind == null || bind.isBlank() ? "0.0.0.0" : bind;
        if (port < 0 || port > 65535) throw new IllegalArgumentException("gitGate.port " + port + " is not a TCP port (0-65535)");
        Objects.requireNonNull(stateDir, "gitGate.stateDir is required");
        repos = repos == null ? List.of() : List.copyOf(repos);
        Set<String> names = new HashSet<>();
        for (GitGateRepo repo : repos) {
            if (!names.add(repo.name())) {
                throw new IllegalArgumentException("gitGate.repos: name '" + repo.name() + "' is used twice; names must be unique");
            }
        }
    }
}
