package io.claudebottle.backend;

import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.docker.DockerSidecarBundle;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.smolvm.SmolmachinesBackend;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Picks the backend a command runs on: {@code --backend <name>} if given, else the
 * {@code CLAUDE_BOTTLE_BACKEND} environment variable, else {@code docker}.
 */
public final class Backends {

    public static final String ENV = "CLAUDE_BOTTLE_BACKEND";
    public static final String DEFAULT = "docker";
    public static final List<String> NAMES = List.of(DEFAULT, SmolmachinesBackend.NAME, NativeBackend.NAME);

    private Backends() {
    }

    /** The backend named by {@code option} (may be null), {@code CLAUDE_BOTTLE_BACKEND} or the default. */
    public static Backend select(String option) {
        return open(resolveName(option, System.getenv()), line -> System.err.println("bottle: " + line));
    }

    /**
     * The backend name to use.
     *
     * @throws BackendException naming the known backends when the name is unknown
     */
    public static String resolveName(String option, Map<String, String> env) {
        String name = option != null && !option.isBlank() ? option.strip() : env.getOrDefault(ENV, "").strip();
        if (name.isEmpty()) {
            return DEFAULT;
        }
        if (!NAMES.contains(name)) {
            throw new BackendException("unknown backend '" + name + "'" + (option == null || option.isBlank() ? " in " + ENV : "")
                    + "; the backends are " + String.join(", ", NAMES));
        }
        return name;
    }

    /**
     * Whether a start with this {@code --backend} option and environment may run on the native
     * backend: it is named, or nothing is named and no local Docker socket exists to prefer. A guess
     * for work worth starting early (the launcher's CA key pair), never the choice itself.
     */
    public static boolean mayStartNatively(String option, Map<String, String> env) {
        String name;
        try {
            name = resolveName(option, env);
        } catch (BackendException unknown) {
            return false; // the start refuses it
        }
        boolean named = option != null && !option.isBlank() || !env.getOrDefault(ENV, "").isBlank();
        return name.equals(NativeBackend.NAME) || !named && DockerConnection.localSocketMissing(env);
    }

    /** The backend a bottle starts on and why, for the preflight. */
    public record Choice(String name, String reason) {
    }

    /**
     * Like {@link #resolveName}, but without an explicit choice {@code start} falls back to the native
     * backend when no Docker engine is reachable (and the native one can run here).
     */
    public static Choice chooseForStart(String option, Map<String, String> env) {
        return chooseForStart(option, env, DockerConnection::available);
    }

    /** As {@link #chooseForStart(String, Map)}, with the engine's reachability from a connection the caller opened. */
    public static Choice chooseForStart(String option, Map<String, String> env, BooleanSupplier dockerReachable) {
        return chooseForStart(option, env, dockerReachable, NativeBackend::unavailable);
    }

    static Choice chooseForStart(String option, Map<String, String> env, BooleanSupplier dockerReachable,
                                 Supplier<Optional<String>> nativeUnavailable) {
        boolean explicit = (option != null && !option.isBlank()) || !env.getOrDefault(ENV, "").isBlank();
        String name = resolveName(option, env);
        if (explicit) {
            return new Choice(name, option != null && !option.isBlank() ? "--backend " + name : ENV + "=" + name);
        }
        if (dockerReachable.getAsBoolean()) {
            return new Choice(DEFAULT, "default; a Docker engine is reachable");
        }
        Optional<String> why = nativeUnavailable.get();
        if (why.isEmpty()) {
            return new Choice(NativeBackend.NAME, "no Docker engine is reachable, so the Docker-free Linux backend runs");
        }
        return new Choice(DEFAULT, "no Docker engine is reachable, and the native backend cannot run here: " + why.get());
    }

    /** Opens the backend of a {@link Choice}. */
    public static Backend open(Choice choice) {
        return open(choice.name(), line -> System.err.println("bottle: " + line));
    }

    static Backend open(String name, Consumer<String> notice) {
        if (name.equals(NativeBackend.NAME)) {
            return NativeBackend.open();
        }
        if (name.equals(SmolmachinesBackend.NAME)) {
            return smolmachines(DockerSidecarBundle::open, notice);
        }
        return DockerBackend.open();
    }

    /**
     * The smolmachines backend with its sidecars on the given Docker engine ({@link DockerSidecarBundle#on}
     * keeps the caller's connection). macOS and {@code smolvm} are checked before {@code docker} is called.
     */
    public static SmolmachinesBackend smolmachines(Supplier<DockerSidecarBundle> docker, Consumer<String> notice) {
        Path home = bottleHome();
        return SmolmachinesBackend.forThisHost(home.resolve("run").resolve(SmolmachinesBackend.NAME),
                home.resolve("cache").resolve(SmolmachinesBackend.NAME), docker, notice);
    }

    /**
     * The smolmachines bottles of this host, for {@code bottle ps/stop/gc} on any host; empty when no
     * alias is reserved. Their sidecars are removed through {@code docker} (absent: no engine answers,
     * so no sidecar runs). See {@link SmolmachinesBackend#existing}.
     */
    public static Optional<SmolmachinesBackend> existingSmolmachines(Optional<DockerBackend> docker, Consumer<String> notice) {
        Path home = bottleHome();
        return SmolmachinesBackend.existing(home.resolve("run").resolve(SmolmachinesBackend.NAME),
                home.resolve("cache").resolve(SmolmachinesBackend.NAME),
                () -> docker.<SmolmachinesBackend.SidecarBundle>map(DockerSidecarBundle::on)
                        .orElseGet(SmolmachinesBackend.SidecarBundle::engineDown), notice);
    }

    private static Path bottleHome() {
        String home = System.getenv("CLAUDE_BOTTLE_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".claude-bottle");
    }
}
