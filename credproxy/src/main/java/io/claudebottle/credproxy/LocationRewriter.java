package io.claudebottle.credproxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Rewrites a redirect that stays on a route's upstream so the agent follows it through the same
 * route (and so with the credential). A redirect anywhere else is returned untouched: the agent
 * follows it on its own, through the egress proxy, without the credential. The cred-proxy itself
 * never follows redirects.
 */
final class LocationRewriter {
    private LocationRewriter() {}

    static String rewrite(String location, Route route) {
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            return location;
        }
        if (uri.isAbsolute()) {
            boolean sameOrigin = "https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null
                    && uri.getHost().toLowerCase(Locale.ROOT).equals(route.upstreamHost())
                    && (uri.getPort() == -1 ? 443 : uri.getPort()) == route.upstreamPort()
                    && uri.getRawUserInfo() == null;
            if (!sameOrigin) return location;
        } else if (uri.getRawAuthority() != null || uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
            return location; // scheme-relative (another host) or path-relative: the agent resolves it itself
        }
        String path = uri.getRawPath();
        String base = route.upstreamBasePath();
        String rest;
        if (path.startsWith(base)) {
            rest = path.substring(base.length());
        } else if (path.equals(base.substring(0, base.length() - 1))) {
            rest = "";
        } else {
            return location;
        }
        StringBuilder out = new StringBuilder(route.path()).append(rest);
        if (uri.getRawQuery() != null) out.append('?').append(uri.getRawQuery());
        if (uri.getRawFragment() != null) out.append('#').append(uri.getRawFragment());
        return out.toString();
    }
}
