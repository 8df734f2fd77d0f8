package io.claudebottle.egress;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSocket upgrades through the plain proxy listener and inside intercepted CONNECT tunnels (wss), with frames scanned. */
class EgressWebSocketTest extends ProxyTestBase {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @Override
    TestUpstream upstream() {
        return TestUpstream.websocket();
    }

    @AfterEach
    void stopClientLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    record Ws(Channel channel, BlockingQueue<String> received) {}

    private Ws connect(String host) throws Exception {
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(
                URI.create("ws://" + host + ":" + up.port() + "/ws"), WebSocketVersion.V13, null, false,
                new DefaultHttpHeaders(), 65536, true, false, 2000, true);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(hs),
                                new SimpleChannelInboundHandler<WebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) done.complete(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        done.completeExceptionally(cause);
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        done.completeExceptionally(new IllegalStateException("closed"));
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame f) {
                                        if (f instanceof TextWebSocketFrame t) received.add(t.text());
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", fx.port())).sync().channel();
        done.get(10, TimeUnit.SECONDS);
        return new Ws(ch, received);
    }

    @Test
    void framesFlowBothWaysOnAnAllowedHost() throws Exception {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())));
        Ws ws = connect("allowed.test");
        ws.channel().writeAndFlush(new TextWebSocketFrame("hello"));
        assertThat(ws.received().poll(5, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        ws.channel().close();
    }

    @Test
    void aFrameCarryingASecretClosesTheSocketBeforeItIsForwarded() throws Exception {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())));
        Ws ws = connect("allowed.test");
        ws.channel().writeAndFlush(new TextWebSocketFrame("key " + EgressDlpTest.SECRET));
        assertThat(ws.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(up.seen).noneSatisfy(s -> assertThat(s.uri).contains("AKIA"));
        assertThat(fx.auditText()).contains("\"reason\":\"dlp\"").doesNotContain(EgressDlpTest.SECRET);
    }

    @Test
    void upgradesToHostsNotAllowedAreRefused() {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())));
        assertThatThrownBy(() -> connect("other.test")).hasMessageContaining("403");
        assertThat(up.seen).isEmpty();
    }

    /** A wss:// client (the JDK's, which tunnels with CONNECT) trusting only the bottle CA. */
    private record Wss(java.net.http.WebSocket socket, BlockingQueue<String> received, CompletableFuture<Integer> closed) {}

    private Wss wss(TestUpstream tlsUp) throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        java.net.http.WebSocket socket = fx.client().newWebSocketBuilder()
                .buildAsync(URI.create("wss://allowed.test:" + tlsUp.port() + "/ws"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                        received.add(data.toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int status, String reason) {
                        closed.complete(status);
                        return null;
                    }

                    @Override
                    public void onError(java.net.http.WebSocket ws, Throwable error) {
                        closed.complete(-1);
                    }
                }).get(10, TimeUnit.SECONDS);
        return new Wss(socket, received, closed);
    }

    @Test
    void wssFramesInsideAnInterceptedTunnelFlowAndASecretClosesIt() throws Exception {
        try (TestUpstream tlsUp = TestUpstream.websocket(Fixture.upstreamTls("allowed.test"))) {
            fx.start(b -> b.allowlist(List.of("allowed.test:" + tlsUp.port())));
            Wss ws = wss(tlsUp);
            ws.socket().sendText("hello", true).get(5, TimeUnit.SECONDS);
            assertThat(ws.received().poll(5, TimeUnit.SECONDS)).isEqualTo("echo:hello");

            ws.socket().sendText("key " + EgressDlpTest.SECRET.substring(0, 8), false).get(5, TimeUnit.SECONDS);
            ws.socket().sendText(EgressDlpTest.SECRET.substring(8) + " end", true).get(5, TimeUnit.SECONDS);

            assertThat(ws.closed().get(5, TimeUnit.SECONDS)).isIn(1008, -1);
            assertThat(tlsUp.seen).extracting(s -> s.uri).containsExactly("ws:hello");
            assertThat(fx.auditText()).contains("\"reason\":\"websocket\"").contains("\"tunnel\":true")
                    .contains("\"reason\":\"dlp\"").contains("\"rule\":\"aws-access-key-id\"")
                    .doesNotContain(EgressDlpTest.SECRET);
        }
    }
}
