package io.claudebottle.egress;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
    /**
     * Event loops: one per core, at least two, at most eight (a container without a CPU limit
     * reports every host core, and each loop costs a thread and its buffer caches). Two per core
     * paid when a loop could wait on the audit log's lock; since its records are written once per
     * pass (AuditBatches), more loops than cores only add context switches and epoll calls: on two
     * cores, two loops served 10-17 % more requests per CPU-second than four (two sidecars side by
     * side, alternating, 64 busy connections).
     */
    static final int EVENT_LOOPS = Math.clamp(Runtime.getRuntime().availableProcessors(), 2, 8);

    /**
     * Direct buffer arenas: one per four event loops (one on two cores). Each arena keeps its own
     * partly used chunks, so the pool's footprint grows with their number: one arena per loop (four
     * here) held 15 MiB after 200 busy connections, one held 5 MiB, at the same requests/s (an
     * arena's lock is held briefly, next to the TLS work each buffer serves).
     */
    private static final int DIRECT_ARENAS = Math.max(1, EVENT_LOOPS / 4);

    /**
     * Buffers for both sides of every connection: {@link #DIRECT_ARENAS} direct arenas, 1 MiB
     * chunks (the pool grows and shrinks in small steps; Netty's default is 4 MiB), small
     * per-thread caches; heap buffers (decompression output) come from one small arena.
     */
    private static final ByteBufAllocator BUFFERS = new PooledByteBufAllocator(true, 1, DIRECT_ARENAS, 8192, 7,
            64, 16, false);

    private final EventLoopGroup workers;
    private final ExecutorService resolverThreads;
    private final Channel server;
    private final CompletableFuture<?> tlsLoaded;

    private EgressProxy(EventLoopGroup workers, ExecutorService resolverThreads, Channel server, CompletableFuture<?> tlsLoaded) {
        this.workers = workers;
        this.resolverThreads = resolverThreads;
        this.server = server;
        this.tlsLoaded = tlsLoaded;
    }

    /** Binds and starts serving; throws if the settings are invalid or the port is taken. */
    public static EgressProxy start(EgressSettings settings, BottleCa ca, AuditLog audit) {
        return start(settings, ca, audit, Transport.BEST);
    }

    static EgressProxy start(EgressSettings settings, BottleCa ca, AuditLog audit, Transport transport) {
        EgressProxy proxy = bind(settings, ca, audit, transport);
        proxy.accept();
        return proxy;
    }

    /**
     * Sets the proxy up and binds its port, but accepts no connection until {@link #accept()}: the
     * kernel queues them meanwhile. A sidecar binds while its DLP engine is still being built (the
     * set-up is a good part of a start) and accepts once the engine is in place, so no request is
     * ever served without it. {@link #close()} works either way.
     */
    public static EgressProxy bind(EgressSettings settings, BottleCa ca, AuditLog audit) {
        return bind(settings, ca, audit, Transport.BEST);
    }

    /** {@link #bind} on the given sockets (tests run the NIO fallback too). */
    static EgressProxy bind(EgressSettings settings, BottleCa ca, AuditLog audit, Transport transport) {
        ExecutorService resolverThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("egress-resolve-", 0).factory());
        ProxyContext px = new ProxyContext(settings, ca, audit, resolverThreads, transport);
        // Accepting shares the loops: a separate boss thread would idle between connections.
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(EVENT_LOOPS, transport.ioHandlers());
        try {
            Channel server = new ServerBootstrap().group(workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.AUTO_READ, false) // no accept before accept()
                    .option(ChannelOption.ALLOCATOR, BUFFERS)
                    .childOption(ChannelOption.ALLOCATOR, BUFFERS)
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
            return new EgressProxy(workers, resolverThreads, server, px.tls.ready());
        } catch (Exception e) { // bind() rethrows java.net.BindException unchecked
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            resolverThreads.shutdownNow();
            throw new IllegalStateException("egress: cannot listen on " + settings.bind() + ":" + settings.port()
                    + ": " + e.getMessage() + " (pick another \"egress.port\", or 0 for any free port)", e);
        }
    }

    /** Starts accepting connections, including those the kernel queued since {@link #bind}. */
    public void accept() {
        server.config().setAutoRead(true);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * False if the TLS library or the trust anchors, loaded in the background from {@link #bind},
     * could not be loaded: no CONNECT can then be intercepted (each is answered 502).
     */
    public boolean healthy() {
        return !tlsLoaded.isCompletedExceptionally();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        resolverThreads.shutdownNow();
    }
}
