package io.claudebottle.manifest;

/**
 * One cred-proxy route: requests to {@code path} go to {@code upstream} with
 * {@code authScheme <value of env var tokenRef>} injected. The token value is never part of the
 * policy: only the name of the environment variable that holds it.
 *
 * @param role what the agent side sets up for this route, or null for none
 */
public record CredRoute(String path, String upstream, String authScheme, String tokenRef, Role role) {

    /** Agent-side wiring a route drives. */
    public enum Role {
        ANTHROPIC_BASE_URL("anthropic-base-url"),
        NPM_REGISTRY("npm-registry"),
        GIT_INSTEADOF("git-insteadof"),
        TEA_LOGIN("tea-login");

        private final String manifestName;

        Role(String manifestName) {
            this.manifestName = manifestName;
        }

        /** The spelling used in manifests and in the sidecar config. */
        public String manifestName() {
            return manifestName;
        }

        static java.util.Optional<Role> fromManifestName(String name) {
            for (Role role : values()) {
                if (role.manifestName.equals(name)) {
                    return java.util.Optional.of(role);
                }
            }
            return java.util.Optional.empty();
        }
    }
}
