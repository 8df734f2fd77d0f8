package io.claudebottle.gitgate;

import org.eclipse.jgit.transport.AdvertiseRefsHook;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Receive-pack into a per-push {@link ScratchRepository} while advertising the mirror's refs, so
 * the agent pushes against the upstream's state and its objects never reach the mirror.
 */
final class GatedReceivePack extends ReceivePack {
    private final ScratchRepository scratch;

    GatedReceivePack(ScratchRepository scratch, Mirror mirror, PushScanner scanner, GitGateAudit audit) {
        super(scratch.repository());
        this.scratch = scratch;
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
        setPreReceiveHook(new PushGate(mirror, scanner, audit));
    }

    @Override
    public void receive(InputStream input, OutputStream output, OutputStream messages) throws IOException {
        try {
            super.receive(input, output, messages);
        } finally {
            scratch.close();
        }
    }
}
