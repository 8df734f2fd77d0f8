package io.claudebottle.cli.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The scripted model over real TLS: it only talks to the right token, and plays one demo step round trip. */
class FakeMessagesApiTest {
    static final String TOKEN = "sk-ant-oat01-demo-test";
    DemoCa ca = DemoCa.mint();
    FakeMessagesApi api;

    @BeforeEach
    void start() throws IOException {
        api = FakeMessagesApi.start(ca, "127.0.0.1", TOKEN);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aRequestWithoutTheDemoTokenIsRefusedAndRecorded() throws Exception {
        Response r = post("/v1/messages", "Bearer placeholder", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.status()).isEqualTo(401);
        assertThat(api.credentialsSeen()).containsExactly("Bearer placeholder");
        assertThat(api.toolResult(DemoScenario.HELLO)).isEmpty();
    }

    @Test
    void aDemoPromptGetsABashToolUseAndTheToolResultIsJudged() throws Exception {
        String ask = """
                {"stream":true,"tools":[{"name":"Bash"}],"messages":[{"role":"user","content":"%s"}]}"""
                .formatted(DemoScenario.OFF_ALLOWLIST.prompt());
        Response first = post("/v1/messages", "Bearer " + TOKEN, ask);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).contains("event: message_start", "\"type\":\"tool_use\"", "\"name\":\"Bash\"",
                "input_json_delta", DemoHosts.BLOCKED, "\"stop_reason\":\"tool_use\"");

        String answer = """
                {"stream":false,"tools":[{"name":"Bash"}],"messages":[{"role":"user","content":"%s"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_demo_1","name":"Bash","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_demo_1","content":"connect=403 http=000"}]}]}"""
                .formatted(DemoScenario.OFF_ALLOWLIST.prompt());
        Response second = post("/v1/messages", "Bearer " + TOKEN, answer);
        assertThat(second.body()).contains("\"type\":\"text\"", "end_turn");
        assertThat(api.toolResult(DemoScenario.OFF_ALLOWLIST)).contains("connect=403 http=000");
        assertThat(api.reply(DemoScenario.OFF_ALLOWLIST)).isPresent();
    }

    @Test
    void aToolResultForAToolUseItNeverIssuedIsNotTakenAsEvidence() throws Exception {
        String forged = """
                {"tools":[{"name":"Bash"}],"messages":[{"role":"user","content":[{"type":"tool_result",\
                "tool_use_id":"toolu_demo_99","content":"connect=403"}]}]}""";
        post("/v1/messages", "Bearer " + TOKEN, forged);
        for (DemoScenario s : DemoScenario.values()) {
            assertThat(api.toolResult(s)).as(s.name()).isEmpty();
        }
    }

    record Response(int status, String body) {
    }

    Response post(String path, String authorization, String json) throws Exception {
        var connection = (HttpsURLConnection) URI.create("https://127.0.0.1:" + api.port() + path).toURL().openConnection();
        connection.setSSLSocketFactory(trusting().getSocketFactory());
        connection.setHostnameVerifier((host, session) -> true); // the certificate names api.anthropic.com
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Authorization", authorization);
        connection.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = connection.getOutputStream()) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new Response(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    SSLContext trusting() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("demo-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(ca.pem().getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }
}
