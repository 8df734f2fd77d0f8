package io.claudebottle.egress;

import io.claudebottle.dlp.BodyVerdict;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Handles one agent connection: the plain proxy listener ({@code tunnel == null}: absolute-URI
 * requests and CONNECT) or the decrypted inside of one intercepted CONNECT tunnel. Requests are
 * handled one at a time; pipelined ones wait in {@link #queued}. Every decision is audited.
 *
 * <p>All state is touched only on the channel's event loop; upstream channels share that loop.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    /** How long a refused connection stays open, its input dropped, for the client to read the refusal. */
    static final long REFUSAL_LINGER_MS = 2_000;
    /** The target of an intercepted CONNECT: its address was checked once and is reused. */
    static final class Tunnel {
        final String host;
        final int port;
        final InetAddress address;
        String sni;

        Tunnel(String host, int port, InetAddress address) {
            this.host = host;
            this.port = port;
            this.address = address;
        }
    }

    private enum Mode { HTTP, WEBSOCKET, CLOSED }

    /** Pipelined messages held while an exchange is under way, at most about this many. */
    static final int MAX_QUEUED = 64;

    private final ProxyContext px;
    private final Tunnel tunnel;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean pausedForPipeline;
    private ChannelHandlerContext ctx;
    private Mode mode = Mode.HTTP;
    private Exchange ex;
    /** An exchange's record is on its way to the audit log; its response is not complete yet. */
    private boolean recording;
    private Upstream upstream;
    private ScheduledFuture<?> headTimer;
    private String lastHostHeader;
    private Authority lastHostAuthority;

    FrontendHandler(ProxyContext px, Tunnel tunnel) {
        this.px = px;
        this.tunnel = tunnel;
    }

    // ---------------------------------------------------------------- one request/response

    private final class Exchange {
        final long start = System.nanoTime();
        final String method;
        String host = "";
        String rawHost = "";
        boolean urlClean; // the target and headers were scanned and hold no secret
        int port = -1;
        boolean tls;
        InetAddress address;
        String path = "";
        SecretScanner scanner = px.settings.scanner();
        HttpRequest upstreamRequest;
        boolean websocket;
        boolean clientKeepAlive;
        boolean requestDone;
        boolean headForwarded;
        boolean responseStarted;
        boolean upstreamKeepAlive = true;
        boolean skipNextLast;
        int status;
        long bytesUp;
        long bytesDown;
        String contentType;
        String contentEncoding;
        CompositeByteBuf buffered;
        StreamingBody streaming;
        StreamScan stream; // websocket messages
        // websocket: frames of the current message, held until the message is scanned
        final List<WebSocketFrame> heldFrames = new ArrayList<>();
        long heldFrameBytes;

        Exchange(String method) {
            this.method = method;
        }

        void release() {
            if (buffered != null) { buffered.release(); buffered = null; }
            if (streaming != null) { streaming.close(); streaming = null; }
            heldFrames.forEach(ReferenceCountUtil::release);
            heldFrames.clear();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        armHeadTimer();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == Mode.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (mode == Mode.WEBSOCKET) {
            onFrame((WebSocketFrame) msg);
            return;
        }
        if (recording || (ex != null && ex.requestDone)) {
            queued.add(msg);
            if (queued.size() >= MAX_QUEUED) pauseForPipeline(true);
            return;
        }
        dispatch(msg);
    }

    /**
     * A client that pipelines more than {@link #MAX_QUEUED} messages ahead of its answers is not
     * read until half of them are dispatched: however fast it sends, it cannot fill the sidecar's
     * memory with requests waiting their turn.
     */
    private void pauseForPipeline(boolean pause) {
        pausedForPipeline = pause;
        ctx.channel().config().setAutoRead(clientMayBeRead());
    }

    /**
     * Whether the client may be read: its pipeline is not too far ahead, and its upstream takes more
     * (connected and writable, or not yet connected with less than a scan buffer waiting for it).
     */
    private boolean clientMayBeRead() {
        if (pausedForPipeline) return false;
        if (upstream == null) return true;
        return upstream.channel == null ? upstream.pendingBytes <= px.limits.maxBodyBufferBytes() : upstream.channel.isWritable();
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest r) {
            onRequest(r);
            if (msg instanceof HttpContent c) onContent(c);
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null && upstream.channel != null) upstream.channel.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ex != null && mode != Mode.CLOSED) audit(ex, ex.responseStarted ? "allow" : "deny",
                ex.responseStarted ? "client-closed" : "client-closed-early", null);
        mode = Mode.CLOSED;
        cleanup();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // TLS alerts, resets and decoder errors from a misbehaving client: nothing to answer, but a
        // request in flight is audited with the failure's type.
        if (ex != null && mode != Mode.CLOSED) {
            audit(ex, "deny", "connection-error", null, cause);
            mode = Mode.CLOSED;
        }
        ctx.close();
    }

    private void cleanup() {
        if (headTimer != null) headTimer.cancel(false);
        if (ex != null) ex.release();
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        if (upstream != null) upstream.close();
        upstream = null;
    }

    /** A client gets {@code headTimeout} to send a complete request head (slowloris). */
    private void armHeadTimer() {
        if (headTimer != null) headTimer.cancel(false);
        long nanos = px.limits.headTimeout().toNanos();
        headTimer = ctx.executor().schedule(() -> {
            if (ex == null && mode == Mode.HTTP) ctx.close();
        }, nanos, TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- request head

    private void onRequest(HttpRequest req) {
        if (headTimer != null) headTimer.cancel(false);
        ex = new Exchange(req.method().name());
        ex.clientKeepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            String reason = cause instanceof TooLongFrameException ? "too-large" : "malformed-request";
            refuse(Responses.blocked(status, reason, Map.of("detail", shortMessage(cause))), reason, null);
            return;
        }
        if (!px.audit.writable()) { // no decision without its record
            refuse(Responses.blocked(HttpResponseStatus.SERVICE_UNAVAILABLE, "audit-unavailable", Map.of()), "audit-unavailable", null);
            return;
        }
        if (tunnel == null && HttpMethod.CONNECT.equals(req.method())) {
            onConnect(req);
            return;
        }
        if (!resolveTarget(req)) return;

        ex.scanner = px.scannerFor(ex.host);
        List<Finding> urlFindings;
        try {
            urlFindings = ex.scanner.scan(urlAndHeaders(req));
        } catch (RuntimeException | Error failure) {
            ex.path = "[unscanned]";
            scannerFailed(failure);
            return;
        }
        ex.path = urlFindings.isEmpty() ? auditPath(req.uri()) : "[redacted]";
        ex.urlClean = urlFindings.isEmpty();
        if (!px.allowlist.permits(ex.host, ex.port)) {
            refuse(block(HttpResponseStatus.FORBIDDEN, "host-not-allowed"), "host-not-allowed", null);
            return;
        }
        if (!urlFindings.isEmpty()) {
            String rule = urlFindings.getFirst().ruleId();
            refuse(Responses.blocked(HttpResponseStatus.FORBIDDEN, "dlp",
                    details("rule", rule, "host", ex.host, "where", "url-or-headers")), "dlp", rule);
            return;
        }
        String expect = req.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
            refuse(Responses.error(HttpResponseStatus.EXPECTATION_FAILED, "unsupported-expect", Map.of()), "unsupported-expect", null);
            return;
        }
        ex.websocket = isWebSocketUpgrade(req.headers());
        ex.contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        ex.contentEncoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        ex.upstreamRequest = upstreamRequest(req);
        connectUpstream();
        if (expect != null && mode == Mode.HTTP) {
            // The body is scanned before anything is forwarded, so the proxy itself asks for it.
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    /** Fills ex.host/port/tls/address from the request, or refuses it; false if refused. */
    private boolean resolveTarget(HttpRequest req) {
        String uri = req.uri();
        Authority hostHeader = parseHostHeader(req.headers().get(HttpHeaderNames.HOST));
        if (req.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            refuse(Responses.blocked(HttpResponseStatus.BAD_REQUEST, "malformed-request",
                    Map.of("detail", "more than one Host header")), "malformed-request", null);
            return false;
        }
        if (tunnel != null) {
            ex.host = tunnel.host;
            ex.port = tunnel.port;
            ex.tls = true;
            ex.address = tunnel.address;
            if (tunnel.sni != null && !tunnel.host.equals(Hosts.normalize(tunnel.sni))) {
                refuse(block(HttpResponseStatus.MISDIRECTED_REQUEST, "sni-mismatch"), "sni-mismatch", null);
                return false;
            }
            if (!uri.startsWith("/") && !uri.equals("*")) {
                Authority inUri = absoluteAuthority(uri, "https");
                if (inUri == null || !inUri.names(tunnel.host, tunnel.port, 443)) {
                    refuse(block(HttpResponseStatus.MISDIRECTED_REQUEST, "host-mismatch"), "host-mismatch", null);
                    return false;
                }
            }
            if (hostHeader == null || !hostHeader.names(tunnel.host, tunnel.port, 443)) {
                refuse(block(HttpResponseStatus.MISDIRECTED_REQUEST, "host-mismatch"), "host-mismatch", null);
                return false;
            }
            return true;
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            parsed = null;
        }
        String scheme = parsed == null || parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("ws")) {
            String detail = scheme.equals("https") || scheme.equals("wss")
                    ? "use CONNECT for " + scheme + ":// URLs" : "expected an absolute http:// URI (this is a proxy)";
            refuse(Responses.blocked(HttpResponseStatus.BAD_REQUEST, "malformed-request", Map.of("detail", detail)),
                    "malformed-request", null);
            return false;
        }
        Authority target = Authority.parse(parsed.getRawAuthority());
        if (target == null) {
            refuse(Responses.blocked(HttpResponseStatus.BAD_REQUEST, "malformed-request",
                    Map.of("detail", "bad host in request URI")), "malformed-request", null);
            return false;
        }
        ex.host = target.host();
        ex.rawHost = parsed.getRawAuthority();
        ex.port = target.portOr(80);
        if (hostHeader != null && !hostHeader.names(ex.host, ex.port, 80)) {
            refuse(block(HttpResponseStatus.MISDIRECTED_REQUEST, "host-mismatch"), "host-mismatch", null);
            return false;
        }
        return true;
    }

    /** A keep-alive client repeats the same Host header: the last one parsed is reused. */
    private Authority parseHostHeader(String raw) {
        if (raw == null) return null;
        if (raw.equals(lastHostHeader)) return lastHostAuthority;
        Authority parsed = Authority.parse(raw);
        lastHostHeader = raw;
        lastHostAuthority = parsed;
        return parsed;
    }

    private static Authority absoluteAuthority(String uri, String scheme) {
        try {
            URI u = new URI(uri);
            return scheme.equalsIgnoreCase(u.getScheme()) ? Authority.parse(u.getRawAuthority()) : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The request target, its URL-decoded form and every forwarded header, for one DLP scan. */
    private static String urlAndHeaders(HttpRequest req) {
        String uri = req.uri();
        StringBuilder s = new StringBuilder(256).append(uri).append('\n');
        // Decoding changes only %XX escapes ('+' is kept as is): without one it would repeat the URI.
        if (uri.indexOf('%') >= 0) s.append(QueryStringDecoder.decodeComponent(uri.replace("+", "%2B"))).append('\n');
        for (Map.Entry<String, String> h : req.headers()) {
            if (HopByHop.is(h.getKey())) continue;
            s.append(h.getKey()).append(": ").append(h.getValue()).append('\n');
        }
        return s.toString();
    }

    /** Path plus query parameter names, never values; no userinfo. */
    static String auditPath(String uri) {
        String rest = uri;
        int scheme = rest.indexOf("://");
        if (scheme >= 0 && scheme < rest.indexOf('/') + 1) {
            int slash = rest.indexOf('/', scheme + 3);
            rest = slash < 0 ? "/" : rest.substring(slash);
        }
        int hash = rest.indexOf('#');
        if (hash >= 0) rest = rest.substring(0, hash);
        int q = rest.indexOf('?');
        if (q < 0) return rest;
        StringBuilder out = new StringBuilder(rest.substring(0, q)).append('?');
        String[] params = rest.substring(q + 1).split("&");
        for (int i = 0; i < params.length; i++) {
            if (i > 0) out.append('&');
            int eq = params[i].indexOf('=');
            out.append(eq < 0 ? params[i] : params[i].substring(0, eq + 1));
        }
        return out.toString();
    }

    private static boolean isWebSocketUpgrade(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** The request as sent upstream: origin-form target, no hop-by-hop headers, no userinfo. */
    private HttpRequest upstreamRequest(HttpRequest req) {
        String target = req.uri();
        if (!target.startsWith("/") && !target.equals("*")) {
            try {
                URI u = new URI(target);
                String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                target = u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
            } catch (URISyntaxException e) {
                target = "/";
            }
        }
        HttpHeaders headers = req.headers().copy();
        boolean websocket = ex.websocket;
        HopByHop.strip(headers, listed -> websocket && listed.equalsIgnoreCase("upgrade"));
        if (ex.websocket) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            // Compressed frames could not be scanned; without this header none are negotiated.
            headers.remove(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        }
        headers.set(HttpHeaderNames.HOST, ex.port == (ex.tls ? 443 : 80) ? ex.host : ex.host + ":" + ex.port);
        return new DefaultHttpRequest(req.protocolVersion(), req.method(), target, headers);
    }

    // ---------------------------------------------------------------- request body

    private void onContent(HttpContent content) {
        Exchange e = ex;
        if (e == null || mode == Mode.CLOSED || e.method.equals("CONNECT")) {
            if (e != null && content instanceof LastHttpContent) e.requestDone = true;
            content.release();
            return;
        }
        ByteBuf data = content.content();
        e.bytesUp += data.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) e.requestDone = true;
        if (e.streaming != null) {
            stream(e, data.retain(), last ? (LastHttpContent) content : null);
        } else if (e.buffered == null && last) {
            // The common case, a body that arrives whole (or none): no copy, no composite.
            if (data.isReadable()) e.buffered = ctx.alloc().compositeBuffer(2).addComponent(true, data.retain());
            finishBufferedBody(e, (LastHttpContent) content);
        } else {
            if (e.buffered == null) e.buffered = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            if (data.isReadable()) e.buffered.addComponent(true, data.retain());
            if (e.buffered.readableBytes() > px.limits.maxBodyBufferBytes()) {
                startStreaming(e, last ? (LastHttpContent) content : null);
            } else if (last) {
                finishBufferedBody(e, (LastHttpContent) content);
            }
        }
        content.release();
    }

    /** The whole body fitted in the buffer: scan it decoded, then forward head and body. */
    private void finishBufferedBody(Exchange e, LastHttpContent last) {
        ByteBuf body = e.buffered;
        e.buffered = null;
        if (body != null && !body.isReadable()) {
            body.release();
            body = null;
        }
        if (body != null) {
            BodyVerdict v;
            try {
                v = e.scanner.scanBody(ByteBufUtil.getBytes(body), e.contentType, e.contentEncoding);
            } catch (RuntimeException | Error failure) {
                body.release();
                scannerFailed(failure);
                return;
            }
            switch (v) {
                case BodyVerdict.Secrets s -> { body.release(); dlpBlock(s.findings()); return; }
                case BodyVerdict.Unscannable u -> { body.release(); unscannable(e, u.reason()); return; }
                case BodyVerdict.Clean c -> { }
            }
        }
        if (upstream == null) { if (body != null) body.release(); return; }
        forwardHead(e);
        if (body != null) upstream.write(new DefaultHttpContent(body));
        upstream.write(lastContent(last));
        upstream.flush();
    }

    private static LastHttpContent lastContent(LastHttpContent from) {
        return from.trailingHeaders().isEmpty() ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(io.netty.buffer.Unpooled.EMPTY_BUFFER, from.trailingHeaders().copy());
    }

    private void unscannable(Exchange e, String reason) {
        refuse(Responses.blocked(HttpResponseStatus.FORBIDDEN, "unscannable-body", details("host", e.host, "detail", reason)),
                "unscannable-body", null);
    }

    /** The body outgrew the buffer: from here on it is decoded and scanned as it streams through. */
    private void startStreaming(Exchange e, LastHttpContent last) {
        BodyDecoding decoding;
        try {
            decoding = BodyDecoding.of(e.contentEncoding, ctx.alloc());
        } catch (BodyDecoding.Undecodable u) {
            unscannable(e, u.getMessage() + "; the body is larger than " + px.limits.maxBodyBufferBytes() + " bytes");
            return;
        }
        Limits l = px.limits;
        e.streaming = new StreamingBody(e.scanner, decoding, l.scanBatchBytes(), l.scanOverlapBytes(),
                l.maxDecodedBodyBytes(), l.maxDecodeRatio());
        ByteBuf all = e.buffered;
        e.buffered = null;
        forwardHead(e);
        stream(e, all, last);
    }

    /** Passes body bytes (ownership included) through the streaming scan and forwards what it releases. */
    private void stream(Exchange e, ByteBuf raw, LastHttpContent last) {
        StreamingBody.Step step;
        try {
            step = e.streaming.offer(raw, last != null);
        } catch (RuntimeException | Error failure) {
            scannerFailed(failure);
            return;
        }
        switch (step) {
            case StreamingBody.Blocked b -> dlpBlock(b.findings());
            case StreamingBody.Unscannable u -> unscannable(e, u.reason());
            case StreamingBody.Forward f -> {
                if (upstream == null) { f.raw().forEach(ByteBuf::release); return; }
                for (ByteBuf b : f.raw()) upstream.write(new DefaultHttpContent(b));
                if (last != null) upstream.write(lastContent(last));
                if (!f.raw().isEmpty() || last != null) upstream.flush();
            }
        }
    }

    private void forwardHead(Exchange e) {
        if (e.headForwarded) return;
        e.headForwarded = true;
        upstream.write(e.upstreamRequest);
    }

    private static byte[] bytes(ByteBuf b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.readerIndex() == 0 && b.array().length == b.readableBytes()) return b.array();
        return ByteBufUtil.getBytes(b);
    }

    /**
     * The scanner threw: nothing of the request has been forwarded unscanned, so refuse it (fail
     * closed) and audit the failure's type — never its message, which may quote the payload.
     */
    private void scannerFailed(Throwable failure) {
        Exchange e = ex == null ? new Exchange("?") : ex;
        e.status = HttpResponseStatus.FORBIDDEN.code();
        audit(e, "deny", "dlp-error", null, failure);
        mode = Mode.CLOSED;
        FullHttpResponse r = Responses.blocked(HttpResponseStatus.FORBIDDEN, "dlp-error",
                details("host", e.host, "detail", "the DLP scanner failed; the request was not forwarded"));
        if (e.responseStarted) {
            r.release();
            ctx.close();
        } else {
            answerThenClose(r);
        }
        cleanup();
    }

    /**
     * Writes a refusal and closes the connection once the client has had time to read it (RFC 9112
     * §9.6, "tear-down"): closing at once, while the client still sends its request body, resets
     * the connection, and the reset can erase the answer from the client's receive buffer before
     * its parser reads it. Meanwhile input is read and dropped (mode CLOSED); the connection ends
     * when the client closes it (the answer says {@code Connection: close}) or after
     * {@link #REFUSAL_LINGER_MS}.
     */
    private void answerThenClose(FullHttpResponse response) {
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                ctx.close();
                return;
            }
            ctx.channel().config().setAutoRead(true);
            ctx.executor().schedule(() -> ctx.close(), REFUSAL_LINGER_MS, TimeUnit.MILLISECONDS);
        });
    }

    private void dlpBlock(List<Finding> findings) {
        String rule = findings.getFirst().ruleId();
        refuse(Responses.blocked(HttpResponseStatus.FORBIDDEN, "dlp", details("rule", rule, "host", ex.host)), "dlp", rule);
    }

    // ---------------------------------------------------------------- upstream

    /**
     * One upstream connection; writes issued before it is connected are queued in order. Once a
     * scan buffer's worth waits, the client is not read until the connection exists: a body sent
     * fast to a host that is slow to connect cannot fill the sidecar's memory.
     */
    private final class Upstream {
        final String key;
        Channel channel;
        List<Object> pending = new ArrayList<>();
        long pendingBytes;
        Throwable failure;
        boolean closed;

        Upstream(String key) {
            this.key = key;
        }

        void write(Object msg) {
            if (msg == null) return;
            if (closed) { ReferenceCountUtil.release(msg); return; }
            if (channel != null) {
                channel.write(msg);
                return;
            }
            pending.add(msg);
            if (msg instanceof ByteBufHolder h) pendingBytes += h.content().readableBytes();
            else if (msg instanceof ByteBuf b) pendingBytes += b.readableBytes();
            if (pendingBytes > px.limits.maxBodyBufferBytes()) ctx.channel().config().setAutoRead(false);
        }

        void flush() {
            if (channel != null) channel.flush();
        }

        void connected(Channel ch) {
            channel = ch;
            pending.forEach(ch::write);
            pending = List.of();
            ch.flush();
            boolean pausedForPending = pendingBytes > px.limits.maxBodyBufferBytes();
            pendingBytes = 0;
            if (pausedForPending) ctx.channel().config().setAutoRead(clientMayBeRead());
        }

        void close() {
            closed = true;
            if (pending != null) pending.forEach(ReferenceCountUtil::release);
            pending = List.of();
            if (channel != null) channel.close();
        }
    }

    private void connectUpstream() {
        Exchange e = ex;
        String key = e.host + ":" + e.port + (e.tls ? ":tls" : "");
        if (upstream != null && upstream.key.equals(key) && !upstream.closed
                && (upstream.channel == null || upstream.channel.isActive())) {
            return;
        }
        if (upstream != null) upstream.close();
        Upstream u = new Upstream(key);
        upstream = u;
        CompletableFuture<InetAddress> address = e.address != null ? CompletableFuture.completedFuture(e.address)
                : px.resolveChecked(e.host);
        address.whenComplete((addr, err) -> ctx.executor().execute(() -> {
            if (u != upstream || u.closed) return;
            if (err != null) {
                upstreamRefused(unwrap(err));
                return;
            }
            dial(u, e, addr);
        }));
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private void upstreamRefused(Throwable err) {
        if (err instanceof ProxyContext.Refusal r && r.kind == ProxyContext.Refusal.Kind.ADDRESS) {
            refuse(block(HttpResponseStatus.FORBIDDEN, r.reason), r.reason, null);
        } else if (err instanceof ProxyContext.Refusal r) {
            refuse(Responses.error(HttpResponseStatus.BAD_GATEWAY, r.reason, Map.of("host", ex == null ? "" : ex.host)), r.reason, null);
        } else {
            refuse(Responses.error(HttpResponseStatus.BAD_GATEWAY, "upstream-failed", Map.of()), "upstream-failed", null);
        }
    }

    private void dial(Upstream u, Exchange e, InetAddress addr) {
        String host = e.host;
        int port = e.port;
        boolean tls = e.tls;
        new Bootstrap().group(ctx.channel().eventLoop()).channel(px.transport.socketChannel())
                .option(ChannelOption.ALLOCATOR, ctx.alloc())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.limits.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls) {
                            SslHandler ssl = px.tls.upstream().newHandler(ch.alloc(), host, port);
                            SSLEngine engine = ssl.engine();
                            SSLParameters params = engine.getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(params);
                            ssl.setHandshakeTimeout(px.limits.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
                            ch.pipeline().addLast("tls", ssl);
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec(4096, 64 * 1024, 64 * 1024));
                        ch.pipeline().addLast("upstream", new UpstreamHandler(u));
                    }
                })
                .connect(new InetSocketAddress(addr, port))
                .addListener((ChannelFutureListener) f -> {
                    if (u != upstream || u.closed) {
                        f.channel().close();
                        return;
                    }
                    if (!f.isSuccess()) {
                        refuse(Responses.error(HttpResponseStatus.BAD_GATEWAY, "upstream-connect-failed",
                                Map.of("host", host)), "upstream-connect-failed", null);
                        return;
                    }
                    f.channel().config().setAutoRead(ctx.channel().isWritable());
                    u.connected(f.channel());
                });
    }

    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
        private final Upstream u;

        UpstreamHandler(Upstream u) {
            this.u = u;
        }

        @Override
        public void channelRead(ChannelHandlerContext uctx, Object msg) {
            if (u != upstream || ex == null || mode == Mode.CLOSED) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse r) onResponse(r);
            if (msg instanceof HttpContent c) onResponseContent(c);
            else if (msg instanceof ByteBuf b) {
                ex.bytesDown += b.readableBytes();
                ctx.write(b);
            } else if (!(msg instanceof HttpResponse)) {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext uctx) {
            if (!recording) ctx.flush(); // else the whole response leaves in one flush, after its record
            if (!ctx.channel().isWritable()) uctx.channel().config().setAutoRead(false);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext uctx) {
            ctx.channel().config().setAutoRead(clientMayBeRead());
            uctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
            if (u.failure == null) u.failure = cause;
            uctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext uctx) {
            if (u != upstream) return;
            upstream = null;
            u.closed = true;
            if (mode == Mode.CLOSED) return;
            if (mode == Mode.WEBSOCKET) { ctx.close(); return; }
            if (ex == null) return;
            if (ex.responseStarted) {
                ctx.flush();
                ctx.close();
            } else {
                boolean tlsFailed = u.failure != null && (u.failure instanceof javax.net.ssl.SSLException
                        || u.failure.getCause() instanceof javax.net.ssl.SSLException);
                String reason = tlsFailed ? "upstream-tls-failed" : "upstream-closed";
                Map<String, String> d = new LinkedHashMap<>();
                d.put("host", ex.host);
                if (tlsFailed) d.put("detail", shortMessage(u.failure));
                refuse(Responses.error(HttpResponseStatus.BAD_GATEWAY, reason, d), reason, null);
            }
        }
    }

    // ---------------------------------------------------------------- response

    private void onResponse(HttpResponse resp) {
        Exchange e = ex;
        int code = resp.status().code();
        if (code >= 100 && code < 200 && !(code == 101 && e.websocket)) {
            e.skipNextLast = true; // informational; the client was already sent our own 100 if it asked
            return;
        }
        e.responseStarted = true;
        e.status = code;
        e.upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
        HttpHeaders h = resp.headers();
        if (code != 101) {
            HopByHop.strip(h, listed -> false);
            boolean bodyless = e.method.equals("HEAD") || code == 204 || code == 304;
            if (!bodyless && !HttpUtil.isContentLengthSet(resp) && !HttpUtil.isTransferEncodingChunked(resp)) {
                if (resp.protocolVersion().equals(HttpVersion.HTTP_1_1)) HttpUtil.setTransferEncodingChunked(resp, true);
                else e.clientKeepAlive = false;
            }
            if (!e.clientKeepAlive) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(resp);
    }

    private void onResponseContent(HttpContent c) {
        Exchange e = ex;
        boolean last = c instanceof LastHttpContent;
        if (e.skipNextLast) {
            if (last) e.skipNextLast = false;
            c.release();
            return;
        }
        e.bytesDown += c.content().readableBytes();
        if (!last) {
            ctx.write(c);
            return;
        }
        if (e.websocket && e.status == 101) {
            ctx.write(c);
            upgradeToWebSocket();
            return;
        }
        Map<String, Object> record = auditRecord(e, "allow", "allowed", null, null);
        boolean keep = e.clientKeepAlive && e.requestDone;
        if (!e.upstreamKeepAlive && upstream != null) {
            upstream.close();
            upstream = null;
        }
        e.release();
        ex = null;
        if (!keep) {
            ctx.write(c);
            px.audit.write("egress", record);
            mode = Mode.CLOSED;
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            cleanup();
            return;
        }
        // The response's last bytes wait for its record; requests arriving meanwhile wait in the queue.
        recording = true;
        px.auditBatches.record(ctx.executor(), record, () -> {
            recording = false;
            if (mode != Mode.HTTP) {
                c.release();
                return;
            }
            ctx.writeAndFlush(c);
            armHeadTimer();
            dispatchQueued();
        });
    }

    /** Dispatches queued (pipelined) messages until an exchange awaits its response. */
    private void dispatchQueued() {
        while (ex == null || !ex.requestDone) {
            Object next = queued.poll();
            if (next == null || mode != Mode.HTTP) {
                if (next != null) ReferenceCountUtil.release(next);
                break;
            }
            dispatch(next);
        }
        if (pausedForPipeline && queued.size() < MAX_QUEUED / 2 && mode == Mode.HTTP) pauseForPipeline(false);
    }

    // ---------------------------------------------------------------- websocket

    private void upgradeToWebSocket() {
        ChannelPipeline cp = ctx.pipeline();
        cp.addBefore(ctx.name(), "ws-decoder", new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true).allowExtensions(false)
                .maxFramePayloadLength(px.limits.maxBodyBufferBytes()).build()));
        cp.addBefore(ctx.name(), "ws-encoder", new WebSocket13FrameEncoder(false));
        cp.remove("http");
        ChannelPipeline up = upstream.channel.pipeline();
        up.addBefore("upstream", "ws-encoder", new WebSocket13FrameEncoder(true));
        up.remove("http");
        mode = Mode.WEBSOCKET;
        audit(ex, "allow", "websocket", null);
        ctx.flush();
    }

    private void onFrame(WebSocketFrame frame) {
        Exchange e = ex;
        boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame;
        if (!data || upstream == null) {
            if (upstream != null) { upstream.write(frame); upstream.flush(); }
            else frame.release();
            return;
        }
        ByteBuf payload = frame.content();
        e.bytesUp += payload.readableBytes();
        e.heldFrames.add(frame);
        e.heldFrameBytes += payload.readableBytes();
        List<Finding> f;
        try {
            if (e.stream == null) e.stream = e.scanner.stream();
            f = new ArrayList<>(e.stream.update(bytes(payload), 0, payload.readableBytes()));
            if (f.isEmpty() && frame.isFinalFragment()) {
                f.addAll(e.stream.finish());
                e.stream = null;
            }
        } catch (RuntimeException | Error failure) {
            audit(e, "deny", "dlp-error", null, failure);
            mode = Mode.CLOSED;
            e.release();
            ctx.writeAndFlush(new CloseWebSocketFrame(1011, "blocked: dlp-error")).addListener(ChannelFutureListener.CLOSE);
            cleanup();
            return;
        }
        if (!f.isEmpty()) {
            String rule = f.getFirst().ruleId();
            audit(e, "deny", "dlp", rule);
            mode = Mode.CLOSED;
            e.release();
            ctx.writeAndFlush(new CloseWebSocketFrame(1008, "blocked: dlp " + rule)).addListener(ChannelFutureListener.CLOSE);
            cleanup();
            return;
        }
        // A message is held until its end is scanned; a very long one is forwarded as it is scanned.
        if (frame.isFinalFragment() || e.heldFrameBytes > px.limits.maxBodyBufferBytes()) {
            e.heldFrames.forEach(upstream::write);
            e.heldFrames.clear();
            e.heldFrameBytes = 0;
            upstream.flush();
        }
    }

    // ---------------------------------------------------------------- CONNECT

    private void onConnect(HttpRequest req) {
        Authority target = Authority.parse(req.uri());
        ex.path = "";
        if (target == null || target.port() < 0) {
            refuse(Responses.blocked(HttpResponseStatus.BAD_REQUEST, "malformed-request",
                    Map.of("detail", "CONNECT needs host:port")), "malformed-request", null);
            return;
        }
        ex.host = target.host();
        ex.rawHost = req.uri();
        ex.port = target.port();
        if (!px.allowlist.permits(ex.host, ex.port)) {
            refuse(block(HttpResponseStatus.FORBIDDEN, "host-not-allowed"), "host-not-allowed", null);
            return;
        }
        Authority hostHeader = Authority.parse(req.headers().get(HttpHeaderNames.HOST));
        if (req.headers().contains(HttpHeaderNames.HOST) && (hostHeader == null || !hostHeader.host().equals(ex.host))) {
            refuse(block(HttpResponseStatus.MISDIRECTED_REQUEST, "host-mismatch"), "host-mismatch", null);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        Exchange e = ex;
        boolean passthrough = px.isPassthrough(e.host, e.port);
        CompletableFuture<InetAddress> dialable = px.resolveChecked(e.host);
        // an interception needs the TLS library and trust anchors, loaded in the background at start
        if (!passthrough) dialable = dialable.thenCombine(px.tls.ready(), (addr, tlsLoaded) -> addr);
        dialable.whenComplete((addr, err) -> ctx.executor().execute(() -> {
            if (ex != e || mode != Mode.HTTP) return;
            if (err != null) {
                ctx.channel().config().setAutoRead(true);
                upstreamRefused(unwrap(err));
                return;
            }
            if (passthrough) passthrough(e, addr);
            else intercept(e, addr);
        }));
    }

    private static FullHttpResponse connectionEstablished() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, new HttpResponseStatus(200, "Connection Established"));
    }

    private void intercept(Exchange e, InetAddress addr) {
        e.status = 200;
        audit(e, "allow", "connect-intercept", null);
        ctx.writeAndFlush(connectionEstablished());
        Tunnel t = new Tunnel(e.host, e.port, addr);
        ChannelPipeline p = ctx.pipeline();
        p.addAfter("http", "sni", new SniHandler((String sni) -> {
            t.sni = sni;
            return px.tls.leafFor(t.host);
        }, px.limits.maxHeaderBytes(), px.limits.headTimeout().toMillis()));
        p.remove("http");
        p.addAfter("sni", "http", new ProxyCodec(px.limits));
        mode = Mode.CLOSED; // this handler is done; the tunnel's own handler takes over
        ex = null;
        cleanup();
        p.replace(this, "frontend", new FrontendHandler(px, t));
        ctx.channel().config().setAutoRead(true);
    }

    private void passthrough(Exchange e, InetAddress addr) {
        AtomicLong down = new AtomicLong();
        AtomicLong up = new AtomicLong();
        Channel client = ctx.channel();
        new Bootstrap().group(client.eventLoop()).channel(px.transport.socketChannel())
                .option(ChannelOption.ALLOCATOR, client.alloc())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) px.limits.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new RelayHandler(client, down))
                .connect(new InetSocketAddress(addr, e.port))
                .addListener((ChannelFutureListener) f -> {
                    if (ex != e || mode != Mode.HTTP) { f.channel().close(); return; }
                    if (!f.isSuccess()) {
                        ctx.channel().config().setAutoRead(true);
                        refuse(Responses.error(HttpResponseStatus.BAD_GATEWAY, "upstream-connect-failed",
                                Map.of("host", e.host)), "upstream-connect-failed", null);
                        return;
                    }
                    Channel server = f.channel();
                    e.status = 200;
                    ctx.writeAndFlush(connectionEstablished());
                    mode = Mode.CLOSED;
                    ex = null;
                    cleanup();
                    ChannelPipeline p = ctx.pipeline();
                    boolean[] sniMismatch = new boolean[1];
                    p.addAfter("http", "sni-check", new PassthroughSniCheck(e.host, px.limits.headTimeout().toMillis(),
                            sni -> sniMismatch[0] = true));
                    p.addAfter("sni-check", "relay", new RelayHandler(server, up));
                    p.remove("http");
                    p.remove(this);
                    server.closeFuture().addListener(x -> {
                        e.bytesUp = up.get();
                        e.bytesDown = down.get();
                        if (sniMismatch[0]) {
                            e.status = 421;
                            audit(e, "deny", "sni-mismatch", null);
                        } else {
                            audit(e, "allow", "connect-passthrough", null);
                        }
                    });
                    server.config().setAutoRead(true);
                    client.config().setAutoRead(true);
                });
    }

    // ---------------------------------------------------------------- refusals and audit

    private FullHttpResponse block(HttpResponseStatus status, String reason) {
        return Responses.blocked(status, reason, Map.of("host", safeHost()));
    }

    private String safeHost() {
        return ex == null ? "" : safeHost(ex);
    }

    /** The host for logs and refusals; a name that carries a secret (exfiltration by DNS name) is not repeated. */
    private static String safeHost(Exchange e) {
        if (e.host.isEmpty() || e.urlClean) return e.host;
        try {
            return e.scanner.scan(e.host).isEmpty() && e.scanner.scan(e.rawHost).isEmpty() ? e.host : "[redacted]";
        } catch (RuntimeException | Error scannerFailed) {
            return "[redacted]";
        }
    }

    private static Map<String, String> details(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /** Answers {@code response}, audits the refusal and closes the connection. */
    private void refuse(FullHttpResponse response, String reason, String rule) {
        Exchange e = ex;
        if (e == null) e = new Exchange("?");
        e.status = response.status().code();
        audit(e, "deny", reason, rule);
        mode = Mode.CLOSED;
        if (e.responseStarted) {
            response.release();
            ctx.close();
        } else {
            answerThenClose(response);
        }
        cleanup();
    }

    private void audit(Exchange e, String decision, String reason, String rule) {
        audit(e, decision, reason, rule, null);
    }

    private void audit(Exchange e, String decision, String reason, String rule, Throwable failure) {
        px.audit.write("egress", auditRecord(e, decision, reason, rule, failure));
    }

    private Map<String, Object> auditRecord(Exchange e, String decision, String reason, String rule, Throwable failure) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("decision", decision);
        line.put("reason", reason);
        if (rule != null) line.put("rule", rule);
        if (failure != null) line.put("error", failure.getClass().getName());
        line.put("method", e.method);
        line.put("host", safeHost(e));
        line.put("port", e.port);
        line.put("path", e.path);
        line.put("tunnel", tunnel != null);
        line.put("status", e.status);
        line.put("bytesUp", e.bytesUp);
        line.put("bytesDown", e.bytesDown);
        line.put("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - e.start));
        return line;
    }

    private static String shortMessage(Throwable t) {
        String m = t == null ? "" : String.valueOf(t.getMessage());
        return m.length() > 200 ? m.substring(0, 200) : m;
    }
}
