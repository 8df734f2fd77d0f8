package io.claudebottle.gitgate;

import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A push to the upstream whose connection is set up ahead of time: the SSH handshake, the
 * authentication and the upstream's ref advertisement run while the gate still scans the push.
 * Nothing of the push itself (no ref command, no object) goes out before {@link #send}, which the
 * gate calls only after a clean scan; closing an unsent push ends the session with an empty
 * command list, which the upstream treats as "nothing to push".
 *
 * <p>JGit + MINA is kept over the system {@code git push} with OpenSSH: on the bench's 51 MB push both
 * send as fast as the upstream's {@code git index-pack} takes the pack, which sets the pace either way
 * (measurements in the README, "Git-gate performance").
 */
final class UpstreamPush implements AutoCloseable {
    private final Transport transport;
    private final PushConnection connection;

    /** What the upstream did with one ref update. */
    record Outcome(RemoteRefUpdate.Status status, String message) {
    }

    private UpstreamPush(Transport transport, PushConnection connection) {
        this.transport = transport;
        this.connection = connection;
    }

    /** Connects in the background; the caller must eventually close what the future yields. */
    static CompletableFuture<UpstreamPush> connect(Upstream upstream, Repository pushed) {
        CompletableFuture<UpstreamPush> connected = new CompletableFuture<>();
        Thread.ofVirtual().name("git-gate-upstream-connect").start(() -> {
            try {
                connected.complete(open(upstream, pushed));
            } catch (IOException | RuntimeException e) {
                connected.completeExceptionally(e);
            }
        });
        return connected;
    }

    private static UpstreamPush open(Upstream upstream, Repository pushed) throws IOException {
        Transport transport = upstream.open(pushed);
        try {
            transport.setPushThin(true);
            // The agent's git already searched for deltas; its pack is forwarded as is, never searched again.
            PackConfig pack = new PackConfig(pushed);
            pack.setDeltaCompress(false);
            pack.setReuseDeltas(true);
            pack.setReuseObjects(true);
            transport.setPackConfig(pack);
            return new UpstreamPush(transport, transport.openPush());
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * Sends the updates whose expected old value is still what the upstream advertises
     * (compare-and-swap: a concurrent upstream change is never overwritten), with the objects they
     * need, and returns the outcome of every update.
     */
    Map<RemoteRefUpdate, Outcome> send(List<RemoteRefUpdate> updates) throws IOException {
        Map<RemoteRefUpdate, Outcome> outcomes = new LinkedHashMap<>();
        Map<String, RemoteRefUpdate> toSend = new LinkedHashMap<>();
        for (RemoteRefUpdate update : updates) {
            Ref advertised = connection.getRef(update.getRemoteName());
            ObjectId current = advertised == null || advertised.getObjectId() == null ? ObjectId.zeroId() : advertised.getObjectId();
            if (update.isDelete() && advertised == null) {
                outcomes.put(update, new Outcome(RemoteRefUpdate.Status.NON_EXISTING, null));
            } else if (!current.equals(update.getExpectedOldObjectId())) {
                outcomes.put(update, new Outcome(RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED, null));
            } else if (current.equals(update.getNewObjectId())) {
                outcomes.put(update, new Outcome(RemoteRefUpdate.Status.UP_TO_DATE, null));
            } else {
                toSend.put(update.getRemoteName(), update);
            }
        }
        if (!toSend.isEmpty()) {
            connection.push(NullProgressMonitor.INSTANCE, toSend);
        }
        for (RemoteRefUpdate update : toSend.values()) {
            outcomes.put(update, new Outcome(update.getStatus(), update.getMessage()));
        }
        return outcomes;
    }

    /** What the upstream printed (its {@code remote:} lines), or an empty string. */
    String messages() {
        String messages = connection.getMessages();
        return messages == null ? "" : messages;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            transport.close();
        }
    }
}
