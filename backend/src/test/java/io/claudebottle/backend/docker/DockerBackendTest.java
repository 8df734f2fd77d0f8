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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.claudebottle.backend.docker.DockerTestSupport.labelled;
import static io.claudebottle.backend.docker.DockerTestSupport.scripted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real bottles on a real dockerd, with a stand-in sidecar: the agent reaches its sidecar and nothing
 * else (not the host on any of its addresses, not another bottle, no external DNS), the token stays
 * out of the agent, and teardown leaves nothing behind.
 */
class DockerBackendTest {

    private static DockerBackend backend;
    private static BottleLaunch.Images images;
    private static ServerSocket hostListener;
    private static final AtomicInteger accepted = new AtomicInteger();

    @BeforeAll
    static void setUp() throws IOException {
        DockerTestSupport.assumeDocker();
        backend = DockerBackend.open();
        images = TestImages.withFakeSidecar(backend.client());
        // A listener on every host address: the agent must not reach it on any of them.
        hostListener = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
        Thread.ofVirtual().start(() -> {
            while (!hostListener.isClosed()) {
                try (Socket s = hostListener.accept()) {
                    accepted.incrementAndGet();
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
    void agentReachesItsSidecarAndNothingElseAndNeverSeesTheToken() throws Exception {
        String token = "tok-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(12));
        int port = hostListener.getLocalPort();
        try (RunningBottle other = backend.start(scripted("other", images, "true", Map.of(), Map.of()), Backend.Progress.SILENT)) {
            String otherInternal = ip(other.bottleId() + "-sidecar", other.bottleId() + "-internal");
            String otherEgress = ip(other.bottleId() + "-sidecar", other.bottleId() + "-egress");
            String docker0 = "172.17.0.1";
            String eth0 = hostAddress();
            // The probes run in the agent; each prints one verdict line per target.
            String script = """
                    probe() { if curl -s --noproxy '*' --connect-timeout 2 -m 3 -o /dev/null "http://$1/"; then echo "REACH $2"; else echo "BLOCK $2"; fi; }
                    probe egress:3128 sidecar &
                    probe %2$s:%1$d docker0 &
                    probe %3$s:%1$d eth0 &
                    probe %4$s:3128 other-internal &
                    probe %5$s:3128 other-egress &
                    wait
                    getent hosts egress >/dev/null && echo "DNS alias ok" || echo "DNS alias failed"
                    getent hosts probe.invalid >/dev/null && echo "DNS external resolved" || echo "DNS external blocked"
                    printf '%%s%%s' '%6$s' '%7$s' > /tmp/.pattern
                    echo "ENVHITS $(env | grep -c -F -f /tmp/.pattern)"
                    echo "FILEHITS $(grep -rIl -F -f /tmp/.pattern --exclude-dir=proc --exclude-dir=sys / 2>/dev/null | grep -v '^/tmp/.pattern$' | wc -l)"
                    echo "MARKER $(cat ~/.config/marker)"
                    echo "CA $(grep -c CERTIFICATE ~/.bottle/ca.pem)"
                    echo "PROXY $HTTPS_PROXY"
                    echo "UID $(id -u)"
                    touch /etc/bottle-write 2>/dev/null && echo "ROOTFS writable" || echo "ROOTFS read-only"
                    """.formatted(port, docker0, eth0, otherInternal, otherEgress,
                    // the script must not carry the token itself (it is in the agent's inspect): two halves
                    token.substring(0, 8), token.substring(8));
            BottleLaunch launch = scripted("confined", images, script, Map.of("BOTTLE_TEST_TOKEN", token), Map.of());
            try (RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT)) {
                String agentInspect = inspectJson(bottle.bottleId() + "-agent");
                assertThat(agentInspect).doesNotContain(token);
                assertThat(hostCmdlines()).noneMatch(c -> c.contains(token));

                // the sidecar, which must hold the token, has it in its environment
                assertThat(bottle.sidecarExec(List.of("sh", "-c", "printenv BOTTLE_TEST_TOKEN"))).contains(token);
                // control: the host listener answers containers that are not confined (the sidecar's egress side)
                String egressGateway = backend.client().inspectNetworkCmd().withNetworkId(bottle.bottleId() + "-egress")
                        .exec().getIpam().getConfig().getFirst().getGateway();
                assertThat(bottle.sidecarExec(List.of("curl", "-s", "-m", "3", "http://" + egressGateway + ":" + port + "/")))
                        .isEqualTo("host");

                RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(60));
                String out = result.stdout();
                assertThat(out).as(result.stderr()).contains("REACH sidecar", "BLOCK docker0", "BLOCK eth0",
                        "BLOCK other-internal", "BLOCK other-egress", "DNS alias ok", "DNS external blocked",
                        "ENVHITS 0", "FILEHITS 0", "MARKER from-launcher", "CA 2", "PROXY http://egress:3128",
                        "UID 1000", "ROOTFS read-only");
                assertThat(out).doesNotContain(token);
                List<String> audit = new ArrayList<>();
                backend.audit(bottle.bottleId(), false, audit::add);
                assertThat(audit).anyMatch(l -> l.contains("\"decision\":\"allow\""));
                assertThat(backend.denials(bottle.bottleId())).contains(0L);
                assertThat(inspectJson(bottle.bottleId() + "-agent")).doesNotContain(token);
                String id = bottle.bottleId();
                bottle.close();
                assertThat(labelled(backend.client(), id)).isEmpty();
            }
        }
    }

    @Test
    void agentCannotReachTheHostThroughItsOwnGateway() throws Exception {
        int port = hostListener.getLocalPort();
        // An internal network has no default route; its gateway is the bridge's own address, x.y.z.1.
        String script = "self=$(hostname -i | awk '{print $1}'); gw=${self%.*}.1;"
                + " if curl -s --noproxy '*' --connect-timeout 2 -m 3 -o /dev/null http://$gw:" + port + "/;"
                + " then echo REACH $gw; else echo BLOCK $gw; fi";
        try (RunningBottle bottle = backend.start(scripted("gateway", images, script, Map.of(), Map.of()), Backend.Progress.SILENT)) {
            String gateway = backend.client().inspectNetworkCmd().withNetworkId(bottle.bottleId() + "-internal")
                    .exec().getIpam().getConfig().getFirst().getGateway();
            RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(30));
            assertThat(result.stdout()).as(result.stderr()).contains("BLOCK " + gateway);
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

    private static String ip(String container, String network) {
        return backend.client().inspectContainerCmd(container).exec().getNetworkSettings().getNetworks()
                .get(network).getIpAddress();
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

    /** What `docker inspect` shows (the CLI, as a user would run it). */
    static String inspectJson(String container) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("docker", "inspect", container).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    static List<String> hostCmdlines() throws IOException {
        List<String> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    out.add(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the process ended
                }
            }
        }
        return out;
    }
}
