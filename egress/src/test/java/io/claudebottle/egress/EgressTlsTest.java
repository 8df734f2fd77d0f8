package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CONNECT, TLS interception with the bottle CA, upstream verification, SNI/Host agreement, passthrough. */
class EgressTlsTest extends ProxyTestBase {

    @Override
    TestUpstream upstream() throws Exception {
        return TestUpstream.https(Fixture.upstreamTls("allowed.test"));
    }


    /** CONNECTs through the proxy and starts TLS with {@code sni}, trusting {@code trust}. */
    private Raw tunnel(String connectTo, String sni, SSLContext trust) throws Exception {
        Raw plain = Raw.to(fx.port());
        plain.send("CONNECT " + connectTo + " HTTP/1.1\r\nHost: " + connectTo + "\r\n\r\n");
        Raw.Response r = plain.read();
        assertThat(r.status()).as("CONNECT " + connectTo).isEqualTo(200);
        SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket(plain.socket, sni, up.port(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        return new Raw(s);
    }

    @Test
    void interceptsWithALeafFromTheBottleCaAndForwardsOverVerifiedTls() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        HttpResponse<String> r = fx.client().send(HttpRequest.newBuilder(URI.create("https://" + target() + "/x?y=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok GET /x?y=1 0");
        X509Certificate leaf = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
        assertThat(leaf.getIssuerX500Principal().getName()).contains("test-bottle");
        assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("allowed.test"));
        assertThat(fx.ca.certificate().getSubjectX500Principal().getName()).contains("claude-bottle CA test-bottle");
        assertThat(fx.auditText()).contains("connect-intercept").contains("\"tunnel\":true");
    }

    @Test
    void negotiatesHttp11AndKeepsTheTunnelAliveOnOneResolution() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        try (Raw t = tunnel(target(), "allowed.test", Fixture.trusting(fx.ca.certificate()))) {
            assertThat(((SSLSocket) t.socket).getApplicationProtocol()).isEqualTo("http/1.1");
            for (int i = 0; i < 3; i++) {
                t.send("GET /k" + i + " HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(t.read().body()).isEqualTo("ok GET /k" + i + " 0");
            }
        }
        assertThat(fx.resolutions.get()).isEqualTo(1);
    }

    @Test
    void aClientTrustingOnlyPublicRootsRejectsTheInterceptedLeaf() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        assertThatThrownBy(() -> tunnel(target(), "allowed.test", Fixture.trusting(Fixture.UPSTREAM_CA.certificate())))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void refusesConnectToHostsNotAllowed() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        for (String t : List.of("other.test:" + up.port(), "allowed.test:443", "127.0.0.1:" + up.port())) {
            try (Raw c = Raw.to(fx.port())) {
                c.send("CONNECT " + t + " HTTP/1.1\r\nHost: " + t + "\r\n\r\n");
                Raw.Response r = c.read();
                assertThat(r.status()).as(t).isEqualTo(403);
                assertThat(r.header("X-Bottle-Block")).as(t).isEqualTo("host-not-allowed");
                assertThat(r.body()).as(t).contains("\"blocked\":\"host-not-allowed\"");
            }
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void refusesConnectToNamesResolvingToPrivateAddresses() throws Exception {
        fx.name("internal.test", "127.0.0.1");
        fx.start(b -> b.allowlist(List.of("internal.test:" + up.port())).allowAddresses(List.of()));
        try (Raw c = Raw.to(fx.port())) {
            c.send("CONNECT internal.test:" + up.port() + " HTTP/1.1\r\nHost: internal.test:" + up.port() + "\r\n\r\n");
            Raw.Response r = c.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("address-not-allowed");
        }
    }

    @Test
    void sniThatDisagreesWithConnectIsMisdirected() throws Exception {
        fx.start(b -> b.allowlist(List.of(target(), "other.test:" + up.port())));
        try (Raw t = tunnel(target(), "other.test", Fixture.trusting(fx.ca.certificate()))) {
            t.send("GET / HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            Raw.Response r = t.read();
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.header("X-Bottle-Block")).isEqualTo("sni-mismatch");
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void hostHeaderThatDisagreesWithConnectIsMisdirected() throws Exception {
        fx.start(b -> b.allowlist(List.of(target(), "other.test:" + up.port())));
        for (String host : List.of("other.test:" + up.port(), "other.test", "")) {
            try (Raw t = tunnel(target(), "allowed.test", Fixture.trusting(fx.ca.certificate()))) {
                t.send("GET / HTTP/1.1\r\n" + (host.isEmpty() ? "" : "Host: " + host + "\r\n") + "\r\n");
                Raw.Response r = t.read();
                assertThat(r.status()).as(host).isEqualTo(421);
                assertThat(r.header("X-Bottle-Block")).isEqualTo("host-mismatch");
            }
        }
        try (Raw t = tunnel(target(), "allowed.test", Fixture.trusting(fx.ca.certificate()))) {
            t.send("GET https://other.test:" + up.port() + "/ HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            assertThat(t.read().status()).isEqualTo(421);
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void upstreamCertificatesAreVerified() throws Exception {
        // Without the test PKI in extraTrustedCaFiles the upstream chains to nothing trusted.
        fx.start(b -> b.allowlist(List.of(target())).extraTrustedCaFiles(List.of()));
        try (Raw t = tunnel(target(), "allowed.test", Fixture.trusting(fx.ca.certificate()))) {
            t.send("GET / HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            Raw.Response r = t.read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).contains("upstream-tls-failed");
        }
        assertThat(up.seen).isEmpty();
    }

    @Test
    void upstreamCertificateMustNameTheHost() throws Exception {
        try (TestUpstream wrongName = TestUpstream.https(Fixture.upstreamTls("other.test"))) {
            fx.start(b -> b.allowlist(List.of("allowed.test:" + wrongName.port())));
            Raw plain = Raw.to(fx.port());
            plain.send("CONNECT allowed.test:" + wrongName.port() + " HTTP/1.1\r\n\r\n");
            assertThat(plain.read().status()).isEqualTo(200);
            SSLSocket s = (SSLSocket) Fixture.trusting(fx.ca.certificate()).getSocketFactory()
                    .createSocket(plain.socket, "allowed.test", wrongName.port(), true);
            try (Raw t = new Raw(s)) {
                t.send("GET / HTTP/1.1\r\nHost: allowed.test:" + wrongName.port() + "\r\n\r\n");
                Raw.Response r = t.read();
                assertThat(r.status()).isEqualTo(502);
                assertThat(r.body()).contains("upstream-tls-failed");
            }
            assertThat(wrongName.seen).isEmpty();
        }
    }

    @Test
    void passthroughHostsAreRelayedWithoutInterception() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).passthrough(List.of(target())));
        try (Raw t = tunnel(target(), "allowed.test", Fixture.trusting(Fixture.UPSTREAM_CA.certificate()))) {
            X509Certificate leaf = (X509Certificate) ((SSLSocket) t.socket).getSession().getPeerCertificates()[0];
            assertThat(leaf.getIssuerX500Principal().getName()).contains("test-upstream-pki");
            t.send("GET /pt HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
            assertThat(t.read().body()).isEqualTo("ok GET /pt 0");
        }
        Thread.sleep(200);
        assertThat(fx.auditText()).contains("connect-passthrough");
    }

    @Test
    void passthroughTunnelsAreClosedWhenSniNamesAnotherHost() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).passthrough(List.of(target())));
        assertThatThrownBy(() -> tunnel(target(), "other.test", Fixture.trusting(Fixture.UPSTREAM_CA.certificate())))
                .isInstanceOf(java.io.IOException.class);
        Thread.sleep(200);
        assertThat(up.seen).isEmpty();
        assertThat(fx.auditText()).contains("sni-mismatch");
    }
}
