package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.Backends;

import java.util.Map;

import org.junit.jupiter.api.Test;

class BackendSelectionTest {

    @Test
    void theOptionWinsOverTheEnvironmentWhichWinsOverTheDefault() {
        assertThat(Backends.resolveName("smolmachines", Map.of("CLAUDE_BOTTLE_BACKEND", "docker"))).isEqualTo("smolmachines");
        assertThat(Backends.resolveName(null, Map.of("CLAUDE_BOTTLE_BACKEND", "smolmachines"))).isEqualTo("smolmachines");
        assertThat(Backends.resolveName(" ", Map.of("CLAUDE_BOTTLE_BACKEND", " "))).isEqualTo("docker");
        assertThat(Backends.resolveName(null, Map.of())).isEqualTo("docker");
    }

    @Test
    void anUnknownBackendIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Backends.resolveName(null, Map.of("CLAUDE_BOTTLE_BACKEND", "smolvm")))
                .isInstanceOf(BackendException.class)
                .hasMessage("unknown backend 'smolvm' in CLAUDE_BOTTLE_BACKEND; the backends are docker, smolmachines, native");
        assertThatThrownBy(() -> Backends.resolveName("podman", Map.of()))
                .hasMessage("unknown backend 'podman'; the backends are docker, smolmachines, native");
    }

    @Test
    void onLinuxSelectingSmolmachinesFailsWithTheReason() {
        org.junit.jupiter.api.Assumptions.assumeTrue(HostPlatform.current() != HostPlatform.MACOS, "this host is macOS");

        assertThatThrownBy(() -> Backends.select("smolmachines"))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("macOS-only");
    }
}
