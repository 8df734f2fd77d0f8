package io.claudebottle.backend.docker;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.claudebottle.backend.docker.DockerTestSupport.labelled;
import static io.claudebottle.backend.docker.DockerTestSupport.scripted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real bottles on a real dockerd, with a stand-in sidecar: the agent container's hardening, its files
 * and environment, {@code ps} and {@code stop}. What the agent can reach, DNS, the token and teardown
 * are the security matrix shared with the native backend ({@code cli/src/test/.../matrix/SecurityMatrixTest}).
 */
class DockerBackendTest {

    private static DockerBackend backend;
    private static BottleLaunch.Images images;
    private static ServerSocket hostListener;

    @BeforeAll
    static void setUp() throws IOException {
        DockerTestSupport.assumeDocker();
        backend = DockerBackend.open();
        images = TestImages.withFakeSidecar(backend.client());
        // A listener on every host address, for the reachability control below.
        hostListener = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
        Thread.ofVirtual().start(() -> {
            while (!hostListener.isClosed()) {
                try (Socket s = hostListener.accept()) {
                    s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nhost".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // closed at the end of the tests
                }
            }
        });
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (hostListener != null) {
            hostListener.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theAgentContainerIsHardenedAndGetsItsFilesAndEnvironment() throws Exception {
        String script = """
                echo "MARKER $(cat ~/.config/marker)"
                echo "CA $(grep -c CERTIFICATE ~/.bottle/ca.pem)"
                echo "PROXY $HTTPS_PROXY"
                echo "UID $(id -u)"
                echo "CAPS $(grep CapEff /proc/self/status | awk '{print $2}')"
                touch /etc/bottle-write 2>/dev/null && echo "ROOTFS writable" || echo "ROOTFS read-only"
                """;
        try (RunningBottle bottle = backend.start(scripted("hardened", images, script, Map.of(), Map.of()), Backend.Progress.SILENT)) {
            // control for the security matrix's host probes: the host listener answers what is not confined
            // (the sidecar's egress side), so an agent that cannot reach it is blocked, not misaddressed
            String egressGateway = backend.client().inspectNetworkCmd().withNetworkId(bottle.bottleId() + "-egress")
                    .exec().getIpam().getConfig().getFirst().getGateway();
            assertThat(bottle.sidecarExec(List.of("curl", "-s", "-m", "3", "http://" + egressGateway + ":"
                    + hostListener.getLocalPort() + "/"))).isEqualTo("host");
            RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(60));
            assertThat(result.stdout()).as(result.stderr()).contains("MARKER from-launcher", "CA 2",
                    "PROXY http://egress:3128", "UID 1000", "CAPS 0000000000000000", "ROOTFS read-only");
            String id = bottle.bottleId();
            bottle.close();
            assertThat(labelled(backend.client(), id)).isEmpty();
        }
    }

    @Test
    void theLauncherShowsTheFirstSyncOfEachGitMirrorFromTheSidecarsLog() throws Exception {
        BottleLaunch launch = scripted("mirrors", images, "sleep 30", Map.of(), Map.of());
        var repos = launch.sidecarConfig().putObject("gitGate").putArray("repos");
        repos.addObject().put("name", "alpha");
        repos.addObject().put("name", "unreachable");
        List<String> shown = new CopyOnWriteArrayList<>();
        RunningBottle bottle = backend.start(launch, shown::add);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (shown.stream().filter(l -> l.startsWith("git-gate: ")).count() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(shown.stream().filter(l -> l.startsWith("git-gate: ")).toList()).containsExactly(
                    "git-gate: alpha: Receiving objects 50% (1/2)",
                    "git-gate: alpha: mirror ready",
                    "git-gate: unreachable: Receiving objects 50% (1/2)",
                    "git-gate: unreachable: first sync failed: cannot mirror it");
            assertThat(shown).noneMatch(l -> l.contains("not about mirrors"));
        } finally {
            bottle.close();
        }
    }

    @Test
    void stopRemovesEverythingAndPsListsRunningBottles() {
        RunningBottle bottle = backend.start(scripted("listed", images, "sleep 30", Map.of(), Map.of()), Backend.Progress.SILENT);
        String id = bottle.bottleId();
        try {
            assertThat(backend.list()).anySatisfy(b -> {
                assertThat(b.bottleId()).isEqualTo(id);
                assertThat(b.agent()).isEqualTo("listed");
                assertThat(b.launcherAlive()).isTrue();
            });
            assertThat(backend.leftovers()).noneMatch(b -> b.bottleId().equals(id));
            assertThat(backend.stop(id)).isTrue();
            assertThat(labelled(backend.client(), id)).isEmpty();
            assertThat(backend.stop(id)).isFalse();
        } finally {
            bottle.close();
        }
    }
}
