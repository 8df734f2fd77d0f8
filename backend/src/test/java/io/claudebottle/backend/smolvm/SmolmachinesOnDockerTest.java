package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.docker.DockerSidecarBundle;
import io.claudebottle.backend.docker.FakeSidecar;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A smolmachines bottle with its real sidecar in a real dockerd, the platform forced to macOS: a
 * fake {@code smolvm} (and {@code ifconfig}/{@code sudo}, and the {@code docker save} the packer
 * calls) on the runner's PATH records its argv and writes its state DB like 0.8.0; its
 * {@code machine exec} runs the "agent" on the host with only the env smolvm was given. All
 * traffic stays on loopback and the bottle's own Docker network.
 */
class SmolmachinesOnDockerTest {

    /** Shared by every test JVM on this machine, so that concurrent test runs never pick the same alias. */
    private static final Path POOL_STATE = Path.of(System.getProperty("java.io.tmpdir"), "bottle-test-smolmachines");
    private static final Pattern BOOT = Pattern.compile("claude-bottle-(\\S+) \\[\"(127\\.0\\.0\\.\\d+)/32\"]");

    private static DockerBackend docker;
    private static BottleLaunch.Images images;
    /** A JDK-only stand-in sidecar ({@link FakeSidecar}): two real sidecars starting at once outlast the health timeout on a loaded 2-core machine. */
    private static BottleLaunch.Images lightImages;

    @TempDir
    Path tmp;
    private FakeHost host;
    private Path db;
    private final List<String> notices = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void engine() {
        boolean requireAll = Boolean.getBoolean("bottle.requireAll");
        assumeTrue(DockerConnection.available() || requireAll, "needs a running Docker engine (./scripts/test as root starts dockerd)");
        assumeTrue(FakeHost.sqlite3Available() || requireAll, "sqlite3 is not installed (the fake smolvm writes its state DB with it)");
        assumeTrue(new ProcessRunner(System.getenv()).which("curl").isPresent() || requireAll, "curl is not installed (the scripted agent uses it)");
        docker = DockerBackend.open();
        var builder = new ImageBuilder(docker.client(), m -> System.err.println("[images] " + m), true);
        // The agent image is never run here: the fake `docker` answers the packer's inspect/save.
        String base = builder.baseImage();
        images = new BottleLaunch.Images("claude-bottle-agent:smolmachines-test", builder.sidecarImage(base,
                SidecarApp.production()));
        lightImages = new BottleLaunch.Images(images.agent(), builder.sidecarImage(base,
                new SidecarApp(List.of(fakeSidecarClasses()), FakeSidecar.class.getName())));
    }

