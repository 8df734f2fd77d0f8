package io.claudebottle.credproxy;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Objects;

/** What the cred-proxy does with one request, decided before any byte goes upstream. */
sealed interface Decision {

    /** Answer the agent directly with {@code status} and a plain-text {@code message}. */
    record Refuse(String routePath, HttpResponseStatus status, String message) implements Decision {
        public Refuse {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(message, "message");
            routePath = Objects.requireNonNullElse(routePath, "");
        }
    }

    /**
     * Send the request to {@code route}'s upstream at {@code upstreamPathAndQuery} with
     * {@code credential} injected.
     */
    record Forward(Route route, String upstreamPathAndQuery, Credential credential) implements Decision {
        @Override
        public String toString() {
            return "Forward[" + route.path() + " -> " + route.upstreamHost() + upstreamPathAndQuery + "]";
        }
    }
}
