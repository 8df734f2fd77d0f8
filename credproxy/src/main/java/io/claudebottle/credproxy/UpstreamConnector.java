package io.claudebottle.credproxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.NoopAddressResolverGroup;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Opens TLS connections to a route's upstream (reused through {@link UpstreamPool}), tunnelled
 * through the egress proxy when one is configured. The hostname is verified against the certificate, so the credential
 * can only be read by the route's own upstream host (or the egress proxy holding the bottle CA).
 */
final class UpstreamConnector {
    static final int CONNECT_TIMEOUT_MILLIS = 15_000;
    /** The pipeline name of the handler that receives responses (an exchange, or the pool's watchdog). */
    static final String RESPONSE_HANDLER = "response";

    /**
     * Built on its own thread from construction: the JDK's trust anchors and the TLS library take a
     * good part of a cold sidecar's start, and no upstream is dialled before the agent's first request.
     */
    private final CompletableFuture<SslContext> tls;
    private final Optional<InetSocketAddress> proxy;

    UpstreamConnector(List<X509Certificate> extraTrust, Optional<InetSocketAddress> proxy) {
        this(CompletableFuture.supplyAsync(() -> clientTls(extraTrust),
                task -> Thread.ofPlatform().name("cred-proxy-tls-init").daemon().start(task)), proxy);
    }

    /** {@code tls}: the upstream TLS context once built (tests hold it back or fail it). */
    UpstreamConnector(CompletableFuture<SslContext> tls, Optional<InetSocketAddress> proxy) {
        this.tls = tls;
        this.proxy = proxy;
    }

    /**
     * Runs {@code then} on {@code loop} once the upstream TLS context is built (at once when it is),
     * or {@code failed} with why it could not be.
     */
    void whenReady(EventLoop loop, Runnable then, Consumer<Throwable> failed) {
        if (tls.state() == Future.State.SUCCESS && loop.inEventLoop()) {
            then.run();
            return;
        }
        tls.whenComplete((context, error) -> loop.execute(() -> {
            if (error == null) {
                then.run();
            } else {
                failed.accept(error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error);
            }
        }));
    }

    /** False once the upstream TLS context has failed to build: no route can then be forwarded. */
    boolean healthy() {
        return !tls.isCompletedExceptionally();
    }

    /** Dials an upstream; only after {@link #whenReady} has run its task. */
    ChannelFuture connect(EventLoop loop, String host, int port, ChannelHandler responseHandler) {
        SslContext context = tls.resultNow();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        proxy.ifPresent(address -> {
                            HttpProxyHandler tunnel = new HttpProxyHandler(address);
                            tunnel.setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS);
                            ch.pipeline().addLast(tunnel);
                        });
                        ch.pipeline().addLast(context.newHandler(ch.alloc(), host, port));
                        ch.pipeline().addLast(new HttpClientCodec(
                                new HttpDecoderConfig().setMaxHeaderSize(65_536).setMaxInitialLineLength(16_384),
                                false, false));
                        ch.pipeline().addLast(RESPONSE_HANDLER, responseHandler);
                    }
                });
        if (proxy.isPresent()) {
            // The egress proxy resolves the name (and applies its address policy); resolving it
            // here would leak a DNS query from the sidecar.
            bootstrap.resolver(NoopAddressResolverGroup.INSTANCE);
            return bootstrap.connect(InetSocketAddress.createUnresolved(host, port));
        }
        return bootstrap.connect(host, port);
    }

    private static SslContext clientTls(List<X509Certificate> extraTrust) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            List<X509Certificate> anchors = new ArrayList<>(extraTrust);
            Arrays.stream(factory.getTrustManagers())
                    .filter(X509TrustManager.class::isInstance)
                    .map(X509TrustManager.class::cast)
                    .forEach(tm -> anchors.addAll(Arrays.asList(tm.getAcceptedIssuers())));
            return SslContextBuilder.forClient()
                    .trustManager(anchors)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException | GeneralSecurityException e) {
            throw new IllegalStateException("cred-proxy: cannot build the upstream TLS context: " + e.getMessage(), e);
        }
    }
}
