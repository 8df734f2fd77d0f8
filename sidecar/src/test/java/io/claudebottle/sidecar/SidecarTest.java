package io.claudebottle.sidecar;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A whole sidecar on loopback: CA minting, supervise endpoints, egress with audit. */
class SidecarTest {
    @TempDir
    Path tmp;

    private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startsEgressAndSuperviseFromOneConfig() throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/", ex -> {
            byte[] b = "origin".getBytes();
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        origin.start();
        int originPort = origin.getAddress().getPort();
        String json = """
                {"bottle": "sidecar-test-1", "bind": "127.0.0.1", "auditLog": "%s", "caCertFile": "%s",
                 "supervise": {"port": 0},
                 "egress": {"port": 0, "allowlist": ["localhost:%d"], "allowAddresses": ["127.0.0.1", "::1"]}}
                """.formatted(tmp.resolve("run/audit.jsonl"), tmp.resolve("run/ca.pem"), originPort);
        Path cfg = tmp.resolve("sidecar.json");
        Files.writeString(cfg, json);
        try (Sidecar sidecar = Sidecar.start(SidecarConfig.read(cfg))) {
            assertThat(sidecar.ports()).containsKeys("egress", "supervise");
            int supervise = sidecar.ports().get("supervise");
            HttpClient plain = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + supervise;

            assertThat(get(plain, base + "/health").statusCode()).isEqualTo(200);
            JsonNode ports = JsonMapper.builder().build().readTree(get(plain, base + "/ports").body());
            assertThat(ports.get("egress").asInt()).isEqualTo(sidecar.ports().get("egress"));
            assertThat(ports.get("supervise").asInt()).isEqualTo(supervise);

            String pem = get(plain, base + "/ca.pem").body();
            assertThat(pem).isEqualTo(Files.readString(tmp.resolve("run/ca.pem")));
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            assertThat(ca.getSubjectX500Principal().getName()).contains("sidecar-test-1");
            assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
            assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
            assertThat(ca).isEqualTo(sidecar.caCertificate());
            assertThat(get(plain, base + "/nope").statusCode()).isEqualTo(404);

            HttpClient proxied = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", sidecar.ports().get("egress")))).build();
            assertThat(get(proxied, "http://localhost:" + originPort + "/x").body()).isEqualTo("origin");
            HttpResponse<String> denied = get(proxied, "http://localhost:" + (originPort == 65535 ? 1 : originPort + 1) + "/");
            assertThat(denied.statusCode()).isEqualTo(403);
        } finally {
            origin.stop(0);
        }
        String audit = Files.readString(tmp.resolve("run/audit.jsonl"));
        assertThat(audit).contains("\"service\":\"sidecar\"").contains("\"event\":\"started\"")
                .contains("\"decision\":\"allow\"").contains("\"decision\":\"deny\"");
        // The CA private key never reaches the disk.
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain("PRIVATE KEY");
            }
        }
    }

    @Test
    void aServiceThatCannotStartStopsTheWholeSidecar() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            String json = """
                    {"bottle": "b", "auditLog": "%s", "caCertFile": "%s", "supervise": {"port": %d}, "egress": {"port": 0}}
                    """.formatted(tmp.resolve("a.jsonl"), tmp.resolve("ca.pem"), taken.getLocalPort());
            assertThatThrownBy(() -> Sidecar.start(SidecarConfig.parse(json, "t.json")))
                    .hasMessageContaining("supervise").hasMessageContaining(String.valueOf(taken.getLocalPort()));
            String egressTaken = """
                    {"bottle": "b", "auditLog": "%s", "caCertFile": "%s", "egress": {"port": %d}}
                    """.formatted(tmp.resolve("a.jsonl"), tmp.resolve("ca.pem"), taken.getLocalPort());
            assertThatThrownBy(() -> Sidecar.start(SidecarConfig.parse(egressTaken, "t.json")))
                    .hasMessageContaining("egress").hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
    }
}
