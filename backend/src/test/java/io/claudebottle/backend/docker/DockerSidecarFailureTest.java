package io.claudebottle.backend.docker;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The agent container starts right after the real sidecar's, before the sidecar's services listen.
 * A sidecar that fails during its start must take the agent down with it: the agent (whose
 * entrypoint waits for services that never listen, then for the CA) is stopped, the start fails
 * naming the sidecar's error, and nothing of the bottle is left. A sidecar that dies while the agent runs
 * takes the agent down too, and the run says why.
 */
class DockerSidecarFailureTest {

    @Test
    void aSidecarFailingDuringItsStartStopsTheAgentAndFailsTheStart() {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open()) {
            var images = new ImageBuilder(backend.client(), m -> System.err.println("[images] " + m), true)
                    .ensureAll(SidecarApp.production());
            // the egress proxy reads its extra trust anchors when it starts, after the CA is minted
            ObjectNode config = JsonMapper.builder().build().createObjectNode();
            ObjectNode egress = config.putObject("egress");
            egress.putArray("allowlist");
            egress.putArray("extraTrustedCaFiles").add("/run/bottle/no-such-ca.pem");
            String agent = "sidecar-fails-" + ProcessHandle.current().pid();
            BottleLaunch launch = new BottleLaunch(agent, "test-bottle", config, Map.of(), Map.of(), Map.of(), Map.of(),
                    Map.of(), List.of("bash", "-c", "echo AGENT-COMMAND-RAN; sleep 300"), false, Optional.empty(), images);

            AtomicReference<String> started = new AtomicReference<>();
            long t0 = System.nanoTime();
            BackendException failure = catchThrowableOfType(BackendException.class, () -> {
                try (RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT)) {
                    started.set(bottle.bottleId());
                    bottle.runAgent(Duration.ofMinutes(5));
                }
            });
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(failure).as("bottle start must fail when its sidecar does").isNotNull();
            assertThat(failure.getMessage()).contains("before it was healthy", "extraTrustedCaFiles", "no-such-ca.pem");
            assertThat(started.get()).as("the agent container was created beside the starting sidecar").isNotNull();
            // the agent's entrypoint would wait minutes for a health that never comes: the launcher stopped it
            assertThat(took).isLessThan(Duration.ofSeconds(90));
            assertThat(DockerTestSupport.labelled(backend.client(), started.get())).isEmpty();
            assertThat(backend.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Labels.AGENT, agent)).exec()).isEmpty();
        }
    }

    @Test
    void aSidecarDyingWhileTheAgentRunsStopsTheAgentAndSaysWhy() throws Exception {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open()) {
            var images = new ImageBuilder(backend.client(), m -> System.err.println("[images] " + m), true)
                    .ensureAll(SidecarApp.production());
            ObjectNode config = JsonMapper.builder().build().createObjectNode();
            config.putObject("egress").putArray("allowlist");
            String agent = "sidecar-dies-" + ProcessHandle.current().pid();
            BottleLaunch launch = new BottleLaunch(agent, "test-bottle", config, Map.of(), Map.of(), Map.of(), Map.of(),
                    Map.of(), List.of("bash", "-c", "echo AGENT-COMMAND-RAN; sleep 300"), false, Optional.empty(), images);

            String bottleId;
            try (RunningBottle started = backend.start(launch, Backend.Progress.SILENT)) {
                DockerBottle bottle = (DockerBottle) started;
                bottleId = bottle.bottleId();
                var run = java.util.concurrent.CompletableFuture.supplyAsync(() -> bottle.runAgent(Duration.ofMinutes(5)),
                        Thread::startVirtualThread);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!DockerBottle.logs(backend.api(), bottle.agentContainer(), 20).contains("AGENT-COMMAND-RAN")) {
                    assertThat(System.nanoTime()).as("the agent command should run once the sidecar serves").isLessThan(deadline);
                    Thread.sleep(200);
                }
                backend.client().killContainerCmd(bottle.sidecarContainer()).exec();

                Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                        () -> run.get(60, java.util.concurrent.TimeUnit.SECONDS)).getCause();
                assertThat(failure).isInstanceOf(BackendException.class);
                assertThat(failure.getMessage()).contains("sidecar of " + bottleId, "exited", "while the agent ran",
                        "agent was stopped");
                assertThat(backend.client().inspectContainerCmd(bottle.agentContainer()).exec().getState().getRunning())
                        .as("the agent must not outlive its sidecar").isFalse();
            }
            assertThat(DockerTestSupport.labelled(backend.client(), bottleId)).isEmpty();
        }
    }
}
