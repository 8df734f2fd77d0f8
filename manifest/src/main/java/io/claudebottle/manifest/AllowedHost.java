package io.claudebottle.manifest;

/**
 * One entry of the effective egress allowlist: {@code host}, {@code *.domain} or {@code host:port}.
 *
 * @param builtIn true for a baked-in default (see {@link DefaultEgress}), false when only the
 *     manifest grants it
 * @param reason why a baked-in default is there; empty for manifest entries
 */
public record AllowedHost(String host, boolean builtIn, String reason) {}
