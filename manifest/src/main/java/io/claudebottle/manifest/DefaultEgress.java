package io.claudebottle.manifest;

import java.util.List;

/**
 * The baked-in egress allowlist every bottle gets, the single source of truth for it. Kept minimal
 * on purpose: each extra host is a place an agent can send data.
 *
 * <p>Deliberately absent: Claude Code's third-party telemetry and error-reporting endpoints
 * (Sentry's {@code *.sentry.io}, Statsig's own {@code *.statsig.com}, Datadog, Segment). Anyone can
 * open an account there and receive data, so allowing them would be an exfiltration channel; the
 * bottle runs Claude Code with {@code CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1}, which stops that
 * traffic. A manifest that really wants one can allowlist it.
 */
public final class DefaultEgress {
    private DefaultEgress() {}

    public static final List<AllowedHost> HOSTS = List.of(
            new AllowedHost("api.anthropic.com", true, "the Claude API: messages, OAuth token use, account checks"),
            new AllowedHost("claude.ai", true, "Claude account sign-in and subscription (OAuth) endpoints"),
            new AllowedHost("statsig.anthropic.com", true,
                    "Anthropic-run feature flags and metrics Claude Code fetches at start-up"));

    public static boolean isDefault(String host) {
        return HOSTS.stream().anyMatch(h -> h.host().equals(host));
    }
}
