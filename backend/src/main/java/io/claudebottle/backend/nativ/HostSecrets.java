package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Host paths a sandbox must never see: the user's credentials and the host's control sockets.
 * The sandbox binds nothing from the home or /run, so they stay hidden by construction; this
 * class refuses the one way they could come back in — a work directory or read-only grant that
 * is, contains or lies inside one of them.
 */
final class HostSecrets {

    private final List<Path> paths;

    private HostSecrets(List<Path> paths) {
        this.paths = List.copyOf(paths);
    }

    static HostSecrets forUser(Path userHome) {
        List<Path> paths = new ArrayList<>();
        for (String relative : List.of(".ssh", ".aws", ".config/gh", ".claude-bottle", ".claude", ".claude.json",
                ".docker", ".gnupg", ".netrc", ".npmrc", ".git-credentials")) {
            paths.add(userHome.resolve(relative));
        }
        try (Stream<Path> entries = Files.list(userHome)) {
            entries.filter(p -> p.getFileName().toString().startsWith(".claude")).forEach(paths::add);
        } catch (IOException unreadableHome) {
            // nothing more to add: the fixed names above still apply
        }
        paths.add(Path.of("/run"));
        paths.add(Path.of("/var/run"));
        return new HostSecrets(paths);
    }

    List<Path> paths() {
        return paths;
    }

    /** Why {@code hostPath} must not be bound into a sandbox, if it must not. */
    Optional<String> conflict(Path hostPath) {
        Path path = hostPath.toAbsolutePath().normalize();
        for (Path secret : paths) {
            if (path.startsWith(secret)) {
                return Optional.of(path + " lies inside " + secret + ", which a sandbox must never see");
            }
            if (secret.startsWith(path)) {
                return Optional.of(path + " contains " + secret + ", which a sandbox must never see;"
                        + " use a project directory below it instead");
            }
        }
        return Optional.empty();
    }
}
