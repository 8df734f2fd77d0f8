package io.claudebottle.credproxy;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What agent-side configuration a route produces (see {@link AgentSideConfig}). */
public enum Role {
    /** {@code ANTHROPIC_BASE_URL} plus a placeholder {@code CLAUDE_CODE_OAUTH_TOKEN}. */
    ANTHROPIC_BASE_URL("anthropic-base-url"),
    /** {@code ~/.npmrc} pointing the default registry at the route. */
    NPM_REGISTRY("npm-registry"),
    /** {@code ~/.gitconfig} {@code insteadOf} rule rewriting the upstream URL to the route. */
    GIT_INSTEADOF("git-insteadof"),
    /** {@code ~/.config/tea/config.yml} login pointing at the route. */
    TEA_LOGIN("tea-login");

    private final String manifestName;

    Role(String manifestName) {
        this.manifestName = manifestName;
    }

    /** The spelling used in manifests and the sidecar config. */
    public String manifestName() {
        return manifestName;
    }

    /** Parses a manifest spelling; the error lists the accepted ones. */
    public static Role fromManifestName(String name) {
        for (Role role : values()) {
            if (role.manifestName.equals(name)) return role;
        }
        throw new IllegalArgumentException("unknown cred-proxy role '" + name + "'; use one of: "
                + Arrays.stream(values()).map(Role::manifestName).collect(Collectors.joining(", ")));
    }
}
