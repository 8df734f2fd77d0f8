package io.claudebottle.credproxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** cred-proxy → egress proxy (TLS interception, allowlist, DLP) → fake upstream, as in the sidecar. */
class ThroughEgressTest {
    static final String TOKEN = "sk-ant-oat01-ThisLooksExactlyLikeARealOAuthToken_0123456789";
    static TestCa ca;

    @TempDir
    Path dir;
    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<CredProxyEvent> audit = new CopyOnWriteArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void mintCa() {
        ca = TestCa.mint("through-egress test CA");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    FakeUpstream upstream() throws Exception {
        FakeUpstream upstream = new FakeUpstream(ca.serverContext("api.anthropic.test", "other.test"), "127.0.0.1")
                .on("/", (ex, body) -> FakeUpstream.text(ex, 200, "upstream says hi"));
        toClose.add(upstream);
        return upstream;
    }

    CredProxy chain(FakeUpstream upstream, String host, List<String> allowlist, Set<String> ignored) throws Exception {
        EgressFixture egress = new EgressFixture(ca, dir, allowlist, ignored);
        toClose.add(egress);
        CredProxy proxy = CredProxy.start(egress.credProxySettings(
                List.of(Route.of("/anthropic/", "https://" + host + ":" + upstream.port(), "Bearer", "TOKEN", null)),
                Map.of("TOKEN", TOKEN)::get, audit::add));
        toClose.add(proxy);
        return proxy;
    }

    HttpResponse<String> get(CredProxy proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forwardsThroughTheEgressProxyWithItsScannerIgnoringTheInjectedToken() throws Exception {
        FakeUpstream upstream = upstream();
        CredProxy proxy = chain(upstream, "api.anthropic.test", List.of("api.anthropic.test:" + upstream.port()), Set.of(TOKEN));

        HttpResponse<String> response = get(proxy, "/anthropic/v1/models");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("upstream says hi");
        assertThat(upstream.seen.getFirst().header("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void egressDlpStillAppliesToCredProxyTraffic() throws Exception {
        FakeUpstream upstream = upstream();
        // This scanner was not told about the token: the egress proxy must catch it in the header.
        CredProxy proxy = chain(upstream, "api.anthropic.test", List.of("api.anthropic.test:" + upstream.port()), Set.of());

        HttpResponse<String> response = get(proxy, "/anthropic/v1/models");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).doesNotContain(TOKEN);
        assertThat(upstream.seen).isEmpty();
    }

    @Test
    void anUpstreamOffTheAllowlistIs502NamingTheAllowlist() throws Exception {
        FakeUpstream upstream = upstream();
        CredProxy proxy = chain(upstream, "other.test", List.of("api.anthropic.test:" + upstream.port()), Set.of(TOKEN));

        HttpResponse<String> response = get(proxy, "/anthropic/v1/models");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("egress proxy").contains("other.test").contains("allowlist")
                .doesNotContain(TOKEN);
        assertThat(upstream.seen).isEmpty();
        assertThat(audit.toString()).doesNotContain(TOKEN);
    }
}
