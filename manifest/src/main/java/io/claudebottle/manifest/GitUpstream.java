package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.Map;

/**
 * One {@code git:} entry: an upstream the git-gate mirrors and pushes to over SSH.
 *
 * @param knownHostKey the pinned host key ({@code type base64}), or null when not pinned
 * @param extraHosts hostname → IP overrides for the git-gate's resolver
 */
public record GitUpstream(String name, String upstream, Path identityFile, String knownHostKey,
                          Map<String, String> extraHosts, boolean forbidForcePush) {
    public GitUpstream {
        extraHosts = Immutable.map(extraHosts);
    }
}
