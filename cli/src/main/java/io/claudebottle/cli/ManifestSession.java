package io.claudebottle.cli;

import io.claudebottle.manifest.Diagnostic;
import io.claudebottle.manifest.ManifestLoader;
import io.claudebottle.manifest.ManifestLocations;
import io.claudebottle.manifest.Manifests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The manifests as this process sees them: environment ({@code CLAUDE_BOTTLE_HOME}) and working directory. */
final class ManifestSession {
    private ManifestSession() {}

    static Map<String, String> environment() {
        return System.getenv();
    }

    static ManifestLocations locations() {
        return ManifestLocations.discover(environment(), Path.of("").toAbsolutePath());
    }

    static Manifests load() {
        return ManifestLoader.load(locations());
    }

    static void print(List<Diagnostic> diagnostics, PrintWriter out) {
        diagnostics.forEach(d -> out.println(d.render()));
    }
}
