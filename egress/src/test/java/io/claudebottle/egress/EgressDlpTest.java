package io.claudebottle.egress;

import io.claudebottle.dlp.SecretScanner;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** DLP before forwarding: URL, headers, bodies (whole, chunked, streamed, encoded), exemptions. */
class EgressDlpTest extends ProxyTestBase {
    static final String SECRET = "AKIAQYLPMN5HHHFPZAM2";



    private HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + target() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) b.headers(headers);
        return fx.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertDlpBlock(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Bottle-Block")).hasValue("dlp");
        assertThat(r.body()).contains("\"blocked\":\"dlp\"").contains("\"rule\":\"aws-access-key-id\"").doesNotContain(SECRET);
    }

    @Test
    void secretsInTheUrlAreBlocked() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        assertDlpBlock(fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/q?k=" + SECRET)).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertDlpBlock(fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/p/" + SECRET + "/x")).build(),
                HttpResponse.BodyHandlers.ofString()));
        String encoded = SECRET.substring(0, 4) + "%" + Integer.toHexString(SECRET.charAt(4)) + SECRET.substring(5);
        assertDlpBlock(fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/e?k=" + encoded)).build(),
                HttpResponse.BodyHandlers.ofString()));
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://user:" + SECRET + "@" + target() + "/ HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(403);
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void secretsInHeadersAreBlocked() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        assertDlpBlock(fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/h"))
                .header("X-Debug", "key=" + SECRET).build(), HttpResponse.BodyHandlers.ofString()));
        assertThat(up.seen).isEmpty();
    }

    @Test
    void secretsInJsonFormAndMultipartBodiesAreBlocked() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        assertDlpBlock(post("/json", ("{\"note\":\"" + SECRET + "\"}").getBytes(), "Content-Type", "application/json"));
        assertDlpBlock(post("/form", ("a=1&key=" + SECRET).getBytes(), "Content-Type", "application/x-www-form-urlencoded"));
        String mp = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                + SECRET + "\r\n--XyZ--\r\n";
        assertDlpBlock(post("/mp", mp.getBytes(), "Content-Type", "multipart/form-data; boundary=XyZ"));
        assertThat(up.seen).isEmpty();
        HttpResponse<String> clean = post("/json", "{\"note\":\"hello\"}".getBytes(), "Content-Type", "application/json");
        assertThat(clean.statusCode()).isEqualTo(200);
    }

    @Test
    void encodedBodiesAreDecodedAndUnreadableOnesRefused() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(("{\"k\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        assertDlpBlock(post("/gz", gz.toByteArray(), "Content-Encoding", "gzip", "Content-Type", "application/json"));
        HttpResponse<String> weird = post("/x", "hello".getBytes(), "Content-Encoding", "x-secret-sauce");
        assertThat(weird.statusCode()).isEqualTo(403);
        assertThat(weird.body()).contains("unscannable-body");
        HttpResponse<String> broken = post("/mp", "no parts here".getBytes(), "Content-Type", "multipart/form-data");
        assertThat(broken.statusCode()).isEqualTo(403);
        assertThat(broken.body()).contains("unscannable-body");
        assertDlpBlock(post("/b64", Base64.getEncoder().encode(("token " + SECRET).getBytes()), "Content-Type", "text/plain"));
        assertThat(up.seen).isEmpty();
    }

    @Test
    void aSecretSplitAcrossChunksIsCaught() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("POST http://" + target() + "/chunks HTTP/1.1\r\nHost: " + target()
                    + "\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n");
            String a = "data " + SECRET.substring(0, 9);
            c.send(Integer.toHexString(a.length()) + "\r\n" + a + "\r\n");
            Thread.sleep(100);
            String b = SECRET.substring(9) + " end";
            c.send(Integer.toHexString(b.length()) + "\r\n" + b + "\r\n0\r\n\r\n");
            Raw.Response r = c.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("aws-access-key-id");
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void largeBodiesStreamThroughTheScannerWithoutLeakingASplitSecret() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).limits(Limits.defaults().withBodyBuffer(4096, 256)));
        int total = 64 * 1024;
        try (Raw c = Raw.to(fx.port())) {
            c.send("POST http://" + target() + "/big HTTP/1.1\r\nHost: " + target() + "\r\nContent-Length: " + total
                    + "\r\nContent-Type: application/octet-stream\r\n\r\n");
            byte[] filler = "x".repeat(16 * 1024).getBytes();
            c.send(filler);
            c.send(("." + SECRET.substring(0, 10)).getBytes());
            Thread.sleep(100);
            byte[] rest = (SECRET.substring(10) + ".").getBytes();
            c.send(rest);
            try {
                c.send(new byte[total - filler.length - 12 - rest.length]);
            } catch (java.io.IOException closedAlready) {
                // the proxy may have closed the connection after answering
            }
            Raw.Response r = c.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("aws-access-key-id");
        }
        Thread.sleep(100);
        for (TestUpstream.Seen s : up.seen) {
            assertThat(s.complete).isFalse();
            assertThat(s.bodyText()).doesNotContain("AKIA");
        }
    }

    @Test
    void largeCleanBodiesArriveWhole() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).limits(Limits.defaults().withBodyBuffer(4096, 256)));
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++) body[i] = (byte) ('a' + i % 26);
        HttpResponse<String> r = post("/big", body, "Content-Type", "application/octet-stream");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok POST /big 300000");
        assertThat(up.seen.getFirst().bodyText().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(body);
    }

    @Test
    void perHostExemptionsAndInjectedValuesAreHonoured() throws Exception {
        fx.start(b -> b.allowlist(List.of(target(), "other.test:" + up.port()))
                .dlpExempt(Map.of("allowed.test", List.of("aws-access-key-id"))));
        assertThat(post("/ok", ("k=" + SECRET).getBytes(), "Content-Type", "text/plain").statusCode()).isEqualTo(200);
        HttpResponse<String> other = fx.client().send(HttpRequest.newBuilder(URI.create("http://other.test:" + up.port() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(SECRET)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(403);
        fx.proxy.close();
        fx.start(b -> b.allowlist(List.of(target())).scanner(SecretScanner.defaults().ignoringValues(Set.of(SECRET))));
        assertThat(fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/inj"))
                .header("Authorization", "Bearer " + SECRET).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void interceptedTrafficIsScannedToo() throws Exception {
        try (TestUpstream tls = TestUpstream.https(Fixture.upstreamTls("allowed.test"))) {
            fx.start(b -> b.allowlist(List.of("allowed.test:" + tls.port())));
            HttpResponse<String> r = fx.client().send(HttpRequest.newBuilder(URI.create("https://allowed.test:" + tls.port() + "/s"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"k\":\"" + SECRET + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertDlpBlock(r);
            assertThat(tls.seen).isEmpty();
        }
        assertThat(fx.auditText()).doesNotContain(SECRET);
    }
}
