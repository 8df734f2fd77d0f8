package io.claudebottle.gitgate;

import org.eclipse.jgit.transport.AdvertiseRefsHook;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * Receive-pack into a per-push {@link ScratchRepository} while advertising the mirror's refs, so
 * the agent pushes against the upstream's state and its objects never reach the mirror.
 */
final class GatedReceivePack extends ReceivePack {
    private final ScratchRepository scratch;
    private final Mirror mirror;
    private final GitGateAudit audit;
    private final PushGate gate;

    GatedReceivePack(ScratchRepository scratch, Mirror mirror, PushScanner scanner, GitGateAudit audit) {
        super(scratch.repository());
        this.scratch = scratch;
        this.mirror = mirror;
        this.audit = audit;
        setAdvertiseRefsHook(new AdvertiseRefsHook() {
            @Override
            public void advertiseRefs(UploadPack uploadPack) {
            }

            @Override
            public void advertiseRefs(ReceivePack receivePack) throws IOException {
                receivePack.setAdvertisedRefs(mirror.refs(), null);
            }
        });
        setAllowCreates(true);
        setAllowDeletes(true);
        setAllowNonFastForwards(true); // decided (and possibly refused) per repo in PushGate
        setAllowPushOptions(false);
        this.gate = new PushGate(mirror, scanner, audit);
        setPreReceiveHook(gate);
    }

    @Override
    public void receive(InputStream input, OutputStream output, OutputStream messages) throws IOException {
        try {
            // The agent must push against the upstream's refs: never against a half-cloned mirror.
            mirror.ensureSynced();
        } catch (Mirror.UpstreamException e) {
            String reason = "git-gate: cannot push to '" + mirror.name() + "': its upstream " + mirror.upstream().url()
                    + " could not be mirrored: " + e.getMessage() + ". Nothing was sent upstream; retry when it is reachable.";
            audit.record(new GitGateEvent(mirror.name(), "push", "error", reason, Map.of()));
            GitGate.refuse(output, reason);
            scratch.close();
            return;
        }
        gate.receiving();
        try {
            super.receive(input, output, messages);
        } finally {
            scratch.close();
        }
    }
}
