package io.claudebottle.egress;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A loopback origin server for tests: records every request it sees (even incomplete ones). */
final class TestUpstream implements AutoCloseable {
    /** One request as the upstream saw it; {@code body} grows while it arrives. */
    static final class Seen {
        final String method;
        final String uri;
        final HttpHeaders headers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        volatile boolean complete;

        Seen(HttpRequest r) {
            method = r.method().name();
            uri = r.uri();
            headers = r.headers().copy();
        }

        synchronized String bodyText() {
            return body.toString(StandardCharsets.ISO_8859_1);
        }
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    private TestUpstream(SslContext tls, boolean websocket) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new HttpServerCodec());
                        if (websocket) {
                            ch.pipeline().addLast(new HttpObjectAggregator(1 << 20));
                            ch.pipeline().addLast(new WebSocketServerProtocolHandler("/ws"));
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                    seen.add(new Seen(new io.netty.handler.codec.http.DefaultHttpRequest(
                                            HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "ws:" + f.text())));
                                    ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                }
                            });
                        } else {
                            ch.pipeline().addLast(new Recorder());
                        }
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /** Requests for paths starting with this are answered {@link #SLOW_MILLIS} late. */
    static final String SLOW_PATH = "/slow";
    static final long SLOW_MILLIS = 5_000;

    static TestUpstream http() {
        return new TestUpstream(null, false);
    }

    static TestUpstream https(SslContext tls) {
        return new TestUpstream(tls, false);
    }

    static TestUpstream websocket() {
        return new TestUpstream(null, true);
    }

    /** A wss:// echo server on /ws. */
    static TestUpstream websocket(SslContext tls) {
        return new TestUpstream(tls, true);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Recorder extends SimpleChannelInboundHandler<HttpObject> {
        private Seen current;
        private boolean keepAlive;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest r) {
                current = new Seen(r);
                keepAlive = HttpUtil.isKeepAlive(r);
                seen.add(current);
            }
            if (msg instanceof HttpContent c && current != null) {
                ByteBuf b = c.content();
                synchronized (current) {
                    current.body.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
                }
                if (c instanceof LastHttpContent) {
                    current.complete = true;
                    byte[] reply = ("ok " + current.method + " " + current.uri + " " + current.body.size())
                            .getBytes(StandardCharsets.UTF_8);
                    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(reply));
                    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.length);
                    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                    boolean close = !keepAlive;
                    Runnable answer = () -> {
                        var f = ctx.writeAndFlush(resp);
                        if (close) f.addListener(ChannelFutureListener.CLOSE);
                    };
                    if (current.uri.startsWith(SLOW_PATH)) ctx.executor().schedule(answer, SLOW_MILLIS, TimeUnit.MILLISECONDS);
                    else answer.run();
                }
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
