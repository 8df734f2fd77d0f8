package io.claudebottle.backend;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which backend `bottle start` runs on, and the reason the preflight prints. */
class BackendChoiceTest {

    @Test
    void anExplicitChoiceWinsEvenWithoutDocker() {
        assertThat(Backends.chooseForStart("native", Map.of(), () -> true, Optional::empty))
                .isEqualTo(new Backends.Choice("native", "--backend native"));
        assertThat(Backends.chooseForStart(null, Map.of(Backends.ENV, "docker"), () -> false, Optional::empty))
                .isEqualTo(new Backends.Choice("docker", "CLAUDE_BOTTLE_BACKEND=docker"));
    }

    @Test
    void withoutDockerStartFallsBackToNativeAndSaysWhy() {
        assertThat(Backends.chooseForStart(null, Map.of(), () -> true, Optional::empty).name()).isEqualTo("docker");
        Backends.Choice fallback = Backends.chooseForStart(null, Map.of(), () -> false, Optional::empty);
        assertThat(fallback.name()).isEqualTo("native");
        assertThat(fallback.reason()).contains("no Docker engine is reachable");
        Backends.Choice neither = Backends.chooseForStart(null, Map.of(), () -> false,
                () -> Optional.of("kernel.unprivileged_userns_clone is 0"));
        assertThat(neither.name()).isEqualTo("docker");
        assertThat(neither.reason()).contains("native backend cannot run here: kernel.unprivileged_userns_clone is 0");
    }

    @Test
    void onlyAStartThatMayRunNativelyWarmsUpTheLaunchersCaKeys() {
        var noSocket = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        var socket = Map.of("DOCKER_HOST", "unix:///dev/null"); // exists: stands in for a socket
        assertThat(Backends.mayStartNatively("native", socket)).isTrue();
        assertThat(Backends.mayStartNatively(null, Map.of(Backends.ENV, "native"))).isTrue();
        assertThat(Backends.mayStartNatively(null, noSocket)).as("default, no local engine: the fallback").isTrue();
        assertThat(Backends.mayStartNatively(null, socket)).as("default with a local engine: Docker mints").isFalse();
        assertThat(Backends.mayStartNatively("docker", noSocket)).isFalse();
        assertThat(Backends.mayStartNatively("smolmachines", noSocket)).isFalse();
        assertThat(Backends.mayStartNatively(null, Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"))).isFalse();
        assertThat(Backends.mayStartNatively("nonsense", noSocket)).isFalse();
    }
}
