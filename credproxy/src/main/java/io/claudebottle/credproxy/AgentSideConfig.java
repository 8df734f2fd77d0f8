package io.claudebottle.credproxy;

import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent side of the cred-proxy: the environment variables the backend sets in the agent
 * container and the files it mounts in the agent's home, derived from the routes' roles. None of
 * it holds a token: where a client insists on having one, it gets {@link #PLACEHOLDER_TOKEN},
 * which the cred-proxy strips and replaces on every request.
 *
 * @param env       variable name to value
 * @param homeFiles path relative to the agent's home (e.g. {@code .npmrc}) to file content
 */
public record AgentSideConfig(Map<String, String> env, Map<String, String> homeFiles) {
    /** Where agents reach the cred-proxy: its alias on the bottle's internal network. */
    public static final String SIDECAR_AUTHORITY = "cred-proxy:" + CredProxySettings.DEFAULT_PORT;
    /** Non-secret stand-in for a token (Claude Code refuses to start without one). */
    public static final String PLACEHOLDER_TOKEN = "placeholder-the-cred-proxy-injects-the-real-token";
    /**
     * Hosts agents must reach directly, not through {@code HTTPS_PROXY}: the sidecar's aliases
     * (Claude Code sends even an {@code http://} base URL to the proxy otherwise) and loopback.
     */
    public static final List<String> NO_PROXY_HOSTS =
            List.of("pipelock", "egress", "cred-proxy", "git-gate", "supervise", "localhost", "127.0.0.1");

    public static final String NPMRC = ".npmrc";
    public static final String GITCONFIG = ".gitconfig";
    public static final String TEA_CONFIG = ".config/tea/config.yml";

    public AgentSideConfig {
        env = Map.copyOf(env);
        homeFiles = Map.copyOf(homeFiles);
    }

    /** The configuration for agents that reach the cred-proxy at {@link #SIDECAR_AUTHORITY}. */
    public static AgentSideConfig forRoutes(List<Route> routes) {
        return forRoutes(routes, SIDECAR_AUTHORITY);
    }

    /**
     * The configuration for agents that reach the cred-proxy at {@code authority} ({@code host:port}).
     *
     * @throws IllegalArgumentException if two routes claim a role that can only be served once
     */
    public static AgentSideConfig forRoutes(List<Route> routes, String authority) {
        Objects.requireNonNull(authority, "authority");
        String base = "http://" + authority;
        Map<String, String> env = new LinkedHashMap<>();
        String noProxy = String.join(",", NO_PROXY_HOSTS);
        env.put("NO_PROXY", noProxy);
        env.put("no_proxy", noProxy);
        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder gitconfig = new StringBuilder();
        List<Map<String, Object>> teaLogins = new ArrayList<>();
        Route anthropic = null;
        Route npm = null;
        for (Route route : routes) {
            if (route.role().isEmpty()) continue;
            String routeUrl = base + route.path();
            switch (route.role().get()) {
                case ANTHROPIC_BASE_URL -> {
                    anthropic = onlyOne(anthropic, route);
                    // Claude Code appends /v1/messages itself; a trailing slash would double it.
                    env.put("ANTHROPIC_BASE_URL", withoutTrailingSlash(routeUrl));
                    env.put("CLAUDE_CODE_OAUTH_TOKEN", PLACEHOLDER_TOKEN);
                }
                case NPM_REGISTRY -> {
                    npm = onlyOne(npm, route);
                    files.put(NPMRC, "registry=" + routeUrl + "\n"
                            + "//" + authority + route.path() + ":_authToken=" + PLACEHOLDER_TOKEN + "\n");
                }
                case GIT_INSTEADOF -> gitconfig
                        .append("[url \"").append(routeUrl).append("\"]\n")
                        .append("\tinsteadOf = ").append(upstreamPrefix(route)).append('\n');
                case TEA_LOGIN -> {
                    Map<String, Object> login = new LinkedHashMap<>();
                    login.put("name", teaLogins.isEmpty() ? route.upstreamHost() : route.upstreamHost() + route.path());
                    login.put("url", withoutTrailingSlash(routeUrl));
                    login.put("token", PLACEHOLDER_TOKEN);
                    login.put("default", teaLogins.isEmpty());
                    login.put("insecure", false);
                    teaLogins.add(login);
                }
            }
        }
        if (!gitconfig.isEmpty()) files.put(GITCONFIG, gitconfig.toString());
        if (!teaLogins.isEmpty()) files.put(TEA_CONFIG, teaConfig(teaLogins));
        return new AgentSideConfig(env, files);
    }

    private static Route onlyOne(Route earlier, Route route) {
        if (earlier != null) {
            throw new IllegalArgumentException("cred-proxy routes " + earlier.path() + " and " + route.path()
                    + " both have role " + route.role().orElseThrow().manifestName()
                    + ", which only one route may have; remove the role from one of them");
        }
        return route;
    }

    private static String upstreamPrefix(Route route) {
        return "https://" + route.upstream().getRawAuthority() + route.upstreamBasePath();
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String teaConfig(List<Map<String, Object>> logins) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("logins", logins);
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build();
        return new Dump(settings).dumpToString(config);
    }
}
