package io.claudebottle.credproxy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One audited cred-proxy decision. Never carries a token value: {@code detail} is redacted before
 * an event is built.
 *
 * @param time         when the decision was made
 * @param route        the matched route path, or empty when no route matched
 * @param method       the request method
 * @param path         the request path as the agent sent it, without the query string
 * @param upstreamHost the host the request went (or would have gone) to, or empty
 * @param status       the status the agent got
 * @param outcome      what happened
 * @param detail       a human-readable reason, empty when forwarded normally
 */
public record CredProxyEvent(Instant time, String route, String method, String path, String upstreamHost,
                             int status, Outcome outcome, String detail) {
    public CredProxyEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(outcome, "outcome");
        route = Objects.requireNonNullElse(route, "");
        method = Objects.requireNonNullElse(method, "");
        path = Objects.requireNonNullElse(path, "");
        upstreamHost = Objects.requireNonNullElse(upstreamHost, "");
        detail = Objects.requireNonNullElse(detail, "");
    }

    /** The event as audit-log fields, in a stable order (for a JSON-lines audit log). */
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("outcome", outcome.name().toLowerCase(Locale.ROOT));
        fields.put("route", route);
        fields.put("method", method);
        fields.put("path", path);
        fields.put("upstream", upstreamHost);
        fields.put("status", status);
        if (!detail.isEmpty()) fields.put("detail", detail);
        return fields;
    }

    /** What the cred-proxy did with a request. */
    public enum Outcome {
        /** Forwarded with the route's credential; {@code status} is the upstream's. */
        FORWARDED,
        /** Refused by the cred-proxy itself (no route, push, malformed, missing token). */
        REFUSED,
        /** The upstream (or the egress proxy in front of it) could not be reached or failed. */
        UPSTREAM_FAILED
    }
}
