package io.claudebottle.cli.matrix;

import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.nativ.SandboxTool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The backends the security matrix runs on, each skipped with its reason where this machine lacks it. */
enum MatrixBackend {

    DOCKER_RUNC("docker (runc)"),
    DOCKER_RUNSC("docker (runsc, gVisor)"),
    /** Launched by the test run's own user: root in CI, an unprivileged user on a developer's machine. */
    NATIVE_BWRAP("native (" + System.getProperty("user.name") + ", bubblewrap)"),
    NATIVE_UNSHARE("native (" + System.getProperty("user.name") + ", unshare)"),
    /** Launched by nobody from a root run, so that CI covers the unprivileged launcher too. */
    NATIVE_NOBODY("native (unprivileged user nobody)");

    static final boolean REQUIRE_ALL = Boolean.getBoolean("bottle.requireAll");
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final String label;

    MatrixBackend(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * Why this machine cannot run the variant, if it cannot. With {@code bottle.requireAll} only what a
     * root CI run may legitimately lack counts: gVisor when {@code scripts/setup.sh} does not register it.
     */
    Optional<String> unavailable() {
        String only = System.getProperty("bottle.matrix", "");
        if (!only.isBlank() && !List.of(only.split(",")).contains(name())) {
            return Optional.of("not selected (-Dbottle.matrix=" + only + ")");
        }
        Optional<String> why = switch (this) {
            case DOCKER_RUNC -> DockerBottles.available() ? Optional.empty()
                    : Optional.of("needs a running Docker engine, iptables and root (./scripts/test as root starts dockerd)");
            case DOCKER_RUNSC -> !DockerBottles.available()
                    ? Optional.of("needs a running Docker engine, iptables and root (./scripts/test as root starts dockerd)")
                    : DockerBottles.runtimes().contains("\"runsc\"") ? Optional.empty()
                    : Optional.of("gVisor is not registered with Docker (`docker info` lists no runsc runtime)");
            case NATIVE_BWRAP -> !SandboxTool.BWRAP.available()
                    ? Optional.of("bubblewrap is not installed (apt-get install bubblewrap)") : NativeBackend.unavailable();
            case NATIVE_UNSHARE -> !SandboxTool.UNSHARE.available()
                    ? Optional.of("unshare is not installed (apt-get install util-linux)") : NativeBackend.unavailable();
            case NATIVE_NOBODY -> !ROOT ? Optional.of("needs root to start a launcher as nobody (setpriv); this run's "
                    + "own user is unprivileged, so NATIVE_BWRAP covers that case")
                    : Files.isExecutable(Path.of("/usr/bin/setpriv")) ? NativeBackend.unavailable()
                    : Optional.of("setpriv (util-linux) is missing");
        };
        if (why.isPresent() && REQUIRE_ALL && this == DOCKER_RUNSC && !setupRegistersRunsc()) {
            return why; // CI does not register gVisor: nothing to require
        }
        return REQUIRE_ALL ? Optional.empty() : why;
    }

    Bottles open(Path temp) throws IOException {
        return switch (this) {
            case DOCKER_RUNC -> new DockerBottles("runc");
            case DOCKER_RUNSC -> new DockerBottles("runsc");
            case NATIVE_BWRAP -> new NativeBottles(temp, SandboxTool.BWRAP);
            case NATIVE_UNSHARE -> new NativeBottles(temp, SandboxTool.UNSHARE);
            case NATIVE_NOBODY -> new NobodyBottles(temp, SandboxTool.detect());
        };
    }

    boolean docker() {
        return this == DOCKER_RUNC || this == DOCKER_RUNSC;
    }

    /** Whether the test set-up (./scripts/test, as root) registers gVisor with Docker. */
    private static boolean setupRegistersRunsc() {
        Path setup = Path.of(System.getProperty("bottle.repoRoot", "."), "scripts", "setup.sh");
        try {
            return Files.readString(setup).contains("runtimes.runsc");
        } catch (IOException e) {
            return false;
        }
    }
}
