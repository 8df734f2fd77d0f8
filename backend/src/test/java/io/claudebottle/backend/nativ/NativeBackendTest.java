package io.claudebottle.backend.nativ;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real native bottles (the sidecar services in the launcher's JVM, the agent in a namespace sandbox)
 * in what only the native backend has: a dead sidecar, {@code stop} from the state directory alone,
 * {@code gc} of a dead launcher's state. The security matrix shared with the Docker backend (allowlist,
 * DLP, git-gate, reachability, DNS, token, teardown; bubblewrap, unshare, root and nobody) is
 * {@code cli/src/test/.../matrix/SecurityMatrixTest}.
 */
class NativeBackendTest {

    private static final String UPSTREAM = "upstream.bottle.test";
    /** The cred-proxy's token: the agent must never see it. */
    private static final String SECRET = "ghp_" + "R7kQ2mZ9xW4vB8nT3pL6yH1cF5dJ0sAeGuXi";

    private static HttpsServer upstream;
    private static String upstreamCaPem;
    private static final List<String> received = new CopyOnWriteArrayList<>();

    @TempDir
    Path temp;

    @BeforeAll
    static void startUpstream() throws Exception {
        SandboxSupport.assumeSandbox(SandboxTool.detect());
        org.junit.jupiter.api.Assumptions.assumeTrue(SandboxTool.executable("curl").isPresent() || SandboxSupport.REQUIRE_ALL,
                "curl is not installed (apt-get install curl): the scripted agent probes with it");
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair caKey = gen.generateKeyPair();
        KeyPair leafKey = gen.generateKeyPair();
        X509Certificate ca = certificate("CN=bottle test upstream CA", caKey, caKey, true, null);
        X509Certificate leaf = certificate("CN=" + UPSTREAM, leafKey, caKey, false, UPSTREAM);
        upstreamCaPem = pem(ca);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("leaf", leafKey.getPrivate(), new char[0], new X509Certificate[] {leaf, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        upstream = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.setHttpsConfigurator(new HttpsConfigurator(tls));
        upstream.createContext("/", x -> {
            String auth = x.getRequestHeaders().getFirst("Authorization");
            received.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " auth=" + (SECRET.equals(
                    auth == null ? null : auth.replaceFirst("^Bearer ", "")) ? "token" : String.valueOf(auth)));
            byte[] body = "upstream-hello".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        upstream.start();
    }

    @AfterAll
    static void stopUpstream() throws IOException {
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    private NativeBackend backend() {
        return backend(SandboxTool.detect());
    }

    private NativeBackend backend(SandboxTool tool) {
        Path work = SandboxSupport.workDir(temp);
        return new NativeBackend(temp.resolve("state"), work, tool);
    }

    private static BottleLaunch launch(String script) {
        int port = upstream.getAddress().getPort();
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        ObjectNode egress = config.putObject("egress");
        egress.putArray("allowlist").add(UPSTREAM + ":" + port);
        egress.putArray("allowAddresses").add("127.0.0.1");
        egress.putArray("extraTrustedCaFiles").add("/run/bottle/upstream-ca.pem");
        ObjectNode route = config.putObject("credProxy").putArray("routes").addObject();
        route.put("path", "/api/").put("upstream", "https://" + UPSTREAM + ":" + port)
                .put("authScheme", "Bearer").put("tokenRef", "BOTTLE_TEST_TOKEN");
        return new BottleLaunch("nat", "nat", config, Map.of("BOTTLE_TEST_TOKEN", SECRET),
                Map.of("API_BASE", "http://cred-proxy:9099/api"), Map.of(".config/role.txt", "role-file"),
                Map.of("upstream-ca.pem", upstreamCaPem), Map.of(), List.of("bash", "-c", script), false,
                Optional.empty(), new BottleLaunch.Images("none", "none"), Map.of(UPSTREAM, "host-gateway"));
    }

    @Test
    void aDeadSidecarMeansNoEgressAndStopAndGcRemoveEverything() throws Exception {
        int port = upstream.getAddress().getPort();
        try (NativeBackend backend = backend()) {
            RunningBottle bottle = backend.start(launch("""
                    echo "AFTER $(curl -s -o /dev/null -w '%%{http_code}' -m 10 https://%s:%d/hello)"
                    """.formatted(UPSTREAM, port)), Backend.Progress.SILENT);
            try {
                NativeBottle nb = (NativeBottle) bottle;
                int egressPort = nb.sidecar().ports().get("egress");
                nb.sidecar().close();
                // someone else takes the dead sidecar's port: the agent's traffic must still go nowhere
                AtomicInteger squatted = new AtomicInteger();
                ServerSocket squatter = squat(egressPort, squatted);
                try {
                    RunningBottle.AgentResult r = bottle.runAgent(Duration.ofSeconds(60));
                    assertThat(r.stdout()).contains("AFTER 000");
                } finally {
                    if (squatter != null) {
                        squatter.close();
                    }
                }
                assertThat(squatted.get()).isZero();
                long sandboxPid = nb.sandbox().pid();
                Path dir = nb.stateDirectory();
                // `bottle stop` from another launcher: by id, from the state directory alone
                assertThat(backend.stop(bottle.bottleId())).isTrue();
                assertThat(dir).doesNotExist();
                assertThat(Sandbox.running(sandboxPid)).isFalse();
                assertThat(backend.stop(bottle.bottleId())).isFalse();
            } finally {
                bottle.close();
            }
            // a launcher that died: its state directory names a process that is gone
            Path orphan = NativeState.privateDirectory(NativeState.privateDirectory(temp.resolve("state")).resolve("nat-dead00"));
            new NativeState("nat-dead00", "nat", "nat", Instant.now(), "bwrap", "1 1970-01-01T00:00:00Z", "", "",
                    orphan.resolve("audit.jsonl").toString()).write(orphan);
            assertThat(backend.leftovers()).extracting(BottleInfo::bottleId).containsExactly("nat-dead00");
            assertThat(backend.gc()).containsExactly("nat-dead00");
            assertThat(orphan).doesNotExist();
        }
    }

    /**
     * An agent done before its sidecar services finished starting: closing the bottle waits for
     * them, so they neither outlive it nor write into its state directory after it was removed.
     */
    @Test
    void aBottleClosedWhileItsServicesStartLeavesNothingBehind() throws Exception {
        try (NativeBackend backend = backend()) {
            RunningBottle bottle = backend.start(launch("true"), Backend.Progress.SILENT);
            NativeBottle nb = (NativeBottle) bottle;
            Path dir = nb.stateDirectory();
            assertThat(bottle.runAgent(Duration.ofSeconds(60)).exitCode()).isZero();
            bottle.close();
            assertThat(dir).doesNotExist();
            Thread.sleep(1000); // a service still starting would write its CA file or audit log by now
            assertThat(dir).doesNotExist();
            assertThat(nb.sidecar().open()).isFalse();
        }
    }

    /**
     * The agent starts while the sidecar services are still starting; services that then fail
     * (here: the egress proxy's extra trusted CA file is no certificate) stop the agent — its
     * connection, held by the relay while they started, goes nowhere — and running it says why.
     */
    @Test
    void sidecarServicesThatFailToStartStopTheAgentAndSayWhy() throws Exception {
        BottleLaunch base = launch("curl -s -m 50 -o /dev/null http://%s/ ; sleep 50".formatted(UPSTREAM));
        BottleLaunch broken = new BottleLaunch(base.agent(), base.bottle(), base.sidecarConfig(), base.secrets(),
                base.agentEnv(), base.agentFiles(), Map.of("upstream-ca.pem", "not a certificate"), base.skills(),
                base.agentCommand(), false, base.runtime(), base.images(), base.sidecarHosts());
        try (NativeBackend backend = backend()) {
            long t0 = System.nanoTime();
            RunningBottle bottle = backend.start(broken, Backend.Progress.SILENT);
            try {
                NativeBottle nb = (NativeBottle) bottle;
                assertThatThrownBy(() -> bottle.runAgent(Duration.ofSeconds(45)))
                        .isInstanceOf(BackendException.class)
                        .hasMessageContaining("upstream-ca.pem is not a PEM certificate");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(40));
                assertThat(Sandbox.running(nb.sandbox().pid())).isFalse();
            } finally {
                bottle.close();
            }
        }
    }

    /** A listener on the host's 127.0.0.1:{@code port} counting connections, or null if the port is taken. */
    private static ServerSocket squat(int port, AtomicInteger accepted) {
        try {
            ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        // closed at the end
                    }
                }
            });
            return socket;
        } catch (IOException taken) {
            return null;
        }
    }

    private static X509Certificate certificate(String subject, KeyPair key, KeyPair issuerKey, boolean isCa,
                                               String dnsName) throws Exception {
        Instant now = Instant.now();
        X500Name issuer = new X500Name(isCa ? subject : "CN=bottle test upstream CA");
        var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject), key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (dnsName != null) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }

    private static String pem(X509Certificate cert) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}
