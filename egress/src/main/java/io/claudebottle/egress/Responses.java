package io.claudebottle.egress;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The proxy's own short JSON responses. */
final class Responses {
    static final String BLOCK_HEADER = "X-Bottle-Block";

    private Responses() {}

    /** A policy refusal: {@code {"blocked":reason,...}} plus the {@code X-Bottle-Block} header. */
    static FullHttpResponse blocked(HttpResponseStatus status, String reason, Map<String, String> details) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("blocked", reason);
        body.putAll(details);
        FullHttpResponse r = json(status, body);
        r.headers().set(BLOCK_HEADER, reason);
        return r;
    }

    /** A failure that is not a policy decision (upstream unreachable, bad request...). */
    static FullHttpResponse error(HttpResponseStatus status, String error, Map<String, String> details) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.putAll(details);
        return json(status, body);
    }

    private static FullHttpResponse json(HttpResponseStatus status, Map<String, String> body) {
        byte[] bytes = (PlainJson.text(body) + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }
}
