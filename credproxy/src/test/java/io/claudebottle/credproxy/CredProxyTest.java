package io.claudebottle.credproxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The cred-proxy against real HTTPS upstreams on loopback, trusted through a test CA. */
class CredProxyTest {
    static final String TOKEN = "ghp_RealSecretToken0123456789abcdefABCDEF";
    static TestCa ca;

    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<CredProxyEvent> audit = new CopyOnWriteArrayList<>();
    final Map<String, String> env = new HashMap<>(Map.of("GH_PAT", TOKEN));
    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void mintCa() {
        ca = TestCa.mint("cred-proxy test CA");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    FakeUpstream upstream(String bindAddress) throws Exception {
        FakeUpstream upstream = new FakeUpstream(ca.serverContext("localhost", "127.0.0.1", "127.0.0.2"), bindAddress);
        toClose.add(upstream);
        return upstream;
    }

    CredProxy proxy(Route... routes) throws Exception {
        CredProxy proxy = CredProxy.start(new CredProxySettings("127.0.0.1", 0, List.of(routes), Optional.empty(),
                List.of(ca.certificate()), env::get, audit::add));
        toClose.add(proxy);
        return proxy;
    }

    HttpResponse<String> get(CredProxy proxy, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) request.headers(headers);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stripsAgentCredentialsAndInjectsTheRoutesToken() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "hello"));
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin() + "/api/v3", "Bearer", "GH_PAT", null));

        HttpResponse<String> response = get(proxy, "/gh-api/repos/o/r?per_page=5",
                "Authorization", "Bearer agent-placeholder", "x-api-key", "agent-key", "Proxy-Authorization", "Basic eA==");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello");
        FakeUpstream.Seen seen = upstream.seen.getFirst();
        assertThat(seen.uri()).isEqualTo("/api/v3/repos/o/r?per_page=5");
        assertThat(seen.headers().get("Authorization")).containsExactly("Bearer " + TOKEN);
        assertThat(seen.headers().containsKey("X-api-key")).isFalse();
        assertThat(seen.headers().containsKey("Proxy-authorization")).isFalse();
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    }

    @Test
    void aTokenEchoedInResponseHeadersIsRedacted() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> {
            ex.getResponseHeaders().set("X-Echo", "you sent " + ex.getRequestHeaders().getFirst("Authorization"));
            FakeUpstream.text(ex, 200, "ok");
        });
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin(), "Bearer", "GH_PAT", null));

        HttpResponse<String> response = get(proxy, "/gh-api/echo");

        assertThat(response.headers().firstValue("X-Echo")).contains("you sent Bearer [redacted]");
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
            "Bearer, tok_abc123, Authorization, Bearer tok_abc123",
            "token, tok_abc123, Authorization, token tok_abc123",
            "Basic, dXNlcjpwdw==, Authorization, Basic dXNlcjpwdw==",
            "Basic, user:pw, Authorization, Basic dXNlcjpwdw==",
            "Bearer, sk-ant-api03-abcdefghijklmnop, x-api-key, sk-ant-api03-abcdefghijklmnop",
            "token, sk-ant-oat01-abcdefghijklmnop, Authorization, Bearer sk-ant-oat01-abcdefghijklmnop",
    })
    void injectsTheHeaderTheTokenNeeds(String scheme, String token, String header, String value) throws Exception {
        env.put("SOME_TOKEN", token);
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 204, ""));
        CredProxy proxy = proxy(Route.of("/r/", upstream.origin(), scheme, "SOME_TOKEN", null));

        assertThat(get(proxy, "/r/x", "Authorization", "Bearer placeholder", "x-api-key", "sk-ant-api03-agentside")
                .statusCode()).isEqualTo(204);

        FakeUpstream.Seen seen = upstream.seen.getFirst();
        assertThat(seen.headers().get(header)).containsExactly(value);
        String other = header.equals("x-api-key") ? "Authorization" : "x-api-key";
        assertThat(seen.headers().containsKey(other)).as("agent's %s must be stripped", other).isFalse();
    }

    @Test
    void refusesSmartHttpPushPointingAtTheGitGate() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "ok"));
        CredProxy proxy = proxy(Route.of("/gh-git/", upstream.origin(), "Bearer", "GH_PAT", "git-insteadof"));

        for (String push : List.of("/gh-git/o/r.git/info/refs?service=git-receive-pack",
                "/gh-git/o/r.git/git-receive-pack", "/gh-git/o/r.git/git%2dreceive-pack",
                "/gh-git/o/r.git/info/refs?service=GIT-RECEIVE-PACK", "/gh-git/o/r.git/info/refs?x=1&service=git%2Dreceive%2Dpack")) {
            HttpResponse<String> response = get(proxy, push);
            assertThat(response.statusCode()).as(push).isEqualTo(403);
            assertThat(response.body()).as(push).contains("git-gate");
        }
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.port() + "/gh-git/o/r.git/git-receive-pack"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(upstream.seen).isEmpty();

        assertThat(get(proxy, "/gh-git/o/r.git/info/refs?service=git-upload-pack").statusCode()).isEqualTo(200);
        assertThat(upstream.seen).hasSize(1);
    }

    @Test
    void missingTokenIs502NamingTheVariableNotTheValue() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "ok"));
        CredProxy proxy = proxy(Route.of("/npm/", upstream.origin(), "Bearer", "NPM_TOKEN", "npm-registry"));

        HttpResponse<String> response = get(proxy, "/npm/left-pad");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("NPM_TOKEN").contains("/npm/").doesNotContain(TOKEN);
        assertThat(upstream.seen).isEmpty();
        env.put("NPM_TOKEN", "   ");
        assertThat(get(proxy, "/npm/left-pad").statusCode()).isEqualTo(502);
        env.put("NPM_TOKEN", "abc\r\nX-Evil: 1");
        HttpResponse<String> injected = get(proxy, "/npm/left-pad");
        assertThat(injected.statusCode()).isEqualTo(502);
        assertThat(injected.body()).doesNotContain("abc").doesNotContain("Evil");
        assertThat(upstream.seen).isEmpty();
    }

    @Test
    void redirectToAnotherHostIsPassedBackWithoutFollowingIt() throws Exception {
        FakeUpstream elsewhere = upstream("127.0.0.2").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "stolen"));
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> {
            String to = ex.getRequestURI().getPath().endsWith("/away") ? elsewhere.origin() + "/collect?x=1"
                    : upstream0(ex) + "/api/other?page=2";
            ex.getResponseHeaders().set("Location", to);
            FakeUpstream.text(ex, 302, "");
        });
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin() + "/api", "Bearer", "GH_PAT", null));

        HttpResponse<String> away = get(proxy, "/gh-api/away");
        assertThat(away.statusCode()).isEqualTo(302);
        assertThat(away.headers().firstValue("Location")).contains(elsewhere.origin() + "/collect?x=1");
        assertThat(elsewhere.seen).as("the cred-proxy must never follow a redirect").isEmpty();

        HttpResponse<String> same = get(proxy, "/gh-api/stay");
        assertThat(same.headers().firstValue("Location")).as("same-upstream redirects stay on the route")
                .contains("/gh-api/other?page=2");
    }

    private static String upstream0(com.sun.net.httpserver.HttpExchange ex) {
        return "https://127.0.0.1:" + ex.getLocalAddress().getPort();
    }

    @Test
    void tokenOnlyGoesToItsRoutesUpstreamHost() throws Exception {
        env.put("OTHER", "other-token-value-123");
        FakeUpstream a = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "a"));
        FakeUpstream b = upstream("127.0.0.2").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "b"));
        CredProxy proxy = proxy(Route.of("/a/", a.origin(), "Bearer", "GH_PAT", null),
                Route.of("/b/", b.origin(), "Bearer", "OTHER", null));

        // A Host header naming b, an absolute-form URI naming b, dot segments climbing to /b/.
        assertThat(raw(proxy, "GET /a/x HTTP/1.1\r\nHost: 127.0.0.2:" + b.port() + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
        assertThat(raw(proxy, "GET https://127.0.0.2:" + b.port() + "/a/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 400");
        assertThat(raw(proxy, "CONNECT 127.0.0.2:" + b.port() + " HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(get(proxy, "/a/%2e%2e/b/x").statusCode()).isEqualTo(400);
        assertThat(get(proxy, "/b/y").statusCode()).isEqualTo(200);

        assertThat(a.seen).hasSize(1);
        assertThat(a.seen.getFirst().header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(a.seen.getFirst().header("Host")).isEqualTo("127.0.0.1:" + a.port());
        assertThat(b.seen).hasSize(1);
        assertThat(b.seen.getFirst().header("Authorization")).isEqualTo("Bearer other-token-value-123");
    }

    static String raw(CredProxy proxy, String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
        }
    }

    @Test
    void untrustedUpstreamCertificateFailsClosedWithoutLeakingTheToken() throws Exception {
        TestCa stranger = TestCa.mint("not the bottle CA");
        FakeUpstream upstream = new FakeUpstream(stranger.serverContext("127.0.0.1"), "127.0.0.1")
                .on("/", (ex, body) -> FakeUpstream.text(ex, 200, "ok"));
        toClose.add(upstream);
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin(), "Bearer", "GH_PAT", null));

        HttpResponse<String> response = get(proxy, "/gh-api/user");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS").doesNotContain(TOKEN);
        assertThat(upstream.seen).isEmpty();
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        // Signed by the trusted CA, but for another name: hostname verification must refuse it.
        FakeUpstream upstream = new FakeUpstream(ca.serverContext("other.example"), "127.0.0.1")
                .on("/", (ex, body) -> FakeUpstream.text(ex, 200, "ok"));
        toClose.add(upstream);
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin(), "Bearer", "GH_PAT", null));

        HttpResponse<String> response = get(proxy, "/gh-api/user");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("TLS");
        assertThat(upstream.seen).isEmpty();
    }

    @Test
    void unreachableUpstreamIs502() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        CredProxy proxy = proxy(Route.of("/gh-api/", "https://127.0.0.1:" + closedPort, "Bearer", "GH_PAT", null));
        HttpResponse<String> response = get(proxy, "/gh-api/user");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("cannot reach 127.0.0.1:" + closedPort);
    }

    @Test
    void serverSentEventsReachTheAgentBeforeTheUpstreamFinishes() throws Exception {
        CountDownLatch agentSawFirstEvent = new CountDownLatch(1);
        FakeUpstream upstream = upstream("127.0.0.1").on("/v1/messages", (ex, body) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("event: message_start\ndata: {\"n\":1}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            // The upstream only finishes once the agent has the first event: a buffering proxy deadlocks here.
            boolean seen = agentSawFirstEvent.await(10, TimeUnit.SECONDS);
            out.write(("event: message_stop\ndata: {\"seen\":" + seen + "}\n\n").getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        CredProxy proxy = proxy(Route.of("/anthropic/", upstream.origin(), "Bearer", "GH_PAT", "anthropic-base-url"));

        timeToFirstEvent(client, "http://127.0.0.1:" + proxy.port() + "/anthropic/v1/messages",
                agentSawFirstEvent, lastLine -> assertThat(lastLine).contains("\"seen\":true"));

        // Informational figures once warm (assertions on timing belong in benchmarks).
        HttpClient directClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(ca.clientContext()).build();
        long throughProxy = Long.MAX_VALUE;
        long directly = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            throughProxy = Math.min(throughProxy, timeToFirstEvent(client,
                    "http://127.0.0.1:" + proxy.port() + "/anthropic/v1/messages", new CountDownLatch(1), last -> {}));
            directly = Math.min(directly, timeToFirstEvent(directClient, upstream.origin() + "/v1/messages",
                    new CountDownLatch(1), last -> {}));
        }
        System.out.printf("time to first SSE event (best of 5): through cred-proxy %.1f ms"
                + ", direct %.1f ms%n", throughProxy / 1e6, directly / 1e6);
    }

    private static long timeToFirstEvent(HttpClient client, String url, CountDownLatch sawFirst,
                                         java.util.function.Consumer<String> checkLast) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("event: message_start");
            long elapsed = System.nanoTime() - start;
            sawFirst.countDown();
            String line;
            String last = "";
            while ((line = lines.readLine()) != null) {
                if (!line.isEmpty()) last = line;
            }
            checkLast.accept(last);
            return elapsed;
        }
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(42).nextBytes(big);
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            ex.getResponseHeaders().set("X-Request-Sha256", HexFormat.of().formatHex(digest));
            ex.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < big.length; i += 65_536) out.write(big, i, Math.min(65_536, big.length - i));
            }
        });
        CredProxy proxy = proxy(Route.of("/npm/", upstream.origin(), "Bearer", "GH_PAT", null));

        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.port() + "/npm/publish"))
                .expectContinue(true)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Request-Sha256"))
                .contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
        assertThat(response.body()).isEqualTo(big);
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, ex.getRequestURI().getPath()));
        CredProxy proxy = proxy(Route.of("/r/", upstream.origin(), "Bearer", "GH_PAT", null));
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /r/one HTTP/1.1\r\nHost: x\r\n\r\nHEAD /r/two HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /r/three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all).contains("/one").contains("/three").doesNotContain("/two");
            assertThat(all.split("HTTP/1.1 200", -1)).hasSize(4);
        }
        assertThat(upstream.seen).extracting(FakeUpstream.Seen::method).containsExactly("GET", "HEAD", "GET");
    }

    @Test
    void theTokenNeverReachesAuditLinesOrErrorBodies() throws Exception {
        FakeUpstream upstream = upstream("127.0.0.1").on("/", (ex, body) -> FakeUpstream.text(ex, 200, "ok"));
        CredProxy proxy = proxy(Route.of("/gh-api/", upstream.origin(), "Bearer", "GH_PAT", null),
                Route.of("/gone/", "https://127.0.0.1:1", "Bearer", "GH_PAT", null),
                Route.of("/unset/", upstream.origin(), "Bearer", "UNSET_TOKEN", null));
        List<String> bodies = new ArrayList<>();
        for (String path : List.of("/gh-api/u", "/gone/u", "/unset/u", "/nowhere", "/gh-api/info/refs?service=git-receive-pack",
                "/gh-api/" + TOKEN)) {
            bodies.add(get(proxy, path, "Authorization", "Bearer " + TOKEN).body());
        }
        assertThat(audit).hasSizeGreaterThanOrEqualTo(5);
        assertThat(audit).extracting(CredProxyEvent::outcome).contains(CredProxyEvent.Outcome.FORWARDED,
                CredProxyEvent.Outcome.REFUSED, CredProxyEvent.Outcome.UPSTREAM_FAILED);
        // The last path carries the token itself, as an agent could: audit lines must still not.
        for (CredProxyEvent event : audit) {
            assertThat(event.toString()).doesNotContain(TOKEN);
        }
        assertThat(bodies).allSatisfy(body -> assertThat(body).doesNotContain(TOKEN));
    }
}
