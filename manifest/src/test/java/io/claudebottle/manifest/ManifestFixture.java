package io.claudebottle.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A temporary bottle home (and optionally a repository) to load manifests from. */
final class ManifestFixture {
    final Path home;
    final Path userHome;
    Path repo;

    ManifestFixture(Path tmp) {
        this.home = tmp.resolve("home/.claude-bottle");
        this.userHome = tmp.resolve("home");
    }

    ManifestFixture bottle(String name, String frontmatter) {
        return write(home.resolve("bottles/" + name + ".md"), "---\n" + frontmatter + "---\nA bottle.\n");
    }

    ManifestFixture agent(String name, String frontmatter) {
        return write(home.resolve("agents/" + name + ".md"), "---\n" + frontmatter + "---\nYou help.\n");
    }

    ManifestFixture write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Manifests load() {
        return ManifestLoader.load(new ManifestLocations(home, Optional.ofNullable(repo), userHome));
    }

    /** Diagnostics rendered with paths relative to the home (or the repository), for pinning. */
    List<String> messages() {
        return load().diagnostics().stream().map(this::relative).toList();
    }

    List<String> errors() {
        return load().errors().stream().map(this::relative).toList();
    }

    String relative(Diagnostic d) {
        Path file = d.file().startsWith(home) ? home.relativize(d.file())
                : repo != null && d.file().startsWith(repo) ? repo.relativize(d.file()) : d.file();
        return new Diagnostic(d.severity(), file, d.line(), d.column(), d.message()).render();
    }
}
