package io.claudebottle.credproxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.function.UnaryOperator;

/** Header hygiene shared by both directions. */
final class Headers {
    /** RFC 9110 §7.6.1 connection-specific headers, plus the proxy ones an agent might send. */
    private static final List<CharSequence> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, "keep-alive", HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, "proxy-connection");

    private Headers() {}

    /** Removes hop-by-hop headers, including those the {@code Connection} header names. */
    static void removeHopByHop(HttpHeaders headers) {
        for (String listed : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : listed.split(",")) {
                if (!name.isBlank()) headers.remove(name.strip());
            }
        }
        HOP_BY_HOP.forEach(headers::remove);
    }

    /** Applies {@code redact} to every header value (used to keep tokens an upstream echoes from the agent). */
    static void redactValues(HttpHeaders headers, UnaryOperator<String> redact) {
        List<String> names = headers.names().stream().toList();
        for (String name : names) {
            List<String> values = headers.getAll(name);
            List<String> redacted = values.stream().map(redact).toList();
            if (!redacted.equals(values)) headers.set(name, redacted);
        }
    }

    /** Removes every credential the agent may have sent; the route's own is injected afterwards. */
    static void removeAgentCredentials(HttpHeaders headers) {
        headers.remove(HttpHeaderNames.AUTHORIZATION);
        headers.remove(Credential.X_API_KEY);
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    }
}
