package io.claudebottle.egress;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The egress proxy: an HTTP/1.1 forward proxy with CONNECT, the only way out of a bottle for
 * HTTP(S). See the README's "Security model" for what it enforces.
 *
 * <pre>{@code
 * try (EgressProxy proxy = EgressProxy.start(settings, BottleCa.mint("my-bottle"), audit)) {
 *     int port = proxy.port();
 * }
 * }</pre>
 */
public final class EgressProxy implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService resolverThreads;
    private final Channel server;

    private EgressProxy(EventLoopGroup boss, EventLoopGroup workers, ExecutorService resolverThreads, Channel server) {
        this.boss = boss;
        this.workers = workers;
        this.resolverThreads = resolverThreads;
        this.server = server;
    }

    /** Binds and starts serving; throws if the settings are invalid or the port is taken. */
    public static EgressProxy start(EgressSettings settings, BottleCa ca, AuditLog audit) {
        ExecutorService resolverThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("egress-resolve-", 0).factory());
        ProxyContext px = new ProxyContext(settings, ca, audit, resolverThreads);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int open = px.connections.incrementAndGet();
                            ch.closeFuture().addListener(f -> px.connections.decrementAndGet());
                            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0,
                                    px.limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                            ch.pipeline().addLast("http", new ProxyCodec(px.limits));
                            if (open > px.limits.maxConnections()) {
                                ch.writeAndFlush(Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                                        "too-many-connections", Map.of())).addListener(ChannelFutureListener.CLOSE);
                                return;
                            }
                            ch.pipeline().addLast("frontend", new FrontendHandler(px, null));
                        }
                    })
                    .bind(new InetSocketAddress(settings.bind(), settings.port()))
                    .syncUninterruptibly().channel();
            return new EgressProxy(boss, workers, resolverThreads, server);
        } catch (Exception e) { // bind() rethrows java.net.BindException unchecked
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            resolverThreads.shutdownNow();
            throw new IllegalStateException("egress: cannot listen on " + settings.bind() + ":" + settings.port()
                    + ": " + e.getMessage() + " (pick another \"egress.port\", or 0 for any free port)", e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        resolverThreads.shutdownNow();
    }
}
