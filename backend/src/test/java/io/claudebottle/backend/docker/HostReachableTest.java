package io.claudebottle.backend.docker;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.RunningBottle;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Without a usable iptables (not root, or not installed) the host firewall rule cannot be made, so
 * a start is refused before anything is created, naming what is not enforced and both fixes; only
 * an explicit {@code --allow-host-reachable} runs the bottle, with a warning.
 */
class HostReachableTest {

    /** An iptables that always fails, like `iptables` run by a user who is not root. */
    private static final HostFirewall NOT_ROOT = new HostFirewall(List.of("sh", "-c",
            "echo 'iptables: Permission denied (you must be root)' >&2; exit 4", "iptables"));

    @Test
    void theFirewallCheckReportsWhy() {
        assertThat(NOT_ROOT.unavailable()).hasValueSatisfying(why -> assertThat(why).contains("you must be root"));
        assertThat(new HostFirewall(List.of("/nonexistent/iptables")).unavailable())
                .hasValueSatisfying(why -> assertThat(why).contains("cannot run /nonexistent/iptables"));
    }

    @Test
    void withoutIptablesAStartIsRefusedAndNothingIsCreated() {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = new DockerBackend(DockerConnection.open(), NOT_ROOT)) {
            var launch = DockerTestSupport.scripted("nofw", new io.claudebottle.backend.BottleLaunch.Images("none", "none"),
                    "true", Map.of(), Map.of());
            assertThatThrownBy(() -> backend.start(launch, m -> { }))
                    .isInstanceOf(BackendException.class)
                    .hasMessageContaining("the host would be reachable from the bottle")
                    .hasMessageContaining("you must be root")
                    .hasMessageContaining("run as root")
                    .hasMessageContaining("--allow-host-reachable");
            assertThat(backend.list()).noneMatch(b -> b.agent().equals("nofw"));
        }
    }

    @Test
    void allowHostReachableStartsWithAWarning() {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = new DockerBackend(DockerConnection.open(), NOT_ROOT).allowHostReachable(true)) {
            var images = TestImages.withFakeSidecar(backend.client());
            List<String> steps = new ArrayList<>();
            String id;
            try (RunningBottle bottle = backend.start(DockerTestSupport.scripted("hostok", images,
                    "curl -s --noproxy '*' -m 5 http://egress:3128/ && echo", Map.of(), Map.of()), steps::add)) {
                id = bottle.bottleId();
                RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(60));
                assertThat(result.stdout()).as(result.stderr()).contains("egress-ok");
            }
            assertThat(steps).anySatisfy(s -> assertThat(s).startsWith("WARNING: --allow-host-reachable")
                    .contains("the host is reachable from this bottle"));
            assertThat(new HostFirewall().taggedBottles()).doesNotContain(id);
            assertThat(DockerTestSupport.labelled(backend.client(), id)).isEmpty();
        }
    }
}
