package io.claudebottle.credproxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive upstream connections, so that a request does not pay a new TLS handshake (two,
 * through the egress proxy) before its first byte. Connections are kept per event loop: an
 * exchange only ever uses a connection of its own agent connection's loop, so no locking is
 * needed. An idle connection is dropped after {@link #IDLE_TIMEOUT} (well below common server
 * keep-alive timeouts) or as soon as the upstream closes it or sends anything unasked.
 */
final class UpstreamPool {
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    static final int MAX_IDLE_PER_UPSTREAM = 4;

    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();

    /** An idle connection to {@code upstream} ({@code host:port}) on {@code loop}, or null. */
    Channel acquire(EventLoop loop, String upstream) {
        ArrayDeque<Channel> channels = idleOn(loop).get(upstream);
        while (channels != null && !channels.isEmpty()) {
            Channel channel = channels.pollLast();
            if (channel.isActive()) return channel;
        }
        return null;
    }

    /**
     * Parks {@code channel} after a complete exchange; its response handler (named
     * {@link UpstreamConnector#RESPONSE_HANDLER}) is replaced by a watchdog until it is reused.
     */
    void release(Channel channel, String upstream) {
        ArrayDeque<Channel> channels = idleOn(channel.eventLoop()).computeIfAbsent(upstream, k -> new ArrayDeque<>());
        if (!channel.isActive() || channels.size() >= MAX_IDLE_PER_UPSTREAM) {
            channel.close();
            return;
        }
        channel.config().setAutoRead(true);
        channel.pipeline().replace(UpstreamConnector.RESPONSE_HANDLER, UpstreamConnector.RESPONSE_HANDLER,
                new Watchdog(channels));
        channels.addLast(channel);
    }

    private Map<String, ArrayDeque<Channel>> idleOn(EventLoop loop) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>());
    }

    /** Guards a parked connection: anything it does while idle ends it. */
    private static final class Watchdog extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Channel> parkedIn;
        private ScheduledFuture<?> timer;

        Watchdog(ArrayDeque<Channel> parkedIn) {
            this.parkedIn = parkedIn;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> evict(ctx), IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (timer != null) timer.cancel(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            evict(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            evict(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            evict(ctx);
        }

        private void evict(ChannelHandlerContext ctx) {
            parkedIn.remove(ctx.channel());
            ctx.close();
        }
    }
}
