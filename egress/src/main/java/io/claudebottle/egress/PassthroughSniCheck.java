package io.claudebottle.egress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

import java.util.function.Consumer;

/**
 * Guards a pass-through tunnel: the TLS ClientHello's SNI must name the CONNECT host, otherwise
 * the tunnel is closed before a byte reaches the upstream (no domain fronting through a host
 * that is not intercepted). A ClientHello without SNI is let through: it names no other host.
 */
final class PassthroughSniCheck extends AbstractSniHandler<Boolean> {
    private final String host;
    private final Consumer<String> onMismatch;

    PassthroughSniCheck(String host, long handshakeTimeoutMillis, Consumer<String> onMismatch) {
        super(handshakeTimeoutMillis);
        this.host = host;
        this.onMismatch = onMismatch;
    }

    @Override
    protected Future<Boolean> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(hostname == null || host.equals(Hosts.normalize(hostname)));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Boolean> agrees) {
        if (agrees.isSuccess() && Boolean.TRUE.equals(agrees.getNow())) {
            ctx.pipeline().remove(this); // hands the buffered ClientHello on to the relay
        } else {
            onMismatch.accept(hostname);
            ctx.close();
        }
    }
}
