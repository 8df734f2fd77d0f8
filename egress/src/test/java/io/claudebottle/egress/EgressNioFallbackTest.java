package io.claudebottle.egress;

import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java NIO transport the proxy falls back to where Netty's epoll library cannot load (or with
 * {@code -Dbottle.egress.nio=true}): interception, forwarding, keep-alive, DLP and denial work on it
 * as on epoll, upstream connections included.
 */
class EgressNioFallbackTest extends ProxyTestBase {

    @Override
    TestUpstream upstream() throws Exception {
        return TestUpstream.https(Fixture.upstreamTls("allowed.test"));
    }

    @BeforeEach
    void onNio() {
        fx.transport = Transport.NIO;
        assertThat(Transport.NIO.socketChannel()).isEqualTo(NioSocketChannel.class);
    }

    @Test
    void interceptsForwardsOverKeepAliveAndBlocksOnNio() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        var client = fx.client();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://" + target() + "/n" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("body" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok POST /n" + i + " 5");
        }
        HttpResponse<String> leak = client.send(HttpRequest.newBuilder(URI.create("https://" + target() + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("key=" + EgressDlpTest.SECRET)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(leak.statusCode()).isEqualTo(403);
        assertThat(leak.body()).contains("\"blocked\":\"dlp\"");
        HttpResponse<String> denied = client.send(HttpRequest.newBuilder(URI.create("http://other.test:" + up.port() + "/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("X-Bottle-Block")).hasValue("host-not-allowed");
        assertThat(up.seen).hasSize(3);
        assertThat(fx.auditText()).contains("connect-intercept").contains("\"reason\":\"dlp\"");
    }
}
