package io.claudebottle.manifest;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where manifests come from.
 *
 * @param home the bottle home ({@code CLAUDE_BOTTLE_HOME}, else {@code ~/.claude-bottle}): the only
 *     source of bottles
 * @param repo the git toplevel of the working directory, whose {@code .claude-bottle/agents/} may
 *     add agents (never bottles)
 * @param userHome the user's home directory, for {@code ~/} in paths
 */
public record ManifestLocations(Path home, Optional<Path> repo, Path userHome) {

    public static final String HOME_VARIABLE = "CLAUDE_BOTTLE_HOME";

    /** Locations for this process: environment, user home and working directory. */
    public static ManifestLocations discover(Map<String, String> env, Path cwd) {
        Path userHome = Path.of(System.getProperty("user.home"));
        String override = env.get(HOME_VARIABLE);
        Path home = override == null || override.isBlank()
                ? userHome.resolve(".claude-bottle")
                : cwd.resolve(override);
        return new ManifestLocations(home.toAbsolutePath().normalize(), gitToplevel(cwd), userHome);
    }

    /** The nearest enclosing directory holding a {@code .git} (directory, or file for worktrees). */
    static Optional<Path> gitToplevel(Path cwd) {
        for (Path dir = cwd.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    public Path bottlesDir() {
        return home.resolve("bottles");
    }

    public Path agentsDir() {
        return home.resolve("agents");
    }

    /** The repository's manifest directory, unless it is the bottle home itself. */
    public Optional<Path> repoManifestDir() {
        return repo.map(r -> r.resolve(".claude-bottle")).filter(dir -> !sameFile(dir, home));
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
