package io.claudebottle.backend.docker;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.claudebottle.backend.docker.DockerTestSupport.labelled;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gVisor path: when Docker has {@code runsc} registered (the test command registers it with
 * {@code --network=host}, which makes the sandbox use the network namespace Docker gave the
 * container), a bottle runs both containers under gVisor and the isolation still holds: the agent
 * reaches its sidecar, not the host on any address, not the internet's DNS.
 */
class GvisorBottleTest {

    @Test
    void aBottleUnderRunscIsConfinedLikeUnderRunc() throws Exception {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open();
             ServerSocket hostListener = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            boolean registered = RuntimeDetector.registered(backend.client()).contains(RuntimeDetector.GVISOR);
            Assumptions.assumeTrue(registered || Boolean.getBoolean("bottle.requireAll"),
                    "Docker has no runsc runtime registered (./scripts/test as root registers gVisor)");
            BottleLaunch.Images images = TestImages.withFakeSidecar(backend.client());
            assertThat(RuntimeDetector.probe(backend.client(), RuntimeDetector.GVISOR, images.agent()))
                    .as("runsc must run a container here (daemon.json: runtimeArgs [\"--network=host\"])")
                    .isEqualTo(new RuntimeDetector.Verdict(true, "ok"));
            Thread.ofVirtual().start(() -> serve(hostListener));
            int port = hostListener.getLocalPort();
            String script = """
                    dmesg 2>/dev/null | head -1 | sed 's/^/KERNEL /'
                    probe() { if curl -s --noproxy '*' --connect-timeout 2 -m 3 -o /dev/null "http://$1/"; then echo "REACH $2"; else echo "BLOCK $2"; fi; }
                    self=$(hostname -i | awk '{print $1}'); gw=${self%%.*}.1
                    probe egress:3128 sidecar
                    probe $gw:%1$d gateway
                    probe 172.17.0.1:%1$d docker0
                    probe %2$s:%1$d eth0
                    getent hosts probe.invalid >/dev/null && echo "DNS external resolved" || echo "DNS external blocked"
                    echo "UID $(id -u)"
                    """.formatted(port, hostAddress());
            var base = DockerTestSupport.scripted("gvisor", images, script, Map.of(), Map.of());
            BottleLaunch launch = new BottleLaunch(base.agent(), base.bottle(), base.sidecarConfig(), base.secrets(),
                    base.agentEnv(), base.agentFiles(), base.sidecarFiles(), base.skills(), base.agentCommand(), false,
                    Optional.of(RuntimeDetector.GVISOR), images);
            String id;
            try (RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT)) {
                id = bottle.bottleId();
                assertThat(bottle.runtime()).isEqualTo("runsc");
                // the sidecar runs under gVisor too
                assertThat(bottle.sidecarExec(List.of("sh", "-c", "dmesg 2>/dev/null | head -1"))).contains("gVisor");
                RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(90));
                assertThat(result.stdout()).as(result.stderr()).contains("KERNEL", "gVisor", "REACH sidecar",
                        "BLOCK gateway", "BLOCK docker0", "BLOCK eth0", "DNS external blocked", "UID 1000");
            }
            assertThat(labelled(backend.client(), id)).isEmpty();
        }
    }

    private static String hostAddress() throws IOException {
        for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (nif.getName().startsWith("eth") || nif.getName().startsWith("en")) {
                for (var a : java.util.Collections.list(nif.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        }
        return "127.0.0.1";
    }

    private static void serve(ServerSocket listener) {
        while (!listener.isClosed()) {
            try (Socket s = listener.accept()) {
                s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nhost".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed at the end of the test
            }
        }
    }
}
