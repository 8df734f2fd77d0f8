package io.claudebottle.credproxy;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The upstream TLS context is built in the background: dialling waits for it, and a failure is reported. */
class UpstreamConnectorTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aRequestBeforeTheContextIsBuiltWaitsForIt() throws Exception {
        CompletableFuture<SslContext> tls = new CompletableFuture<>();
        UpstreamConnector connector = new UpstreamConnector(tls, Optional.empty());
        EventLoop loop = group.next();
        CompletableFuture<Boolean> ranOnLoop = new CompletableFuture<>();
        loop.submit(() -> connector.whenReady(loop, () -> ranOnLoop.complete(loop.inEventLoop()),
                ranOnLoop::completeExceptionally)).sync();

        Thread.sleep(100);
        assertThat(ranOnLoop).as("nothing is dialled before the context exists").isNotDone();
        assertThat(connector.healthy()).isTrue();

        tls.complete(SslContextBuilder.forClient().build());
        assertThat(ranOnLoop.get(5, TimeUnit.SECONDS)).as("dialled on the agent's event loop").isTrue();
    }

    @Test
    void aContextThatCannotBeBuiltFailsTheRequestAndTheHealth() throws Exception {
        CompletableFuture<SslContext> tls = CompletableFuture.supplyAsync(() -> {
            throw new IllegalStateException("cred-proxy: cannot build the upstream TLS context: no trust anchors");
        });
        UpstreamConnector connector = new UpstreamConnector(tls, Optional.empty());
        EventLoop loop = group.next();
        AtomicReference<Throwable> why = new AtomicReference<>();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        loop.submit(() -> connector.whenReady(loop, () -> answered.completeExceptionally(new AssertionError("dialled")),
                cause -> {
                    why.set(cause);
                    answered.complete(null);
                })).sync();

        answered.get(5, TimeUnit.SECONDS);
        assertThat(why.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("upstream TLS context");
        assertThat(connector.healthy()).isFalse();
    }
}
