package io.claudebottle.manifest;

import java.util.List;
import java.util.Map;

/**
 * What the egress proxy lets out of a bottle.
 *
 * @param allowlist the effective allowlist: baked-in defaults first, then the manifest's entries
 * @param passthrough allowlisted hosts that are tunnelled without TLS interception (so without
 *     body DLP)
 * @param allowAddresses private/loopback addresses or CIDR ranges that may be dialled
 * @param dlpExempt host → ids of DLP rules not applied to traffic to that host
 */
public record EgressPolicy(List<AllowedHost> allowlist, List<String> passthrough, List<String> allowAddresses,
                           Map<String, List<String>> dlpExempt) {
    public EgressPolicy {
        allowlist = List.copyOf(allowlist);
        passthrough = List.copyOf(passthrough);
        allowAddresses = List.copyOf(allowAddresses);
        dlpExempt = Immutable.map(dlpExempt);
    }

    /** The effective allowlist as plain strings, as the sidecar config carries it. */
    public List<String> hosts() {
        return allowlist.stream().map(AllowedHost::host).toList();
    }
}
