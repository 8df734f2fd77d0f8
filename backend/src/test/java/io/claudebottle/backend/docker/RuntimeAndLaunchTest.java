package io.claudebottle.backend.docker;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a launch refuses before anything is created, and the runtime choice. */
class RuntimeAndLaunchTest {

    private static final BottleLaunch.Images IMAGES = new BottleLaunch.Images("a", "s");

    private static BottleLaunch launch(Map<String, String> secrets, Map<String, String> env, Map<String, String> files) {
        return new BottleLaunch("dev", "b", JsonMapper.builder().build().createObjectNode(), secrets, env, files, Map.of(),
                Map.of(), List.of("true"), false, Optional.empty(), IMAGES);
    }

    @Test
    void anEnvVarCarryingATokenValueIsRefused() {
        assertThatThrownBy(() -> launch(Map.of("GH_PAT", "ghp_secretvalue"), Map.of("X", "prefix-ghp_secretvalue"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("env 'X'").hasMessageContaining("token");
    }

    @Test
    void agentFilesMustStayInTheHomeDirectory() {
        assertThatThrownBy(() -> launch(Map.of(), Map.of(), Map.of("../etc/passwd", "x")))
                .hasMessageContaining("'../etc/passwd'");
        assertThatThrownBy(() -> launch(Map.of(), Map.of(), Map.of("/etc/passwd", "x")))
                .hasMessageContaining("relative to the home directory");
    }

    @Test
    void aTokenRefMustBeAVariableName() {
        assertThatThrownBy(() -> launch(Map.of("not a name", "v"), Map.of(), Map.of()))
                .hasMessageContaining("'not a name'");
    }

    @Test
    void anUnregisteredRuntimeIsRefusedNamingTheRegisteredOnes() {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open()) {
            var registered = RuntimeDetector.registered(backend.client());
            assertThat(backend.runtimeFor(Optional.empty())).isEqualTo(registered.contains("runsc") ? "runsc" : "runc");
            assertThatThrownBy(() -> backend.runtimeFor(Optional.of("no-such-runtime")))
                    .isInstanceOf(BackendException.class).hasMessageContaining("'no-such-runtime'")
                    .hasMessageContaining("runc");
        }
    }
}
