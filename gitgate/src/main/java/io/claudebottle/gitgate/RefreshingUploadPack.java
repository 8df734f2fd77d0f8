package io.claudebottle.gitgate;

import org.eclipse.jgit.transport.UploadPack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * Upload-pack that first brings the mirror up to date with the upstream, and refuses to serve
 * anything if it cannot (fail closed: never silently stale data).
 */
final class RefreshingUploadPack extends UploadPack {
    private final Mirror mirror;
    private final GitGateAudit audit;

    RefreshingUploadPack(Mirror mirror, GitGateAudit audit) {
        super(mirror.repository());
        this.mirror = mirror;
        this.audit = audit;
    }

    @Override
    public void upload(InputStream input, OutputStream output, OutputStream messages) throws IOException {
        try {
            mirror.awaitFirstSync();
            mirror.refresh();
        } catch (Mirror.UpstreamException e) {
            String reason = "git-gate: cannot fetch '" + mirror.name() + "' from its upstream " + mirror.upstream().url()
                    + ": " + e.getMessage() + ". Nothing served (fail closed); retry when the upstream is reachable.";
            audit.record(new GitGateEvent(mirror.name(), "fetch", "error", reason, Map.of()));
            GitGate.refuse(output, reason);
            return;
        }
        audit.record(new GitGateEvent(mirror.name(), "fetch", "ok", "refreshed from " + mirror.upstream().url(), Map.of()));
        super.upload(input, output, messages);
    }
}
