package io.claudebottle.credproxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** What every connection of one {@link CredProxy} shares. */
final class ProxyCore {
    static final String REDACTED = "[redacted]";

    final RequestRouter router;
    final UpstreamConnector connector;
    final UpstreamPool pool = new UpstreamPool();
    private final Consumer<CredProxyEvent> audit;
    private final List<String> tokenRefs;
    private final UnaryOperator<String> environment;

    ProxyCore(CredProxySettings settings) {
        this.router = new RequestRouter(settings.routes(), settings.environment());
        this.connector = new UpstreamConnector(settings.upstreamTrust(), settings.upstreamProxy());
        this.audit = settings.audit();
        this.tokenRefs = settings.routes().stream().map(Route::tokenRef).distinct().toList();
        this.environment = settings.environment();
    }

    /** Hands {@code event} to the audit sink with every token value redacted from it. */
    void audit(CredProxyEvent event) {
        try {
            audit.accept(new CredProxyEvent(event.time(), event.route(), event.method(), redact(event.path()),
                    event.upstreamHost(), event.status(), event.outcome(), redact(event.detail())));
        } catch (RuntimeException e) {
            // The audit sink failing must not take the proxy down; it reports its own errors.
        }
    }

    /**
     * Removes every route's token from text bound for the agent or the audit log. The agent
     * should not know a token, but text it controls (paths) is echoed, and error messages of
     * libraries may quote headers.
     */
    String redact(String text) {
        if (text == null) return "";
        String out = text;
        for (String ref : tokenRefs) {
            String token = environment.apply(ref);
            if (token == null) continue;
            token = token.strip();
            if (token.length() >= 4) out = out.replace(token, REDACTED);
        }
        return out;
    }

    /** A plain-text answer from the cred-proxy itself; the connection is closed after it. */
    FullHttpResponse plain(HttpResponseStatus status, String message) {
        byte[] body = (redact(message) + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("x-cred-proxy", "refused");
        return response;
    }
}
