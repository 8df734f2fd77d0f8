package io.claudebottle.credproxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One request/response pair: the agent's request goes upstream with the credential swapped in,
 * and every piece of the response is written and flushed to the agent as soon as it arrives, so
 * server-sent events and chunked bodies are never held back. There is no idle timeout: a stream
 * stays open as long as the upstream keeps it open.
 *
 * <p>A kept-alive upstream connection is reused when one is idle. Such a connection may have been
 * closed by the upstream just as the request went out; what was sent on it is therefore kept
 * (up to {@link #MAX_REPLAY_BYTES}) until the first response byte, and replayed once on a fresh
 * connection if the reused one fails before answering.
 *
 * <p>All methods run on the agent channel's event loop, which the upstream channels share.
 */
final class Exchange {
    /** The header in which the egress proxy names why it refused a request or tunnel. */
    static final String EGRESS_BLOCK_HEADER = "X-Bottle-Block";
    static final int MAX_REPLAY_BYTES = 1 << 20;

    private final ProxyCore core;
    private final Channel agent;
    private final Decision.Forward forward;
    private final String poolKey;
    private final HttpMethod method;
    private final String path;
    private final boolean agentIsHttp11;
    private final Consumer<Boolean> onDone;
    private final List<HttpObject> pending = new ArrayList<>();

    private boolean agentKeepAlive;
    private Channel upstream;
    /** The channel being opened while {@code upstream} is still null. */
    private Channel connecting;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    private boolean informational;
    private boolean done;
    /** Copies of what went out on a reused connection, while a replay is still possible; else null. */
    private List<HttpObject> replay;
    private long replayBytes;

    Exchange(ProxyCore core, Channel agent, HttpRequest request, Decision.Forward forward, Consumer<Boolean> onDone) {
        this.core = core;
        this.agent = agent;
        this.forward = forward;
        this.poolKey = forward.route().upstreamHost() + ":" + forward.route().upstreamPort();
        this.method = request.method();
        this.path = pathOf(request.uri());
        this.agentIsHttp11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        this.agentKeepAlive = HttpUtil.isKeepAlive(request);
        this.onDone = onDone;
    }

    static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    boolean requestComplete() {
        return requestComplete;
    }

    void start(HttpRequest request) {
        Route route = forward.route();
        HttpRequest upstreamRequest = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(),
                forward.upstreamPathAndQuery());
        upstreamRequest.headers().set(request.headers());
        Headers.removeHopByHop(upstreamRequest.headers());
        Headers.removeAgentCredentials(upstreamRequest.headers());
        if (HttpUtil.isTransferEncodingChunked(request)) {
            HttpUtil.setTransferEncodingChunked(upstreamRequest, true);
        }
        upstreamRequest.headers()
                .set(HttpHeaderNames.HOST, route.upstreamHostHeader())
                .set(forward.credential().headerName(), forward.credential().headerValue());
        pending.add(upstreamRequest);
        agent.config().setAutoRead(false);
        Channel idle = core.pool.acquire(agent.eventLoop(), poolKey);
        if (idle != null) {
            replay = new ArrayList<>();
            idle.pipeline().replace(UpstreamConnector.RESPONSE_HANDLER, UpstreamConnector.RESPONSE_HANDLER,
                    new ResponseHandler());
            attach(idle);
        } else {
            connectFresh();
        }
    }

    private void connectFresh() {
        core.connector.whenReady(agent.eventLoop(), () -> {
            if (!done) dial();
        }, cause -> upstreamFailed(null, cause));
    }

    private void dial() {
        ChannelFuture connect = core.connector.connect(agent.eventLoop(), forward.route().upstreamHost(),
                forward.route().upstreamPort(), new ResponseHandler());
        connecting = connect.channel();
        connect.addListener((ChannelFutureListener) future -> {
                    if (future.isSuccess()) {
                        attach(future.channel());
                    } else {
                        upstreamFailed(future.channel(), future.cause());
                    }
                });
    }

    private void attach(Channel channel) {
        upstream = channel;
        connecting = null;
        if (done) {
            channel.close();
            return;
        }
        List<HttpObject> toSend = new ArrayList<>(pending);
        pending.clear();
        for (int i = 0; i < toSend.size(); i++) {
            if (done || upstream != channel) {
                // A write failed at once: the exchange gave up, or moved to a fresh connection.
                List<HttpObject> rest = toSend.subList(i, toSend.size());
                if (done) rest.forEach(ReferenceCountUtil::release); else pending.addAll(rest);
                return;
            }
            sendUpstream(toSend.get(i), false);
        }
        channel.flush();
        if (!requestComplete) agent.config().setAutoRead(channel.isWritable());
    }

    void requestContent(HttpContent content) {
        if (content instanceof LastHttpContent last) {
            if (!last.trailingHeaders().isEmpty()) Headers.removeAgentCredentials(last.trailingHeaders());
            requestComplete = true;
            agent.config().setAutoRead(false);
        }
        if (done) {
            content.release();
        } else if (upstream == null) {
            pending.add(content);
        } else {
            sendUpstream(content, true);
        }
    }

    private void sendUpstream(HttpObject object, boolean flush) {
        if (replay != null) {
            replay.add(object instanceof HttpContent content ? content.retainedDuplicate() : object);
            if (object instanceof HttpContent content) replayBytes += content.content().readableBytes();
            if (replayBytes > MAX_REPLAY_BYTES) dropReplay();
        }
        Channel target = upstream;
        ChannelFuture written = flush ? target.writeAndFlush(object) : target.write(object);
        written.addListener(f -> {
            if (!f.isSuccess()) upstreamFailed(target, f.cause());
        });
    }

    private void dropReplay() {
        if (replay == null) return;
        replay.forEach(ReferenceCountUtil::release);
        replay = null;
    }

    void agentWritabilityChanged(boolean writable) {
        if (upstream != null && !done) upstream.config().setAutoRead(writable);
    }

    /** Receives one upstream channel's events; a channel the exchange gave up on is ignored. */
    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == upstream && !requestComplete && !done) {
                agent.config().setAutoRead(ctx.channel().isWritable());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            upstreamRead(ctx, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            upstreamInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            upstreamFailed(ctx.channel(), cause);
        }
    }

    private void upstreamRead(ChannelHandlerContext ctx, Object msg) {
        if (done || ctx.channel() != upstream || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                ReferenceCountUtil.release(msg);
                upstreamFailed(ctx.channel(),
                        new IllegalStateException("the upstream switched protocols, which the cred-proxy does not relay"));
                return;
            }
            dropReplay(); // the upstream answered: this connection was alive, nothing to replay
            agent.writeAndFlush(responseHead(response));
        }
        if (msg instanceof HttpContent content) {
            relayContent(content);
        }
    }

    private HttpResponse responseHead(HttpResponse response) {
        HttpResponseStatus status = response.status();
        informational = status.codeClass() == HttpStatusClass.INFORMATIONAL;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(response.headers());
        Headers.removeHopByHop(head.headers());
        Headers.redactValues(head.headers(), core::redact);
        String location = head.headers().get(HttpHeaderNames.LOCATION);
        if (location != null) {
            head.headers().set(HttpHeaderNames.LOCATION, LocationRewriter.rewrite(location, forward.route()));
        }
        if (informational) return head;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        boolean bodiless = method.equals(HttpMethod.HEAD) || status.code() == 204 || status.code() == 304;
        if (!bodiless && !HttpUtil.isContentLengthSet(head)) {
            if (agentIsHttp11) HttpUtil.setTransferEncodingChunked(head, true);
            else agentKeepAlive = false;
        }
        HttpUtil.setKeepAlive(head, agentKeepAlive);
        responseStarted = true;
        core.audit(new CredProxyEvent(Instant.now(), forward.route().path(), method.name(), path,
                forward.route().upstreamHost(), status.code(), CredProxyEvent.Outcome.FORWARDED, ""));
        return head;
    }

    private void relayContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        ChannelFuture written = agent.writeAndFlush(content);
        if (informational) {
            if (last) informational = false;
            return;
        }
        if (last) {
            done = true;
            if (upstreamKeepAlive && requestComplete) {
                core.pool.release(upstream, poolKey);
            } else {
                upstream.close();
            }
            boolean keepAlive = agentKeepAlive && requestComplete;
            if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
            onDone.accept(keepAlive);
        }
    }

    private void upstreamInactive(ChannelHandlerContext ctx) {
        if (done || ctx.channel() != upstream) return;
        if (!responseStarted) {
            upstreamFailed(ctx.channel(), new ConnectException("the upstream closed the connection before answering"));
        } else {
            done = true;
            agent.close(); // a truncated response must not look complete to the agent
            onDone.accept(false);
        }
    }

    /** The agent went away: drop the upstream side too. */
    void abort() {
        done = true;
        if (upstream != null) upstream.close();
        releasePending();
        dropReplay();
    }

    private void upstreamFailed(Channel failed, Throwable cause) {
        // Only the current channel counts: a replaced one may still report its own end (several times).
        if (done || failed != (upstream != null ? upstream : connecting)) return;
        if (failed != null) failed.close();
        if (replay != null && !responseStarted) {
            // A reused connection died before answering: send the same request on a new one.
            pending.addAll(0, replay);
            replay = null;
            upstream = null;
            connectFresh();
            return;
        }
        done = true;
        releasePending();
        if (responseStarted) {
            agent.close();
            onDone.accept(false);
            return;
        }
        String message = describe(cause);
        core.audit(new CredProxyEvent(Instant.now(), forward.route().path(), method.name(), path,
                forward.route().upstreamHost(), HttpResponseStatus.BAD_GATEWAY.code(),
                CredProxyEvent.Outcome.UPSTREAM_FAILED, message));
        agent.writeAndFlush(core.plain(HttpResponseStatus.BAD_GATEWAY, message))
                .addListener(ChannelFutureListener.CLOSE);
        onDone.accept(false);
    }

    private String describe(Throwable cause) {
        Route route = forward.route();
        String target = route.upstreamHost() + ":" + route.upstreamPort();
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root instanceof ProxyConnectException) {
            String block = root instanceof HttpProxyHandler.HttpProxyConnectException refused && refused.headers() != null
                    ? refused.headers().get(EGRESS_BLOCK_HEADER) : null;
            return "cred-proxy: route " + route.path() + ": the egress proxy did not open a tunnel to " + target
                    + (block == null ? " (" + why + ")" : " (blocked: " + block + ")")
                    + ". Is " + route.upstreamHost() + " (port " + route.upstreamPort()
                    + ") on the bottle's egress allowlist?";
        }
        if (root instanceof SSLException) {
            return "cred-proxy: route " + route.path() + ": TLS with " + target + " failed (" + why
                    + "). The certificate must be valid for " + route.upstreamHost()
                    + " and signed by the bottle CA or a public CA.";
        }
        if (root instanceof ConnectTimeoutException || root instanceof ConnectException) {
            return "cred-proxy: route " + route.path() + ": cannot reach " + target + " (" + why + ").";
        }
        return "cred-proxy: route " + route.path() + ": request to " + target + " failed (" + why + ").";
    }

    private void releasePending() {
        pending.forEach(ReferenceCountUtil::release);
        pending.clear();
    }
}
