package io.claudebottle.gitgate;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One upstream the gate mirrors: a {@code git:} entry of the bottle manifest.
 *
 * @param name            what the agent dials: {@code git://git-gate:9418/<name>}; {@code [a-z0-9._-]+}
 * @param upstream        {@code ssh://[user@]host[:port]/path} or scp-style {@code [user@]host:path}
 * @param identityFile    private key the gate authenticates to the upstream with (never shown to the agent)
 * @param knownHostKey    the upstream's host key, {@code <type> <base64> [comment]}; the only key accepted
 * @param extraHosts      hostname → IP pins used by the gate only (empty for none)
 * @param forbidForcePush refuse non-fast-forward pushes and ref deletions instead of forwarding them
 */
public record GitGateRepo(String name, String upstream, Path identityFile, String knownHostKey,
                          Map<String, String> extraHosts, boolean forbidForcePush) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9._-]+");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    private static final Pattern IP = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    public GitGateRepo {
        Objects.requireNonNull(name, "git-gate repo: name is required");
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("git-gate repo name '" + name + "' must match [a-z0-9._-]+");
        }
        if (upstream == null || upstream.isBlank()) {
            throw new IllegalArgumentException("git-gate repo '" + name + "': upstream is required (ssh://… or user@host:path)");
        }
        UpstreamUrl.parse(upstream); // fails with a message naming the form expected
        Objects.requireNonNull(identityFile, () -> "git-gate repo '" + name + "': identityFile is required");
        if (knownHostKey == null || knownHostKey.isBlank()) {
            throw new IllegalArgumentException("git-gate repo '" + name
                    + "': knownHostKey is required (the upstream's public host key, e.g. from ssh-keyscan)");
        }
        PinnedHostKey.parse(name, knownHostKey);
        extraHosts = extraHosts == null ? Map.of() : Map.copyOf(extraHosts);
        extraHosts.forEach((host, ip) -> {
            if (!HOST.matcher(host).matches() || !IP.matcher(ip).matches()) {
                throw new IllegalArgumentException("git-gate repo '" + name + "': extraHosts entry '" + host + "' -> '" + ip
                        + "' must map a hostname to an IPv4 or IPv6 address literal");
            }
        });
    }
}