    /** A directory holding only {@link FakeSidecar}'s classes, so that its image changes only when they do. */
    private static Path fakeSidecarClasses() {
        try {
            Path classes = Path.of(FakeSidecar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path pkg = Files.createDirectories(POOL_STATE.resolve("fake-sidecar/io/claudebottle/backend/docker"));
            try (var files = Files.list(classes.resolve("io/claudebottle/backend/docker"))) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith("FakeSidecar")).toList()) {
                    Files.write(pkg.resolve(f.getFileName()), Files.readAllBytes(f));
                }
            }
            return POOL_STATE.resolve("fake-sidecar");
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot stage the fake sidecar's classes under " + POOL_STATE, e);
        }
    }

    @AfterAll
    static void close() {
        if (docker != null) {
            docker.close();
        }
    }

    @BeforeEach
    void fakeHost() throws Exception {
        Path home = tmp.resolve("home");
        db = SmolvmStateDb.defaultPath(home);
        new SmolvmDbFixture(db);
        host = new FakeHost(tmp.resolve("host"), db);
    }

    private SmolmachinesBackend backend() {
        return SmolmachinesBackend.forHost(HostPlatform.MACOS, host.runner(), tmp.resolve("home"), POOL_STATE,
                tmp.resolve("cache"), () -> DockerSidecarBundle.on(docker), notices::add);
    }

    /** runc, as on Docker Desktop (where smolmachines runs): gVisor is a Linux-only option of the Docker backend. */
    private BottleLaunch launch(ObjectNode sidecarConfig, String script) {
        return launch(sidecarConfig, script, images);
    }

    private static BottleLaunch launch(ObjectNode sidecarConfig, String script, BottleLaunch.Images images) {
        return new BottleLaunch("smol", "test-bottle", sidecarConfig, Map.of(), Map.of(), Map.of(".config/marker", "x\n"),
                Map.of(), Map.of(), List.of("sh", "-c", script), false, Optional.of("runc"), images);
    }

    private static ObjectNode allowing(String host) {
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        config.putObject("egress").putArray("allowlist").add(host);
        return config;
    }

    /** The script the "agent" runs: one request through its proxy env, printing the status code. */
    private static final String AGENT_REQUEST =
            "curl -s -m 20 -o /dev/null -w '%{http_code}' http://denied.bottle.test/; echo \" via $HTTPS_PROXY\"";

    @Test
    void theSidecarIsPublishedOnItsAliasOnlyAndTheAgentReachesItsProxyThere() throws Exception {
        String id;
        String alias;
        try (SmolmachinesBackend backend = backend();
             RunningBottle bottle = backend.start(launch(allowing("allowed.bottle.test"), AGENT_REQUEST), Backend.Progress.SILENT)) {
            id = bottle.bottleId();
            alias = aliasOf(id);
            String machine = "claude-bottle-" + id;

            // The VM was created with the alias's /32, and its row holds exactly that, as a BLOB.
            assertThat(host.calls("smolvm")).anySatisfy(c -> assertThat(c)
                    .containsSequence("machine", "create", machine).containsSequence("--allow-cidr", alias + "/32"));
            assertThat(new SmolvmDbFixture.Reader(db).typeOf(machine)).isEqualTo("blob");
            assertThat(new SmolvmStateDb(db, HostPlatform.MACOS, notices::add).allowedCidrs(machine))
                    .contains(List.of(alias + "/32"));

            // Docker published the four ports and the DNS sink (UDP and TCP) on the alias and nowhere else.
            InspectContainerResponse sidecar = docker.client().inspectContainerCmd(id + "-sidecar").exec();
            List<String> published = List.of(alias + ":3128/tcp", alias + ":9099/tcp", alias + ":9418/tcp",
                    alias + ":9100/tcp", alias + ":53/udp", alias + ":53/tcp");
            assertThat(hostBindings(sidecar.getHostConfig().getPortBindings().getBindings()))
                    .containsExactlyInAnyOrderElementsOf(published);
            assertThat(hostBindings(sidecar.getNetworkSettings().getPorts().getBindings()))
                    .containsExactlyInAnyOrderElementsOf(published);
            assertThat(sidecar.getConfig().getLabels()).containsEntry("io.claudebottle.bottle-id", id);
            assertThat(docker.list()).extracting(BottleInfo::bottleId).contains(id); // `bottle ps` sees it

            // From the host: the proxy answers on the alias (403 for a host off the allowlist) ...
            assertThat(proxyStatus(alias, "denied.bottle.test")).startsWith("HTTP/1.1 403");
            // ... and on no other loopback address.
            assertThatThrownBy(() -> proxyStatus("127.0.0.15", "denied.bottle.test")).isInstanceOf(ConnectException.class);

            // The agent, with only the env smolvm was given, goes through its own sidecar and is refused.
            RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(60));
            assertThat(result.stdout()).as(result.stderr()).isEqualTo("403 via http://" + alias + ":3128\n");
            assertThat(bottle.sidecarExec(List.of("cat", "/run/bottle/audit.jsonl"))).contains("denied.bottle.test");

            // The VM's resolver is the sidecar's DNS sink on the alias: it refuses every name, over UDP
            // and TCP, and audits it; no other loopback address answers DNS for this bottle.
            assertThat(Files.readString(host.root.resolve("vm/" + machine + "/etc/resolv.conf")))
                    .contains("nameserver " + alias + "\n");
            assertThat(udpRcode(alias, "leak-udp.bottle.test")).isEqualTo(REFUSED);
            assertThat(tcpRcode(alias, "leak-tcp.bottle.test")).isEqualTo(REFUSED);
            assertThat(bottle.sidecarExec(List.of("cat", "/run/bottle/audit.jsonl")))
                    .contains("\"leak-udp.bottle.test\"", "\"leak-tcp.bottle.test\"");
            assertThatThrownBy(() -> tcpRcode("127.0.0.15", "elsewhere.bottle.test")).isInstanceOf(ConnectException.class);
        }

        assertThat(docker.list()).extracting(BottleInfo::bottleId).doesNotContain(id);
        assertThat(new SmolvmDbFixture.Reader(db).names()).isEmpty();
        assertThat(reservedBottles()).doesNotContain(id);
    }

    @Test
    void twoConcurrentStartsGetTwoAliasesEachVmAllowedOnlyItsOwn() throws Exception {
        List<String> ids = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (SmolmachinesBackend first = backend(); SmolmachinesBackend second = backend()) {
            Callable<RunningBottle> a = () -> first.start(launch(allowing("a.bottle.test"), "true", lightImages), Backend.Progress.SILENT);
            Callable<RunningBottle> b = () -> second.start(launch(allowing("b.bottle.test"), "true", lightImages), Backend.Progress.SILENT);
            List<Future<RunningBottle>> started = threads.invokeAll(List.of(a, b));
            try (RunningBottle one = started.get(0).get(); RunningBottle two = started.get(1).get()) {
                ids.addAll(List.of(one.bottleId(), two.bottleId()));
                String aliasOne = aliasOf(one.bottleId());
                String aliasTwo = aliasOf(two.bottleId());
                assertThat(aliasOne).isNotEqualTo(aliasTwo);
                assertThat(host.boots()).containsExactlyInAnyOrder(
                        "claude-bottle-" + one.bottleId() + " [\"" + aliasOne + "/32\"]",
                        "claude-bottle-" + two.bottleId() + " [\"" + aliasTwo + "/32\"]");
                // Each alias leads to its own bottle's sidecar, and to nobody else's.
                assertThat(proxyStatus(aliasOne, "x.bottle.test", "/for-one")).startsWith("HTTP/1.1 200");
                assertThat(proxyStatus(aliasTwo, "x.bottle.test", "/for-two")).startsWith("HTTP/1.1 200");
                String auditOne = one.sidecarExec(List.of("cat", "/run/bottle/audit.jsonl"));
                String auditTwo = two.sidecarExec(List.of("cat", "/run/bottle/audit.jsonl"));
                assertThat(auditOne).contains("/for-one").doesNotContain("/for-two");
                assertThat(auditTwo).contains("/for-two").doesNotContain("/for-one");
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(docker.list()).extracting(BottleInfo::bottleId).doesNotContainAnyElementsOf(ids);
        assertThat(reservedBottles()).doesNotContainAnyElementsOf(ids);
        assertThat(new SmolvmDbFixture.Reader(db).names()).isEmpty();
    }

    @Test
    void bottleStopFromElsewhereAndGcOfADeadLauncherLeaveNothingOfTheBottle() throws Exception {
        // `bottle stop <id>` from another launcher while the bottle runs.
        RunningBottle stopped;
        try (SmolmachinesBackend launcher = backend()) {
            stopped = launcher.start(launch(allowing("a.bottle.test"), "true", lightImages), Backend.Progress.SILENT);
        }
        String stoppedId = stopped.bottleId();
        String stoppedAlias = aliasOf(stoppedId);
        try (SmolmachinesBackend elsewhere = backend()) {
            assertThat(elsewhere.has(stoppedId)).isTrue();
            assertThat(elsewhere.list()).anySatisfy(b -> {
                assertThat(b.bottleId()).isEqualTo(stoppedId);
                assertThat(b.state()).isEqualTo("running, alias " + stoppedAlias);
            });
            assertThat(elsewhere.stop(stoppedId)).isTrue();
        }
        assertLeftNothingOf(stoppedId);
        assertThatThrownBy(() -> proxyStatus(stoppedAlias, "x.bottle.test")).isInstanceOf(ConnectException.class);
        stopped.close(); // the launcher notices its bottle is gone: nothing to do, nothing to complain about
        assertThat(notices).noneMatch(n -> n.contains("teardown step failed"));

        // A launcher that died (SIGKILL): its reservation names a process that is gone; its VM and sidecar still run.
        RunningBottle orphan;
        try (SmolmachinesBackend launcher = backend()) {
            orphan = launcher.start(launch(allowing("b.bottle.test"), "true", lightImages), Backend.Progress.SILENT);
        }
        String orphanId = orphan.bottleId();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(POOL_STATE.resolve("loopback-aliases/" + aliasOf(orphanId) + ".reservation"),
                "pid=" + dead.pid() + "\nbottle=" + orphanId + "\nreserved=2026-11-28T01:00:00Z\n");
        try (SmolmachinesBackend gc = backend()) {
            assertThat(gc.leftovers()).extracting(BottleInfo::bottleId).contains(orphanId);
            assertThat(gc.gc()).contains(orphanId);
        }
        assertLeftNothingOf(orphanId);
        orphan.close();
    }

    /** No VM row, no labelled container or network, no alias reservation: nothing of the bottle. */
    private void assertLeftNothingOf(String bottleId) throws Exception {
        String machine = "claude-bottle-" + bottleId;
        assertThat(host.calls("smolvm")).contains(List.of("smolvm", "machine", "delete", machine, "-f"));
        assertThat(new SmolvmDbFixture.Reader(db).names()).doesNotContain(machine);
        assertThat(docker.list()).extracting(BottleInfo::bottleId).doesNotContain(bottleId);
        assertThat(docker.client().listNetworksCmd().withFilter("label", List.of("io.claudebottle.bottle-id=" + bottleId))
                .exec()).isEmpty();
        assertThat(reservedBottles()).doesNotContain(bottleId);
    }

    @Test
    void theLauncherShowsTheFirstSyncOfEachGitMirrorFromTheSidecarsLog() throws Exception {
        ObjectNode config = allowing("allowed.bottle.test");
        config.putObject("gitGate").putArray("repos").addObject().put("name", "alpha");
        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        try (SmolmachinesBackend backend = backend();
             RunningBottle bottle = backend.start(launch(config, "true", lightImages), steps::add)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!steps.contains("git-gate: alpha: mirror ready") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(steps.stream().filter(s -> s.startsWith("git-gate: ")).toList())
                    .containsExactly("git-gate: alpha: Receiving objects 50% (1/2)", "git-gate: alpha: mirror ready");
        }
    }

    @Test
    void aSidecarThatNeverGetsHealthyLeavesNothingAndCreatesNoVm() throws Exception {
        ObjectNode broken = allowing("allowed.bottle.test");
        broken.put("noSuchKey", true); // the sidecar refuses unknown keys and exits

        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        try (SmolmachinesBackend backend = backend()) {
            assertThatThrownBy(() -> backend.start(launch(broken, "true"), steps::add))
                    .hasMessageContaining("exited").hasMessageContaining("noSuchKey");
        }

        Matcher named = Pattern.compile("bottle (smol-[0-9a-f]{6}):").matcher(steps.getFirst());
        assertThat(named.find()).as(steps.toString()).isTrue();
        String id = named.group(1);
        assertThat(host.calls("smolvm")).noneMatch(c -> c.contains("create") && c.contains("machine"));
        assertThat(docker.list()).extracting(BottleInfo::bottleId).doesNotContain(id);
        assertThat(reservedBottles()).doesNotContain(id);
    }

    private String aliasOf(String bottleId) throws IOException {
        for (String boot : host.boots()) {
            Matcher m = BOOT.matcher(boot);
            if (m.matches() && m.group(1).equals(bottleId)) {
                return m.group(2);
            }
        }
        throw new AssertionError("no boot of " + bottleId + " in " + host.boots());
    }

    private List<String> reservedBottles() {
        return new LoopbackAliasPool(POOL_STATE.resolve("loopback-aliases"), LoopbackInterface.alreadyLocal(),
                ProcessHandle.current()).reservations().stream().map(LoopbackAliasPool.Reservation::bottleId).toList();
    }

    private static List<String> hostBindings(Map<ExposedPort, Ports.Binding[]> bindings) {
        List<String> out = new ArrayList<>();
        bindings.forEach((port, bound) -> {
            for (Ports.Binding b : bound == null ? new Ports.Binding[0] : bound) {
                out.add(b.getHostIp() + ":" + b.getHostPortSpec() + "/" + port.getProtocol());
            }
        });
        return out;
    }

    private static final int REFUSED = 5;

    /** A standard A query for {@code name} (RFC 1035 §4.1), id 0x4242, recursion desired. */
    private static byte[] dnsQuery(String name) {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(new byte[] {0x42, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        q.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return q.toByteArray();
    }

    /** The response code of a UDP query to {@code address}:53. */
    private static int udpRcode(String address, String name) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(10_000);
            byte[] query = dnsQuery(name);
            socket.send(new DatagramPacket(query, query.length, InetAddress.ofLiteral(address), 53));
            byte[] buf = new byte[512];
            DatagramPacket reply = new DatagramPacket(buf, buf.length);
            socket.receive(reply);
            assertThat(reply.getLength()).isGreaterThanOrEqualTo(12);
            assertThat(new byte[] {buf[0], buf[1]}).containsExactly(0x42, 0x42);
            return buf[3] & 0x0F;
        }
    }

    /** The response code of a TCP query (two-byte length prefix, RFC 1035 §4.2.2) to {@code address}:53. */
    private static int tcpRcode(String address, String name) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, 53), 2_000);
            s.setSoTimeout(10_000);
            byte[] query = dnsQuery(name);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] reply = new byte[in.readUnsignedShort()];
            in.readFully(reply);
            assertThat(new byte[] {reply[0], reply[1]}).containsExactly(0x42, 0x42);
            return reply[3] & 0x0F;
        }
    }

    /** The status line the proxy on {@code address}:3128 answers to a plain-HTTP request for {@code target}. */
    private static String proxyStatus(String address, String target) throws IOException {
        return proxyStatus(address, target, "/");
    }

    private static String proxyStatus(String address, String target, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, 3128), 2_000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET http://" + target + path + " HTTP/1.1\r\nHost: " + target
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return status == null ? "" : status;
        }
    }
}
