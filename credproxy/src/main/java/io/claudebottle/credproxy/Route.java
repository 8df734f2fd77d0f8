package io.claudebottle.credproxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One cred-proxy route: requests to {@code http://cred-proxy:9099<path>rest} are forwarded to
 * {@code <upstream>/rest} over HTTPS with the token read from environment variable {@code tokenRef}.
 *
 * @param path       the agent-side prefix, starting and ending with {@code /}, e.g. {@code /anthropic/}
 * @param upstream   an {@code https://} URL, optionally with a base path
 * @param authScheme the scheme put before the token, e.g. {@code Bearer}, {@code token}, {@code Basic}
 * @param tokenRef   the name of the environment variable holding the token (never the token)
 * @param role       the agent-side configuration this route drives, if any
 */
public record Route(String path, URI upstream, String authScheme, String tokenRef, Optional<Role> role) {
    private static final Pattern PATH = Pattern.compile("/(?:[A-Za-z0-9._~-]+/)+");
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9._~+-]*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public Route {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(authScheme, "auth_scheme");
        Objects.requireNonNull(tokenRef, "token_ref");
        role = role == null ? Optional.empty() : role;
        if (!PATH.matcher(path).matches() || path.contains("/./") || path.contains("/../")) {
            throw new IllegalArgumentException("cred-proxy route path '" + path
                    + "' must start and end with '/' and use only letters, digits and . _ ~ - with no '.' or '..' segment (e.g. /anthropic/)");
        }
        if (!"https".equalsIgnoreCase(upstream.getScheme()) || upstream.getHost() == null) {
            throw new IllegalArgumentException("cred-proxy route " + path + ": upstream '" + upstream
                    + "' must be an https:// URL with a host (e.g. https://api.anthropic.com)");
        }
        if (upstream.getRawQuery() != null || upstream.getRawFragment() != null || upstream.getRawUserInfo() != null) {
            throw new IllegalArgumentException("cred-proxy route " + path + ": upstream '" + upstream
                    + "' must not carry user info, a query or a fragment");
        }
        if (!SCHEME.matcher(authScheme).matches()) {
            throw new IllegalArgumentException("cred-proxy route " + path + ": auth_scheme '" + authScheme
                    + "' must be one word such as Bearer, token or Basic");
        }
        if (!ENV_NAME.matcher(tokenRef).matches()) {
            throw new IllegalArgumentException("cred-proxy route " + path + ": token_ref '" + tokenRef
                    + "' must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), not a token");
        }
    }

    /** Parses the manifest's string form; {@code role} may be null. */
    public static Route of(String path, String upstream, String authScheme, String tokenRef, String role) {
        URI uri;
        try {
            uri = new URI(Objects.requireNonNull(upstream, "upstream"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cred-proxy route " + path + ": upstream '" + upstream
                    + "' is not a URL: " + e.getMessage(), e);
        }
        return new Route(path, uri, authScheme, tokenRef,
                role == null || role.isBlank() ? Optional.empty() : Optional.of(Role.fromManifestName(role)));
    }

    /** The upstream host name, lower-case: the only host this route's token is ever sent to. */
    public String upstreamHost() {
        return upstream.getHost().toLowerCase(java.util.Locale.ROOT);
    }

    /** The upstream port (443 unless the URL names one). */
    public int upstreamPort() {
        return upstream.getPort() == -1 ? 443 : upstream.getPort();
    }

    /** The upstream base path, always ending with {@code /}. */
    public String upstreamBasePath() {
        String p = upstream.getRawPath();
        if (p == null || p.isEmpty()) return "/";
        return p.endsWith("/") ? p : p + "/";
    }

    /** The value for an HTTP {@code Host} header addressed to the upstream. */
    public String upstreamHostHeader() {
        return upstream.getPort() == -1 || upstream.getPort() == 443
                ? upstream.getRawAuthority().replaceFirst(":443$", "")
                : upstream.getRawAuthority();
    }
}
