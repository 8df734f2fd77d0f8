package io.claudebottle.sidecar;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cred-proxy inside a whole sidecar: it tunnels through the egress proxy and trusts the bottle CA. */
class SidecarCredProxyTest {
    static final String TOKEN = "sk-ant-oat01-SidecarTestToken_abcdefghijklmnopqrstuvwxyz0123";

    @TempDir
    Path tmp;

    @Test
    void credProxyForwardsThroughTheEgressProxyWithTheTokenFromTheEnvironment() throws Exception {
        KeyPair caKeys = ecKeys();
        X509Certificate ca = certificate(new X500Name("CN=sidecar cred-proxy test CA"), caKeys, caKeys, null, true);
        Path caFile = Files.writeString(tmp.resolve("upstream-ca.pem"), pem(ca));
        KeyPair leafKeys = ecKeys();
        X509Certificate leaf = certificate(new X500Name("CN=localhost"), leafKeys, caKeys, ca, false);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("leaf", leafKeys.getPrivate(), new char[0], new Certificate[] {leaf, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpsServer upstream = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.setHttpsConfigurator(new HttpsConfigurator(tls));
        upstream.createContext("/", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ("upstream got " + ex.getRequestURI()).getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.start();
        int port = upstream.getAddress().getPort();
        String json = """
                {"bottle": "sidecar-cred-proxy-test", "bind": "127.0.0.1", "auditLog": "%s", "caCertFile": "%s",
                 "egress": {"port": 0, "allowlist": ["localhost:%d"], "allowAddresses": ["127.0.0.1", "::1"],
                            "extraTrustedCaFiles": ["%s"]},
                 "credProxy": {"port": 0, "routes": [{"path": "/api/", "upstream": "https://localhost:%d",
                               "authScheme": "Bearer", "tokenRef": "SIDECAR_TEST_TOKEN"}]}}
                """.formatted(tmp.resolve("audit.jsonl"), tmp.resolve("ca.pem"), port, caFile, port);
        try (Sidecar sidecar = Sidecar.start(SidecarConfig.parse(json, "test.json"), Map.of("SIDECAR_TEST_TOKEN", TOKEN)::get)) {
            assertThat(sidecar.ports()).containsKeys("egress", "cred-proxy", "supervise");
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + sidecar.ports().get("cred-proxy") + "/api/v1/hello?x=1"))
                    .header("Authorization", "Bearer placeholder").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("upstream got /v1/hello?x=1");
            assertThat(authorizations).containsExactly("Bearer " + TOKEN);
        } finally {
            upstream.stop(0);
        }
        String audit = Files.readString(tmp.resolve("audit.jsonl"));
        assertThat(audit).contains("\"service\":\"cred-proxy\"").contains("\"service\":\"egress\"").doesNotContain(TOKEN);
    }

    @Test
    void credProxyWithoutEgressIsRefused() {
        String json = """
                {"bottle": "b", "auditLog": "%s", "caCertFile": "%s",
                 "credProxy": {"port": 0, "routes": []}}
                """.formatted(tmp.resolve("audit.jsonl"), tmp.resolve("ca.pem"));
        assertThatThrownBy(() -> Sidecar.start(SidecarConfig.parse(json, "t.json"), name -> null))
                .hasMessageContaining("egress");
    }

    @Test
    void badRoutesAreRejectedWhenTheConfigIsRead() {
        String json = """
                {"bottle": "b", "auditLog": "a", "caCertFile": "c",
                 "credProxy": {"routes": [{"path": "/api/", "upstream": "http://x.example", "authScheme": "Bearer", "tokenRef": "T"}]}}
                """;
        assertThatThrownBy(() -> SidecarConfig.parse(json, "t.json"))
                .hasMessageContaining("t.json").hasMessageContaining("credProxy.routes").hasMessageContaining("https://");
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys,
                                               X509Certificate issuer, boolean ca) throws Exception {
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder builder = issuer == null
                ? new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now), new Date(now - 3_600_000),
                        new Date(now + 86_400_000), subject, subjectKeys.getPublic())
                : new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now + 1), new Date(now - 3_600_000),
                        new Date(now + 86_400_000), subject, subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!ca) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static String pem(X509Certificate certificate) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        }
        return out.toString();
    }
}
