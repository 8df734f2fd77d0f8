package io.claudebottle.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every backend gives the agent, whatever isolates it: the sidecar's names and the proxy env. */
public final class AgentEnvironment {
    /** Names the agent dials the sidecar by; {@code pipelock} is the original's name for the egress proxy. */
    public static final List<String> SIDECAR_ALIASES = List.of("pipelock", "egress", "cred-proxy", "git-gate", "supervise");
    public static final int EGRESS_PORT = 3128;

    private AgentEnvironment() {
    }

    /** Proxy variables (both cases), NO_PROXY for the sidecar, no side traffic, and the bottle id. */
    public static Map<String, String> base(String bottleId) {
        Map<String, String> env = new LinkedHashMap<>();
        String proxy = "http://egress:" + EGRESS_PORT;
        env.put("HTTPS_PROXY", proxy);
        env.put("HTTP_PROXY", proxy);
        env.put("https_proxy", proxy);
        env.put("http_proxy", proxy);
        // Claude Code sends even an http:// ANTHROPIC_BASE_URL through HTTPS_PROXY unless told otherwise.
        String noProxy = String.join(",", SIDECAR_ALIASES) + ",localhost,127.0.0.1";
        env.put("NO_PROXY", noProxy);
        env.put("no_proxy", noProxy);
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("BOTTLE_ID", bottleId);
        return env;
    }
}
