package io.claudebottle.credproxy;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/** Matches a request to a route and applies every refusal rule; pure, so it is tested directly. */
final class RequestRouter {
    static final String GIT_GATE_HINT = "push through the git-gate instead: declare the repository under"
            + " `git:` in the bottle manifest and push to its normal URL (the agent's git config routes it"
            + " to git-gate, which scans the push for secrets).";

    private final List<Route> routesLongestFirst;
    private final UnaryOperator<String> environment;

    RequestRouter(List<Route> routes, UnaryOperator<String> environment) {
        this.routesLongestFirst = routes.stream()
                .sorted(Comparator.comparingInt((Route r) -> r.path().length()).reversed())
                .toList();
        this.environment = environment;
    }

    Decision decide(HttpRequest request) {
        String uri = request.uri();
        if (request.decoderResult().isFailure()) {
            return new Decision.Refuse("", HttpResponseStatus.BAD_REQUEST,
                    "cred-proxy: malformed HTTP request: " + request.decoderResult().cause().getMessage());
        }
        if (request.method().equals(HttpMethod.CONNECT) || !uri.startsWith("/")) {
            return new Decision.Refuse("", HttpResponseStatus.BAD_REQUEST,
                    "cred-proxy: only origin-form requests (GET /route/...) are served; this is not a forward"
                            + " proxy. Send proxied traffic to the egress proxy (HTTPS_PROXY) instead.");
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = q < 0 ? null : uri.substring(q + 1);
        String decoded;
        try {
            decoded = QueryStringDecoder.decodeComponent(uri);
        } catch (IllegalArgumentException e) {
            return new Decision.Refuse("", HttpResponseStatus.BAD_REQUEST,
                    "cred-proxy: request URI has a malformed %-escape: " + e.getMessage());
        }
        for (String segment : QueryStringDecoder.decodeComponent(rawPath).split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return new Decision.Refuse("", HttpResponseStatus.BAD_REQUEST,
                        "cred-proxy: request path must not contain '.' or '..' segments");
            }
        }
        if (decoded.toLowerCase(Locale.ROOT).contains("git-receive-pack")) {
            return new Decision.Refuse("", HttpResponseStatus.FORBIDDEN,
                    "cred-proxy: git push over smart HTTP (git-receive-pack) is refused; " + GIT_GATE_HINT);
        }
        Route route = match(rawPath);
        if (route == null) {
            return new Decision.Refuse("", HttpResponseStatus.NOT_FOUND,
                    "cred-proxy: no route for " + rawPath + "; configured routes: "
                            + (routesLongestFirst.isEmpty() ? "(none)"
                            : String.join(", ", routesLongestFirst.stream().map(Route::path).sorted().toList()))
                            + ". Add one under cred_proxy.routes in the bottle manifest.");
        }
        String token = environment.apply(route.tokenRef());
        token = token == null ? "" : token.strip();
        if (token.isEmpty()) {
            return new Decision.Refuse(route.path(), HttpResponseStatus.BAD_GATEWAY,
                    "cred-proxy: route " + route.path() + " has no token: environment variable "
                            + route.tokenRef() + " is not set (or empty) in the sidecar. Export "
                            + route.tokenRef() + " in the shell that runs `bottle start`; it is passed to the"
                            + " sidecar by name only.");
        }
        if (!isHeaderSafe(token)) {
            return new Decision.Refuse(route.path(), HttpResponseStatus.BAD_GATEWAY,
                    "cred-proxy: route " + route.path() + ": the token in " + route.tokenRef()
                            + " contains whitespace or control characters; fix the variable's value.");
        }
        String rest = rawPath.length() >= route.path().length() ? rawPath.substring(route.path().length()) : "";
        String upstreamPath = rest.isEmpty() && rawPath.length() < route.path().length()
                ? stripTrailingSlash(route.upstreamBasePath())
                : route.upstreamBasePath() + rest;
        String pathAndQuery = rawQuery == null ? upstreamPath : upstreamPath + "?" + rawQuery;
        return new Decision.Forward(route, pathAndQuery, Credential.inject(route.authScheme(), token));
    }

    private Route match(String rawPath) {
        for (Route route : routesLongestFirst) {
            String prefix = route.path();
            if (rawPath.startsWith(prefix) || rawPath.equals(prefix.substring(0, prefix.length() - 1))) {
                return route;
            }
        }
        return null;
    }

    private static String stripTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static boolean isHeaderSafe(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f) return false;
        }
        return true;
    }
}
