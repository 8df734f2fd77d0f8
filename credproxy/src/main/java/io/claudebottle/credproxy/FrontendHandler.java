package io.claudebottle.credproxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One agent connection. Requests are served one at a time: while a response is in flight the
 * connection stops reading, and requests a client pipelined anyway wait in {@code deferred}.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private final ProxyCore core;
    private final ArrayDeque<HttpObject> deferred = new ArrayDeque<>();
    /** A refused request's body still arriving; discarded so the refusal is not lost to a TCP reset. */
    private static final long MAX_DRAIN_BYTES = 64L << 20;
    private static final long DRAIN_TIMEOUT_SECONDS = 30;

    private Exchange exchange;
    private ChannelHandlerContext ctx;
    private boolean draining;
    private long drained;

    FrontendHandler(ProxyCore core) {
        this.core = core;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (draining) {
            drain(object);
            return;
        }
        if (exchange != null && exchange.requestComplete()) {
            deferred.add(object);
            return;
        }
        handle(object);
    }

    private void handle(HttpObject object) {
        if (object instanceof HttpRequest request) {
            switch (core.router.decide(request)) {
                case Decision.Refuse refuse -> {
                    refuse(request, refuse);
                    drain(object);
                    return;
                }
                case Decision.Forward forward -> {
                    exchange = new Exchange(core, ctx.channel(), request, forward, this::exchangeDone);
                    exchange.start(request);
                }
            }
        }
        if (object instanceof HttpContent content && exchange != null) {
            exchange.requestContent(content);
        } else {
            ReferenceCountUtil.release(object);
        }
    }

    private void refuse(HttpRequest request, Decision.Refuse refuse) {
        core.audit(new CredProxyEvent(Instant.now(), refuse.routePath(), request.method().name(),
                Exchange.pathOf(request.uri()), "", refuse.status().code(), CredProxyEvent.Outcome.REFUSED,
                refuse.message()));
        ctx.writeAndFlush(core.plain(refuse.status(), refuse.message()));
        draining = true;
        ctx.executor().schedule(() -> ctx.close(), DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Discards a refused request up to its end, then closes (the refusal said Connection: close). */
    private void drain(HttpObject object) {
        if (object instanceof HttpContent content) drained += content.content().readableBytes();
        boolean end = object instanceof LastHttpContent || drained > MAX_DRAIN_BYTES;
        ReferenceCountUtil.release(object);
        if (end) {
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void exchangeDone(boolean keepAlive) {
        exchange = null;
        if (!keepAlive) {
            releaseDeferred();
            return;
        }
        while (!deferred.isEmpty() && !draining && (exchange == null || !exchange.requestComplete())) {
            handle(deferred.poll());
        }
        while (draining && !deferred.isEmpty()) drain(deferred.poll());
        if (draining || exchange == null || !exchange.requestComplete()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) exchange.agentWritabilityChanged(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) exchange.abort();
        exchange = null;
        releaseDeferred();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void releaseDeferred() {
        HttpObject object;
        while ((object = deferred.poll()) != null) ReferenceCountUtil.release(object);
    }
}
