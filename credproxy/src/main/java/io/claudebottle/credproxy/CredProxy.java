package io.claudebottle.credproxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The cred-proxy: a plain-HTTP server for the agent that forwards each route's requests to its
 * upstream over HTTPS with the real credential, which only this process ever holds.
 *
 * <pre>{@code
 * try (CredProxy proxy = CredProxy.start(settings)) {
 *     int port = proxy.port();
 * }
 * }</pre>
 */
public final class CredProxy implements AutoCloseable {
    private final ProxyCore core;
    private final EventLoopGroup group;
    private final Channel server;

    private CredProxy(ProxyCore core, EventLoopGroup group, Channel server) {
        this.core = core;
        this.group = group;
        this.server = server;
    }

    /** Binds the listener and returns once it accepts connections. */
    public static CredProxy start(CredProxySettings settings) throws IOException {
        ProxyCore core = new ProxyCore(settings);
        // One I/O thread: a bottle has one agent, one thread relays far more than it can use, and
        // every idle upstream connection is then reusable by every request (see UpstreamPool).
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("cred-proxy", true), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(16_384).setMaxHeaderSize(65_536)));
                        ch.pipeline().addLast(new FrontendHandler(core));
                    }
                });
        ChannelFuture bound = bootstrap.bind(settings.bindHost(), settings.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cred-proxy: cannot listen on " + settings.bindHost() + ":" + settings.port()
                    + " (" + bound.cause().getMessage() + "); free the port or set credProxy.port to another one",
                    bound.cause());
        }
        return new CredProxy(core, group, bound.channel());
    }

    /**
     * False if the upstream TLS context (the JDK's trust anchors and the extra ones), built in the
     * background from {@link #start}, could not be built: every request is then answered 502.
     */
    public boolean healthy() {
        return core.connector.healthy();
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Stops listening, cuts open connections and releases the threads. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
