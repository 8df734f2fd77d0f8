package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import io.claudebottle.backend.BackendException;

import java.util.Optional;
import java.util.Set;

/**
 * Picks the OCI runtime: gVisor ({@code runsc}) when Docker has it registered, else {@code runc};
 * an explicit choice must be registered. (On this kind of VM runsc only works when registered with
 * {@code runtimeArgs: ["--network=host"]}; never with {@code --platform=kvm}, which hangs.)
 */
final class RuntimeDetector {

    private RuntimeDetector() {
    }

    static Set<String> registered(DockerClient docker) {
        var runtimes = docker.infoCmd().exec().getRuntimes();
        return runtimes == null ? Set.of() : runtimes.keySet();
    }

    static String choose(DockerClient docker, Optional<String> requested) {
        Set<String> registered = registered(docker);
        if (requested.isPresent()) {
            String r = requested.get();
            if (!registered.contains(r)) {
                throw new BackendException("runtime '" + r + "' is not registered with Docker (it has " + registered
                        + "); register it in /etc/docker/daemon.json or drop --runtime");
            }
            return r;
        }
        return registered.contains("runsc") ? "runsc" : "runc";
    }
}
