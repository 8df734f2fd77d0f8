package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import tools.jackson.databind.JsonNode;
import io.claudebottle.backend.BackendException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Picks the OCI runtime: gVisor ({@code runsc}) when Docker has it registered <em>and</em> a probe
 * container actually runs under it, else {@code runc}; an explicit choice must be registered. A
 * registered runsc can still be unusable (on VMs like CI's it only runs with {@code runtimeArgs:
 * ["--network=host"]}, and {@code --platform=kvm} hangs), so the probe has a deadline. Its verdict
 * is remembered per engine and runtime configuration, in memory and under the cache directory.
 */
final class RuntimeDetector {

    static final String GVISOR = "runsc";
    private static final int PROBE_SECONDS = 30;
    private static final Map<String, Verdict> VERDICTS = new ConcurrentHashMap<>();

    /** Whether a runtime ran a probe container, and if not, why. */
    record Verdict(boolean works, String detail) {
    }

    private RuntimeDetector() {
    }

    static Set<String> registered(DockerClient docker) {
        return registered(EngineApi.of(docker).get("/info"));
    }

    /** The runtimes in an Engine API {@code GET /info} answer. */
    private static Set<String> registered(JsonNode info) {
        return Set.copyOf(info.path("Runtimes").propertyNames());
    }

    static String choose(DockerClient docker, Optional<String> requested, Path cacheDir) {
        return choose(() -> docker, EngineApi.of(docker).get("/info"), requested, cacheDir);
    }

    /**
     * The choice with the engine's {@code GET /info} already at hand (one per launch); {@code docker}
     * is asked for only to probe a runtime not probed before.
     */
    static String choose(Supplier<DockerClient> docker, JsonNode info, Optional<String> requested, Path cacheDir) {
        Set<String> registered = registered(info);
        if (requested.isPresent()) {
            String r = requested.get();
            if (!registered.contains(r)) {
                throw new BackendException("runtime '" + r + "' is not registered with Docker (it has " + registered
                        + "); register it in /etc/docker/daemon.json or drop --runtime");
            }
            return r;
        }
        if (!registered.contains(GVISOR)) {
            return "runc";
        }
        // the engine API shows a runtime's path but not its runtimeArgs: daemon.json's mtime stands in for them
        Path daemonJson = Path.of("/etc/docker/daemon.json");
        String configured;
        try {
            configured = Files.isRegularFile(daemonJson) ? Files.getLastModifiedTime(daemonJson).toString() : "-";
        } catch (IOException e) {
            configured = "?";
        }
        String key = info.path("ID").asString("") + "|" + info.path("Runtimes").path(GVISOR).path("path").asString("")
                + "|" + configured;
        return verdict(docker.get(), GVISOR, key, cacheDir).works() ? GVISOR : "runc";
    }

    /** The remembered verdict for {@code runtime} on this engine, probing once if there is none. */
    static Verdict verdict(DockerClient docker, String runtime, String key, Path cacheDir) {
        Verdict known = VERDICTS.get(key);
        if (known != null) {
            return known;
        }
        Path file = cacheDir.resolve("runtimes.properties");
        Properties cache = load(file);
        String stored = cache.getProperty(key);
        if (stored != null) {
            Verdict v = new Verdict(stored.startsWith("ok"), stored);
            VERDICTS.put(key, v);
            return v;
        }
        Optional<String> image = probeImage(docker);
        if (image.isEmpty()) {
            // nothing to probe with before the first image build: runc now, probed on a later start
            return new Verdict(false, "no local claude-bottle image to probe " + runtime + " with yet");
        }
        Verdict v = probe(docker, runtime, image.get());
        VERDICTS.put(key, v);
        cache.setProperty(key, v.works() ? "ok" : "failed: " + v.detail());
        store(file, cache);
        if (!v.works()) {
            System.err.println("bottle: warning: Docker has the " + runtime + " runtime registered but it cannot run a"
                    + " container (" + v.detail() + "); bottles use runc. Fix the runtime in /etc/docker/daemon.json"
                    + " (for gVisor on a VM: \"runtimeArgs\": [\"--network=host\"]) and delete " + file + " to re-probe.");
        }
        return v;
    }

    /** Runs {@code true} in {@code image} under {@code runtime}, with no network and a deadline. */
    static Verdict probe(DockerClient docker, String runtime, String image) {
        String container = null;
        try {
            container = docker.createContainerCmd(image)
                    .withName("claude-bottle-probe-" + runtime + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                    .withEntrypoint("true").withCmd(List.<String>of())
                    .withLabels(Map.of("io.claudebottle.probe", runtime))
                    .withHostConfig(HostConfig.newHostConfig().withRuntime(runtime).withNetworkMode("none"))
                    .exec().getId();
            docker.startContainerCmd(container).exec();
            Integer code = docker.waitContainerCmd(container).start().awaitStatusCode(PROBE_SECONDS, TimeUnit.SECONDS);
            return code != null && code == 0 ? new Verdict(true, "ok")
                    : new Verdict(false, "the probe container exited with " + code);
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().strip();
            return new Verdict(false, why.contains("timeout") || why.contains("Timeout")
                    ? "the probe container did not finish within " + PROBE_SECONDS + " s" : why);
        } finally {
            if (container != null) {
                try {
                    docker.removeContainerCmd(container).withForce(true).exec();
                } catch (RuntimeException e) {
                    // already gone; a stuck probe is labelled io.claudebottle.probe for manual removal
                }
            }
        }
    }

    private static Optional<String> probeImage(DockerClient docker) {
        for (String repo : List.of(ImageBuilder.BASE_REPO, ImageBuilder.AGENT_REPO)) {
            try {
                for (var image : docker.listImagesCmd().withImageNameFilter(repo).exec()) {
                    if (image.getRepoTags() != null && image.getRepoTags().length > 0) {
                        return Optional.of(image.getRepoTags()[0]);
                    }
                }
            } catch (NotFoundException e) {
                // no such repository
            }
        }
        return Optional.empty();
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                // a damaged cache only costs a probe
            }
        }
        return p;
    }

    private static void store(Path file, Properties p) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "runtimes", ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                p.store(out, "claude-bottle: OCI runtime probe verdicts (engine id|runtime config=verdict)");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // an unwritable cache only costs a probe next time
        }
    }
}
