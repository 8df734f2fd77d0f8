package io.claudebottle.credproxy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The header the cred-proxy injects for a route's token.
 *
 * <p>The token's shape wins over the configured scheme for Anthropic credentials, because the
 * Messages API accepts them in different headers: an API key ({@code sk-ant-api…}) only as
 * {@code x-api-key: <key>}, an OAuth token ({@code sk-ant-oat…}) only as
 * {@code Authorization: Bearer <token>}. Every other token goes as
 * {@code Authorization: <auth_scheme> <token>}; for {@code Basic} a {@code user:password} token
 * is base64-encoded first (an already encoded one is sent as is).
 *
 * @param headerName  lower-case header name
 * @param headerValue the full header value (contains the token: never log it)
 */
record Credential(String headerName, String headerValue) {
    static final String AUTHORIZATION = "authorization";
    static final String X_API_KEY = "x-api-key";

    static Credential inject(String authScheme, String token) {
        if (token.startsWith("sk-ant-api")) return new Credential(X_API_KEY, token);
        if (token.startsWith("sk-ant-oat")) return new Credential(AUTHORIZATION, "Bearer " + token);
        if (authScheme.equalsIgnoreCase("Basic") && token.indexOf(':') >= 0) {
            return new Credential(AUTHORIZATION,
                    "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        return new Credential(AUTHORIZATION, authScheme + " " + token);
    }

    @Override
    public String toString() {
        return "Credential[" + headerName + ": <redacted>]";
    }
}
