package io.claudebottle.gitgate;

import io.claudebottle.dlp.SecretScanner;
import org.eclipse.jgit.transport.AdvertiseRefsHook;
import org.eclipse.jgit.transport.ConnectivityChecker;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * Receive-pack into a per-push {@link ScratchRepository} while advertising the mirror's refs, so
 * the agent pushes against the upstream's state and its objects never reach the mirror. Blobs are
 * scanned as the pack parser inflates them ({@link ReceivedBlobScan}), and the SSH connection to the
 * upstream is set up while the pack arrives.
 */
final class GatedReceivePack extends ReceivePack {
    private final ScratchRepository scratch;
    private final Mirror mirror;
    private final GitGateAudit audit;
    private final PushGate gate;
    private final ReceivedBlobScan receivedBlobs;

    GatedReceivePack(ScratchRepository scratch, Mirror mirror, SecretScanner secrets, PushScanner scanner, GitGateAudit audit) {
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
        this.receivedBlobs = new ReceivedBlobScan(secrets);
        setObjectChecker(receivedBlobs);
        // Any object checker makes JGit also walk the whole pushed graph for connectivity; keep doing
        // that only when it did so before (a shallow client). A missing object still fails the push:
        // the scan's walk, its blob reads and the upstream pack writer all throw on one.
        ConnectivityChecker full = connectivityChecker;
        connectivityChecker = (info, haves, monitor) -> {
            if (!getClientShallowCommits().isEmpty()) full.checkConnectivity(info, haves, monitor);
        };
        this.gate = new PushGate(mirror, scanner, receivedBlobs, audit);
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
            receivedBlobs.close();
            scratch.close();
            return;
        }
        gate.receiving(scratch.repository());
        try {
            super.receive(input, output, messages);
        } finally {
            gate.close();
            receivedBlobs.close();
            scratch.close();
        }
    }
}
